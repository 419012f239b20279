"""A learned stance classifier: does a report support, refute or merely relay a claim?

Why this model: Emergent (Ferreira & Vlachos 2016) labels news headlines for / against /
observing a claim, and their analysis shows that the decisive signals are cheap and
lexical: refuting words (hoax, fake, deny), hedging words (reportedly, claims, may),
a question mark, a negation in one text and not the other, and how much of the claim
the report repeats. This module computes those features itself (plain Python, no
model download) and applies multinomial logistic-regression weights that the project
trained on Emergent (``benchmarks/stance_emergent.py --write-model`` rebuilds
``data/stance_emergent.json`` from the shared CSV, split by claim; see README).

``StanceModel.predict(claim, report)`` returns probabilities for "for", "against",
"observing". Verification uses it only after the structural rules (negation,
antonymous predicates, numbers, dates, places) have had their say.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Mapping, Sequence

LABELS = ("for", "against", "observing")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
MODEL_FILE = "data/stance_emergent.json"

# Cue lists (general English; see the module docstring for why these three families).
REFUTING = (
    "hoax", "fake", "fraud", "false", "falsely", "deny", "denies", "denied", "denial", "debunk", "debunked",
    "debunks", "not", "no", "never", "nothing", "rumor", "rumors", "rumour", "untrue", "fabricated", "myth",
    "satire", "satirical", "misleading", "doubt", "doubts", "wrong", "nonsense", "bogus", "scam", "lie",
    "lies", "refute", "refutes", "refuted", "reject", "rejects", "dismiss", "dismisses", "despite",
    "isn't", "aren't", "wasn't", "don't", "doesn't", "didn't", "won't", "can't", "nope", "actually",
    "contrary", "mistaken", "retract", "retracts", "prank", "joke", "parody", "unfounded", "baseless",
)
STRONG_REFUTING = frozenset({  # words that call a report false outright (not mere negation)
    "hoax", "fake", "fraud", "false", "falsely", "deny", "denies", "denied", "denial", "debunk", "debunked",
    "debunks", "untrue", "fabricated", "myth", "bogus", "refute", "refutes", "refuted", "baseless", "unfounded",
    "mistaken", "retract", "retracts", "lie", "lies", "wrong",
})
HEDGING = (
    "reportedly", "allegedly", "alleged", "allegations", "claim", "claims", "claimed", "may", "might",
    "could", "would", "report", "reports", "reported", "rumored", "rumoured", "apparently", "purportedly",
    "suggests", "suggest", "possibly", "possible", "unconfirmed", "says", "said", "according", "sources",
    "source", "believed", "seems", "appears", "supposedly", "likely", "perhaps", "maybe", "if", "whether",
    "speculation", "speculates", "considering", "planning", "plans", "expected", "set", "tipped", "hints",
)
NEGATION = frozenset({"not", "no", "never", "nothing", "none", "neither", "nor", "n't", "isn't", "aren't",
                      "wasn't", "weren't", "don't", "doesn't", "didn't", "won't", "can't", "cannot"})
STOP = frozenset(("a an the of to in on for at by with from and or but is are was were be been being it its "
                  "this that these those as into than then there their they he she his her we you i our "
                  "has have had do does did will would can could may might s").split())


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def content(tokens: Sequence[str]) -> set[str]:
    return {w for w in tokens if w not in STOP and len(w) > 2}


def features(claim: str, report: str, vocabulary: Sequence[str] = ()) -> dict[str, float]:
    """Features of a (claim, report) pair; the report is what takes a stance."""
    cw, rw = words(claim), words(report)
    cs, rs = content(cw), content(rw)
    rset = set(rw)
    out: dict[str, float] = {"bias_q": 1.0 if "?" in report else 0.0}
    for cue in REFUTING:
        if cue in rset:
            out[f"ref:{cue}"] = 1.0
    for cue in HEDGING:
        if cue in rset:
            out[f"hed:{cue}"] = 1.0
    out["n_ref"] = math.log1p(sum(1 for w in rw if w in REFUTING))
    out["n_hed"] = math.log1p(sum(1 for w in rw if w in HEDGING))
    neg_c, neg_r = bool(NEGATION & set(cw)), bool(NEGATION & rset)
    out["neg_mismatch"] = 1.0 if neg_c != neg_r else 0.0
    out["neg_report_only"] = 1.0 if neg_r and not neg_c else 0.0
    shared = cs & rs
    out["overlap_claim"] = len(shared) / max(1, len(cs))
    out["overlap_report"] = len(shared) / max(1, len(rs))
    out["jaccard"] = len(shared) / max(1, len(cs | rs))
    nums_c, nums_r = set(_NUMBER.findall(claim)), set(_NUMBER.findall(report))
    out["num_mismatch"] = 1.0 if nums_c and nums_r and not nums_c & nums_r else 0.0
    out["report_len"] = math.log1p(len(rw))
    for w in vocabulary:
        if w in rset:
            out[f"bow:{w}"] = 1.0
    return out


@dataclass(frozen=True)
class StanceModel:
    """Multinomial logistic regression over ``features`` (weights from a JSON file).

    The training script folds its feature standardisation into the weights, so a
    prediction is one sparse dot product per label.
    """

    labels: tuple[str, ...]
    weights: Mapping[str, tuple[float, ...]]  # feature -> one weight per label
    intercept: tuple[float, ...]
    vocabulary: tuple[str, ...]
    meta: Mapping[str, object]

    @classmethod
    def load(cls, path: str | Path | None = None) -> "StanceModel":
        if path is None:
            text = resources.files("crosscheck").joinpath(MODEL_FILE).read_text("utf-8")
        else:
            text = Path(path).read_text("utf-8")
        return cls.from_dict(json.loads(text))

    @classmethod
    def from_dict(cls, raw: Mapping) -> "StanceModel":
        return cls(
            tuple(raw["labels"]), {k: tuple(v) for k, v in raw["weights"].items()},
            tuple(raw["intercept"]), tuple(raw["vocabulary"]), raw.get("meta", {}),
        )

    def predict(self, claim: str, report: str) -> dict[str, float]:
        z = list(self.intercept)
        for name, value in features(claim, report, self.vocabulary).items():
            w = self.weights.get(name)
            if w is not None and value:
                for k in range(len(z)):
                    z[k] += w[k] * value
        top = max(z)
        exp = [math.exp(v - top) for v in z]
        total = sum(exp)
        return {label: e / total for label, e in zip(self.labels, exp)}

    def label(self, claim: str, report: str) -> str:
        probs = self.predict(claim, report)
        return max(self.labels, key=lambda k: (probs[k], -self.labels.index(k)))
