"""Re-posts of one story: MinHash signatures of word shingles, found by LSH bands.

Why its own module, and why stored bands: a newsroom feed ingests a few articles per
poll, so a re-post often arrives in a later run than the article it copies. Each stored
article keeps its signature and its band keys (``Store``, migration 7), and a new
document is compared with the stored articles that share a band key with it (an indexed
lookup per band, not a pass over the store) as well as with the earlier documents of its
own run; so which article is recorded as a re-post of which does not depend on how the
corpus was split into runs.

1. Shingles: ``shingle_words``-word shingles of the prose lines (``prose_text``: headers,
   tickers and footers, where a re-post differs from its origin, are short lines) of the
   document's visible text.
2. Signature: MinHash (``minhash_permutations`` values, seed 1) of the sorted shingles.
3. Bands: datasketch's optimal banding (b bands of r values) for
   ``near_duplicate_threshold``; a band's key is a digest of its r values.
4. Candidates: the run's earlier documents (``MinHashLSH``) and the stored articles
   sharing a band key, each re-checked with the MinHash Jaccard estimate against the
   threshold. The most similar is ``same_as``; ties go to a stored article (it was read
   before this run; among them the first by id), then to the earliest document of the run.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Protocol

import numpy as np
from datasketch import MinHash, MinHashLSH

from crosscheck.models import DuplicateRecord, SourceDocument
from crosscheck.settings import Settings

_WORD = re.compile(r"\w+", re.U)
_TAG = re.compile(r"<(script|style|noscript|template)\b.*?</\1\s*>|<!--.*?-->|<[^>]*>", re.S | re.I)
_BLOCK_TAG = re.compile(r"</?(p|div|br|li|h[1-6]|tr|td|section|article|header|footer|nav|aside|"
                        r"blockquote|ul|ol|table|figure|figcaption|main|form)\b", re.I)
SEED = 1
HASHING = "affine32"  # datasketch 2's permutation scheme, named so stored values never mix with another
VALUE_TYPE = np.uint32  # its hash values (what a stored signature's bytes hold)


@dataclass(frozen=True)
class Scheme:
    """How signatures are cut into bands; stored band keys are only comparable within one."""

    num_perm: int
    bands: int
    rows: int

    @property
    def name(self) -> str:
        return f"minhash{self.num_perm}-{HASHING}-seed{SEED}:{self.bands}x{self.rows}"


@cache
def scheme_for(threshold: float, num_perm: int) -> Scheme:
    """datasketch's banding for the threshold (a pure function of its arguments)."""
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return Scheme(num_perm, lsh.b, lsh.r)


def settings_scheme(settings: Settings) -> Scheme:
    return scheme_for(settings.near_duplicate_threshold, settings.minhash_permutations)


class StoredSignatures(Protocol):
    """Signatures of stored articles, found by band key (``crosscheck.store.Store``)."""

    def similar(self, scheme: Scheme, keys: Sequence[tuple[int, str]]) -> dict[str, np.ndarray]: ...


def visible_text(source: str, is_html: bool) -> str:
    """Cheap visible text of a document, enough for near-duplicate shingling."""
    if not is_html:
        return source
    return html.unescape(_TAG.sub(lambda m: "\n" if _BLOCK_TAG.match(m.group()) else " ", source))


def prose_text(text: str, min_words: int = 6) -> str:
    """The longer lines only: headers, tickers, buttons and footers are short lines,
    and a re-post differs from its origin mostly there, so shingles skip them."""
    lines = [ln for ln in text.splitlines() if len(ln.split()) >= min_words]
    return "\n".join(lines) if lines else text


def _shingles(text: str, k: int) -> set[str]:
    words = _WORD.findall(text.lower())
    if not words:
        return set()
    if len(words) < k:
        return {" ".join(words)}
    return {" ".join(words[i:i + k]) for i in range(len(words) - k + 1)}


def signature(original: str, is_html: bool, settings: Settings) -> np.ndarray | None:
    """Steps 1-2: the document's MinHash values (None: no words to shingle)."""
    sh = _shingles(prose_text(visible_text(original, is_html)), settings.shingle_words)
    if not sh:
        return None
    mh = MinHash(num_perm=settings.minhash_permutations, seed=SEED, scheme=HASHING)
    mh.update_batch([s.encode("utf-8") for s in sorted(sh)])
    return mh.hashvalues


def _minhash(values: np.ndarray) -> MinHash:
    return MinHash(num_perm=len(values), seed=SEED, hashvalues=values, scheme=HASHING)


def band_keys(values: np.ndarray, scheme: Scheme) -> list[tuple[int, str]]:
    """Step 3: (band, key) of each band of a signature."""
    r = scheme.rows
    return [(i, hashlib.blake2b(values[i * r:(i + 1) * r].tobytes(), digest_size=16).hexdigest())
            for i in range(scheme.bands)]


def near_duplicates(docs: Sequence[SourceDocument], settings: Settings,
                    stored: StoredSignatures | None = None) -> list[DuplicateRecord]:
    """Step 4 for each document, in order: its near-duplicate record, if it has one."""
    threshold, perms = settings.near_duplicate_threshold, settings.minhash_permutations
    scheme = settings_scheme(settings)
    lsh = MinHashLSH(threshold=threshold, num_perm=perms)
    hashes: dict[str, MinHash] = {}
    order = {d.id: i for i, d in enumerate(docs)}
    out = []
    for doc in docs:
        values = signature(doc.original, doc.is_html, settings)
        if values is None:
            continue
        mh = _minhash(values)
        found = {o: (0, -order[o], hashes[o]) for o in lsh.query(mh)}
        if stored is not None:
            near = stored.similar(scheme, band_keys(values, scheme))
            for rank, aid in enumerate(sorted(a for a in near if a != doc.id and a not in order)):
                found[aid] = (1, -rank, _minhash(near[aid]))  # read before this run: earlier than its documents
        scored = [(mh.jaccard(m), stored_first, earliest, o) for o, (stored_first, earliest, m) in found.items()]
        scored = [s for s in scored if s[0] >= threshold]
        if scored:
            sim, _, _, other = max(scored)
            out.append(DuplicateRecord(doc.id, other, "near", round(sim, 3)))
        lsh.insert(doc.id, mh)
        hashes[doc.id] = mh
    return out
