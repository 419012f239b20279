"""Per-article stages on one process or on a pool of worker processes, results in input order.

Why: the per-article stages (spaCy, time expressions, events, claims: steps 4-6 of
``core``) are independent from one article to the next and take nearly all of a run's
time, while the corpus-level stages (publication dates use the other articles' dates,
the storyline uses everything) are cheap and stay in the parent. So the parent hands
out batches of ``ArticleJob`` and gets back, per job, an ``ArticleRecord`` or a
``JobFailure``; it stores them itself, in input order, so the store and every output
are the same whatever the number of workers (``--workers 1`` runs in the parent).

The spaCy model is loaded once per worker (the pool's initializer, or a Ray actor's
constructor: ``ray_engine.py``) and never per batch; in-flight batches are bounded
(``window`` per worker), so memory does not grow with the input's size.
"""

from __future__ import annotations

import gc
import multiprocessing
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Protocol, Sequence

from crosscheck.heap import frozen_heap
from crosscheck.models import ArticleRecord, CleanDocument, DuplicateRecord, PublicationDate, SourceDocument
from crosscheck.pubdate import DateContext
from crosscheck.settings import DEFAULT, Settings


@dataclass
class ArticleJob:
    """One article ready for the per-article stages: read, cleaned, and dated by metadata
    or dateline when it has them (``first``: pubdate's steps 1-2, date or None, and notes)."""

    source: SourceDocument
    clean: CleanDocument
    first: tuple[PublicationDate | None, list[str]]
    duplicate: DuplicateRecord | None = None


@dataclass
class JobFailure:
    """An article the per-article stages could not finish, with the reason."""

    path: str
    reason: str


Outcome = ArticleRecord | JobFailure
RecordBuilder = Callable[..., ArticleRecord]  # (job, analysis, extractor, dating)


class AnalyseTask:
    """Steps 3-6 for a batch of jobs: spaCy over the batch (``nlp.pipe``), then per article
    the inferred publication date (against ``dating``, the corpus's dates), time
    expressions, events and claims (``build``: ``core.build_record``).

    Picklable without its model, so it can be sent to worker processes and Ray actors;
    ``setup`` loads the model where the task runs (once).
    """

    def __init__(self, settings: Settings = DEFAULT, extractor=None, build: RecordBuilder | None = None,
                 analyzer=None, dating: DateContext | None = None) -> None:
        self.settings, self.extractor, self.build, self.analyzer = settings, extractor, build, analyzer
        self.dating = dating

    def setup(self) -> None:
        if self.analyzer is None:
            from crosscheck.nlp import Analyzer

            self.analyzer = Analyzer(self.settings)
        if self.extractor is None:
            from crosscheck.events import RuleEventExtractor

            self.extractor = RuleEventExtractor()
        if self.build is None:
            from crosscheck.core import build_record

            self.build = build_record
        if self.dating is None:  # no corpus dates: step 3 works from the text alone
            import datetime as dt

            self.dating = DateContext((), dt.date.today())

    def __getstate__(self) -> dict:
        return {**self.__dict__, "analyzer": None}  # each process loads its own model

    def __call__(self, jobs: Sequence[ArticleJob]) -> list[Outcome]:
        self.setup()
        analyses = self.analyzer.analyze([j.clean for j in jobs])
        out: list[Outcome] = []
        for job, analysis in zip(jobs, analyses):
            try:
                out.append(self.build(job, analysis, self.extractor, self.dating))
            except Exception as exc:  # keep going; this article is reported, the others stored
                out.append(JobFailure(job.source.path, f"could not analyse: {type(exc).__name__}: {exc}"))
        return out


class Executor(Protocol):
    """Maps a task over batches and yields each batch's results, in input order."""

    def map(self, task: AnalyseTask, batches: Iterable[list[ArticleJob]]) -> Iterator[list[Outcome]]: ...


class SerialExecutor:
    """Everything in this process (``--workers 1``): no start-up cost, no pickling."""

    def map(self, task: AnalyseTask, batches: Iterable[list[ArticleJob]]) -> Iterator[list[Outcome]]:
        task.setup()
        with frozen_heap():
            for batch in batches:
                yield task(batch)


# The task of this worker process, set once by the pool's initializer. Holds the loaded
# model between batches; it never changes what a batch gives.
_WORKER_TASK: AnalyseTask | None = None


def _init_worker(task: AnalyseTask) -> None:
    global _WORKER_TASK
    task.setup()
    _WORKER_TASK = task
    gc.freeze()  # the model lives as long as the worker: see crosscheck.heap


def _run_batch(batch: list[ArticleJob]) -> list[Outcome]:
    assert _WORKER_TASK is not None, "worker used before its initializer ran"
    return _WORKER_TASK(batch)


class ProcessExecutor:
    """A pool of ``workers`` processes (spawned: nothing inherited from the parent's
    threads or database connections), each loading the model once."""

    def __init__(self, workers: int, window: int = 2) -> None:
        self.workers, self.window = max(1, workers), max(1, window)

    def map(self, task: AnalyseTask, batches: Iterable[list[ArticleJob]]) -> Iterator[list[Outcome]]:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(self.workers, mp_context=context, initializer=_init_worker,
                                 initargs=(task,)) as pool:
            pending: deque[Future] = deque()
            for batch in batches:
                pending.append(pool.submit(_run_batch, batch))
                if len(pending) >= self.workers * self.window:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()


def executor_for(settings: Settings) -> Executor:
    """The executor a run's settings ask for: ``engine`` and ``workers``."""
    if settings.engine == "ray":
        from crosscheck.ray_engine import RayExecutor

        return RayExecutor(settings.engine_address, settings.workers)
    if settings.workers > 1:
        return ProcessExecutor(settings.workers)
    return SerialExecutor()


def linker_for(settings: Settings):
    """The linker a run's settings ask for: Ray's (``ray_engine.RayLinker``), or None for
    the storyline's default (``link.GreedyLinker`` in this process)."""
    if settings.engine == "ray":
        from crosscheck.ray_engine import RayLinker

        return RayLinker(settings)
    return None


def batched(items: Iterable, size: int) -> Iterator[list]:
    """Consecutive lists of ``size`` items (the last may be shorter)."""
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
