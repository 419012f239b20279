"""A storyline built in parts of N articles: a build that never reads more than N articles at a time.

Why: a build (``core.rebuild``) holds the whole linked storyline and every claim's
comparison view until it is saved, about 1 GB per 13,000 BBC articles
(``benchmarks/memory_scaling.py``), so an archive cannot be built at once on one
machine. An incremental update (``crosscheck.incremental``) reads only what its new
articles touch, and its memory did not grow with the store (500 to 8,500 articles). A
build in parts is that update applied to the store's own articles:

0. Plan (``planned``): parts when the caller asks for them (``Settings.build_parts``), or
   when a build at once of the store is estimated above ``Settings.build_memory_mb``
   (then parts of at most ``Settings.auto_part_size``, said in one line); else at once.
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

# What a build at once holds above what its process held before it, as a line through the
# measured peaks (``benchmarks/memory_scaling.py``, rebuild: 66.6 / 220.1 / 352.8 / 615.8 MB
# at 504 / 2,115 / 4,240 / 8,490 BBC articles): 20 MB + 90 KB per stored article gives
# 64 / 206 / 393 / 766 MB there (7 % under at 2,115, over from 4,240 on); at 16,990 it
# gives 1,513 MB for a measured 1,174 (``memory_scaling_17k.json``). So a large store it
# sends to parts might have fitted at once, which costs time (3.4x at 16,990), not memory.
AT_ONCE_FIXED_MB = 20.0
AT_ONCE_KB_PER_ARTICLE = 90.0


@dataclass(frozen=True)
class PartsPlan:
    """How a build of the store runs: at once (``size`` 0) or in parts of ``size``
    articles; ``why`` says so when the memory budget, not the caller, chose parts."""

    size: int
    why: str = ""


def at_once_mb(articles: int) -> float:
    """The estimated memory (MB) of a build at once of ``articles`` stored articles."""
    return AT_ONCE_FIXED_MB + AT_ONCE_KB_PER_ARTICLE * articles / 1024


def planned(articles: int, settings: Settings = DEFAULT) -> PartsPlan:
    """Parts of ``settings.build_parts`` when asked for; otherwise at once, unless a build
    at once of ``articles`` is estimated above ``settings.build_memory_mb``: then parts
    small enough that the first (itself a build at once) fits the budget, at most
    ``settings.auto_part_size``. Either way at once when one part would hold them all."""
    size, why = settings.build_parts, ""
    need, budget = at_once_mb(articles), settings.build_memory_mb
    if not size and budget and need > budget:
        fits = int((budget - AT_ONCE_FIXED_MB) * 1024 / AT_ONCE_KB_PER_ARTICLE)
        size = max(1, min(settings.auto_part_size, fits))
        why = (f"a build at once of {articles:,} stored articles would take about {need:,.0f} MB, over the memory "
               f"budget of {budget:,.0f} MB: building in parts of {size} articles")
    return PartsPlan(size, why) if 0 < size < articles else PartsPlan(0)


@dataclass
class PartsBuild:
    """What a build in parts did."""

    parts: int  # parts built or linked (the first built, the others linked)
    articles: int  # stored articles in the storyline
    part_size: int
    fallback: str = ""  # why the whole store was built at once after all ("" when it was not)


def build_in_parts(store: Store, settings: Settings = DEFAULT, *, errors: Sequence[InputError] = (),
                   duplicates: Sequence[DuplicateRecord] = (), why: str = "") -> PartsBuild:
    """The storyline of everything stored, built ``settings.build_parts`` articles at a
    time and saved (steps 1-4 of the module docstring). ``errors`` and ``duplicates``
    (a run's own) are stored with the first part, as a build stores them. ``why`` (the
    plan's reason, when the memory budget chose parts) is said first, one line."""
    if why:
        log.warning("%s (--memory-budget 0 builds at once; run, ingest and build take --build-parts N for another size)", why)
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
    """``settings`` for a build of everything at once (the budget too: it would plan parts again)."""
    return settings.with_(build_parts=0, build_memory_mb=0)
