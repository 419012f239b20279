"""A storyline built in parts of N articles: a build that never reads more than N articles at a time.

Why: a build (``core.rebuild``) holds the whole linked storyline and every claim's
comparison view until it is saved, about 1 GB per 13,000 BBC articles
(``benchmarks/memory_scaling.py``), so an archive cannot be built at once on one
machine. An incremental update (``crosscheck.incremental``) reads only what its new
articles touch, and its memory did not grow with the store (500 to 8,500 articles). A
build in parts is that update applied to the store's own articles:

1. Order every stored article by publication date (undated last, then by id): the
   order a feed would have brought them in (``Store.build_order``).
2. Build the storyline of the first N and save it: a build as ``core.rebuild`` runs it,
   over those articles only (their records read from the store, never the others).
3. Link and verify each next N into the stored storyline (``incremental.link_new_articles``
   with verification), one part at a time, each part committed before the next is read.
4. A part that cannot be linked and verified incrementally (its verification failed)
   ends the parts: the whole store is built at once instead (right, but its memory is a
   build's again), and the result and a log line say why.

What each part reads is bounded by N and the verifier's caps, not by the store; the
stored claims an update holds at once are bounded by ``VerifyConfig.increment_held``
(``verify_increment``). On the stores measured a build in parts of 100 took a fifth of a
build at once's memory at 8,490 BBC articles, still growing as n^0.24 (a build at once:
n^0.78; README, "Scale").

What it gives is the storyline that a feed of N-article updates, in publication order,
would have left in the store. It can group some event mentions and claims differently
from a build of everything at once: the greedy linker and the claim clustering visit
mentions and claims in one order over the whole corpus, while each part sees only the
parts before it. How much differs is measured on the BBC corpus (``benchmarks/
build_parts.py``, README). The same store and N always give the same storyline. While
it runs, the store holds the storyline of the parts done so far (the articles
themselves are never touched); an interrupted build in parts leaves that partial
storyline, which the next build replaces.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Sequence

from crosscheck.core import build_and_save, rebuild  # core imports this module only when it builds in parts
from crosscheck.heap import release
from crosscheck.incremental import link_new_articles
from crosscheck.models import DuplicateRecord, InputError
from crosscheck.settings import DEFAULT, Settings
from crosscheck.store import Store

log = logging.getLogger("crosscheck.build_parts")  # a fallback's reason: one line on stderr from the CLI


@dataclass
class PartsBuild:
    """What a build in parts did."""

    parts: int  # parts built or linked (the first built, the others linked)
    articles: int  # stored articles in the storyline
    part_size: int
    fallback: str = ""  # why the whole store was built at once after all ("" when it was not)


def build_in_parts(store: Store, settings: Settings = DEFAULT, *, errors: Sequence[InputError] = (),
                   duplicates: Sequence[DuplicateRecord] = ()) -> PartsBuild:
    """The storyline of everything stored, built ``settings.build_parts`` articles at a
    time and saved (steps 1-4 of the module docstring). ``errors`` and ``duplicates``
    (a run's own) are stored with the first part, as a build stores them."""
    size = max(1, settings.build_parts)
    order = store.build_order()
    parts = [order[k:k + size] for k in range(0, len(order), size)] or [[]]
    done = 0
    try:
        _first_part(store, settings, parts[0], errors, duplicates)
        for done, part in enumerate(parts[1:], start=1):
            result = link_new_articles(store, part, settings, verify=True)
            # The part's records and views, and the pooled connections' caches of its large
            # IN statements (kept, they grew the memory between parts by ~70 MB over ten parts
            # of 250 on the 4,250-article store; closed, it stayed flat): the next starts low.
            store.close()
            release()
            if not result.verified:
                why = f"part {done + 1} of {len(parts)} could not be verified incrementally ({result.reason})"
                log.warning("%s: building the whole store at once", why)
                rebuild(store, _at_once(settings), errors=errors, duplicates=duplicates, read_back=False)
                return PartsBuild(done + 1, len(order), size, fallback=why)
    except BaseException:  # interrupted or failed: say what the store now holds, then go on failing
        log.warning("the build in parts stopped in part %d of %d: the store holds the storyline of the parts "
                    "before it; 'crosscheck build' builds it again", done + 1, len(parts))
        raise
    return PartsBuild(len(parts), len(order), size)


def _first_part(store: Store, settings: Settings, ids: Sequence[str], errors: Sequence[InputError],
                duplicates: Sequence[DuplicateRecord]) -> None:
    """Step 2: the first part's storyline built and saved, replacing any stored one."""
    build_and_save(store, settings, errors=errors, duplicates=duplicates, ids=ids)
    store.close()
    release()


def _at_once(settings: Settings) -> Settings:
    """``settings`` for a build of everything at once."""
    return settings.with_(build_parts=0)
