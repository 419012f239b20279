"""The Emergent-trained stance model: shipped weights, features, predictions, reproducibility."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from conftest import ROOT, SHARED
from crosscheck.stance import LABELS, StanceModel, features


@pytest.fixture(scope="module")
def model():
    return StanceModel.load()


def test_shipped_model_is_small_weights_only(model):
    raw = json.loads(resources.files("crosscheck").joinpath("data/stance_emergent.json").read_text("utf-8"))
    assert set(raw) == {"labels", "intercept", "weights", "vocabulary", "meta"}
    assert tuple(raw["labels"]) == LABELS and len(raw["intercept"]) == 3
    assert all(len(w) == 3 for w in raw["weights"].values())
    assert all(" " not in word for word in raw["vocabulary"])  # single words only, never a headline
    assert len(json.dumps(raw)) < 100_000
    assert model.meta["test_accuracy"] > 0.7


def test_features_see_refuting_hedging_and_overlap():
    f = features("Man saw a ghost in the lighthouse", "Lighthouse ghost story is a hoax, police say")
    assert f["ref:hoax"] == 1.0 and f["n_ref"] > 0
    assert f["overlap_claim"] > 0
    g = features("Man saw a ghost in the lighthouse", "Man reportedly saw ghost in lighthouse?")
    assert g["hed:reportedly"] == 1.0 and g["bias_q"] == 1.0


def test_predictions_on_clear_cases(model):
    claim = "A farmer found a 40-kilo gold nugget in his field"
    assert model.label(claim, "Farmer finds 40-kilo gold nugget in field") == "for"
    assert model.label(claim, "Gold nugget story is a hoax, farmer admits it was fake") == "against"
    assert model.label(claim, "Farmer reportedly claims he may have found a gold nugget") == "observing"
    probs = model.predict(claim, "Farmer finds gold")
    assert set(probs) == set(LABELS) and abs(sum(probs.values()) - 1) < 1e-9


def test_training_reproduces_the_shipped_weights():
    """benchmarks/stance_emergent.py retrains on the fixed claim split and must give the
    shipped file's weights (skipped without the shared data or scikit-learn)."""
    pytest.importorskip("sklearn")
    data = SHARED / "benchmarks" / "emergent" / "url-versions-2015-06-14-clean.csv"
    if not data.exists():
        pytest.skip(f"{data} is not available on this machine")
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("stance_emergent", ROOT / "benchmarks" / "stance_emergent.py")
    bench = importlib.util.module_from_spec(spec)
    sys.modules["stance_emergent"] = bench
    spec.loader.exec_module(bench)

    class Args:
        write_model = False
        embeddings = False
        vocab = bench.VOCAB_SIZE

    result = bench.run(Args())
    assert result["shipped_model"]["identical_to_this_run"]
    assert result["crosscheck"]["accuracy"] == result["shipped_model"]["accuracy"]
    assert all(r["claimId"] for r in bench.load(data)) and result["split"]["test_claims"] >= 50
