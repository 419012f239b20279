"""Orchestration: the pipeline from files to a stored, rendered storyline.

Why here and nowhere else: stages never call each other; this module passes each
stage's typed output to the next. The run, in order:

1. ingest: read files/folders, skip content already in the store, note re-posts (of
   stored articles too: ``neardup``, by the signatures step 7 keeps).
2. clean: strip boilerplate, keep the map back to original offsets (per article; a
   failure is recorded as an input error and the run goes on).
3. pubdate: publication dates for the new articles, with the store's stated dates as
   context; stored articles whose inferred date the new stated dates change are
   re-dated (and re-analysed when the date itself moves), so dates never depend on
   the order articles were read in.
4. nlp: spaCy sentences, tokens and entity mentions, batched across articles.
5. timex: time expressions normalised against each article's publication date.
6. events: event mentions per sentence.
7. store: each article saved atomically with everything derived from it; then its
   near-duplicate signature (and those of articles stored before signatures were kept).
8. storyline: entities resolved, events linked across ALL stored articles.
9. outputs: storyline saved to the store; storyline.json and report.html written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from crosscheck.claims import RuleClaimExtractor
from crosscheck.clean import clean
from crosscheck.events import EventExtractor, RuleEventExtractor
from crosscheck.heap import frozen_heap, release
from crosscheck.ingest import ingest, ingest_documents
from crosscheck.models import (
    AnalyzedDocument, ArticleRecord, CleanDocument, DuplicateRecord, IngestResult, InputError, PartialDate, PublicationDate, SourceDocument, Storyline,
)
from crosscheck.neardup import settings_scheme, signature
from crosscheck.nlp import Analyzer
from crosscheck.parallel import AnalyseTask, ArticleJob, JobFailure, batched, executor_for, linker_for
from crosscheck.pubdate import (
    STATED_METHODS, DateContext, date_context, finish_date, first_pass, reason_only,
)
from crosscheck.settings import DEFAULT, Settings
from crosscheck.store import LOAD_CHUNK, Store
from crosscheck.storyline import build_storyline
from crosscheck.timex import scan, tag

if TYPE_CHECKING:  # incremental builds on this module (rebuild)
    from crosscheck.incremental import IncrementResult

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class RunResult:
    storyline: Storyline | None  # None: an increment or a build in parts not read back (``process(read_back=False)``)
    added: list[str] = field(default_factory=list)  # article ids stored by this run
    errors: list[InputError] = field(default_factory=list)
    skipped: int = 0  # inputs already in the store (same content)
    increment: IncrementResult | None = None  # of an incremental update (``settings.incremental``); None: rebuilt
    redated: list[str] = field(default_factory=list)  # stored articles re-analysed with a new date (step 3)


@dataclass
class Stored:
    """What ``store_documents`` saved: the new articles, and the stored articles it
    re-analysed because the new articles' stated dates moved their inferred dates."""

    added: list[str]
    redated: list[str] = field(default_factory=list)


def _noop(stage: str, done: int, total: int) -> None:
    return None


def process(
    paths: Sequence[str | Path],
    store: Store,
    settings: Settings = DEFAULT,
    progress: Progress = _noop,
    extractor: EventExtractor | None = None,
    *,
    read_back: bool = True,
) -> RunResult:
    """Steps 1-8 of the module docstring against an open store. ``read_back=False``: an
    incremental update (``settings.incremental``) does not read the whole storyline back
    for the result (``crosscheck ingest``: it writes no outputs)."""
    result = ingest(paths, settings, store.hashes(), signed_store(store, settings))
    return _process_ingested(result, store, settings, progress, extractor, read_back=read_back)


def process_documents(
    documents: Sequence[SourceDocument],
    store: Store,
    settings: Settings = DEFAULT,
    progress: Progress = _noop,
    extractor: EventExtractor | None = None,
    errors: Sequence[InputError] = (),
    analyzer: Analyzer | None = None,
    *,
    read_back: bool = True,
) -> RunResult:
    """Steps 1-8 for documents read elsewhere (fetched pages: ``crosscheck.collect``).

    The caller sets ids; the same exact/near duplicate checks as for files apply, and
    ``errors`` (e.g. pages that could not be fetched) lead the run's errors. A caller
    that runs again and again (``watch``) passes its ``analyzer`` (spaCy loaded once).
    """
    result = ingest_documents(documents, settings, store.hashes(), signed_store(store, settings))
    result.errors[:0] = list(errors)
    return _process_ingested(result, store, settings, progress, extractor, analyzer, read_back=read_back)


def _process_ingested(result: IngestResult, store: Store, settings: Settings, progress: Progress,
                      extractor: EventExtractor | None, analyzer: Analyzer | None = None, *,
                      read_back: bool = True) -> RunResult:
    """Steps 2-8 once the inputs are read (shared by files and fetched documents)."""
    stored = [d for d in result.duplicates if d.kind == "exact" and d.article == d.same_as]
    result.duplicates = [d for d in result.duplicates if d not in stored]  # re-runs are not re-posts
    errors = list(result.errors)
    documents, result.documents = result.documents, []  # the read corpus is not kept past step 7
    saved = store_documents(documents, store, settings, progress, extractor, result.duplicates, errors, analyzer)
    del documents
    release()  # the model (unless the caller keeps it) and the per-article batches: see crosscheck.heap
    progress("storyline", 0, 1)
    storyline, increment = _updated(store, settings, saved, errors, result.duplicates, read_back)
    skipped = len(stored) + sum(1 for d in result.duplicates if d.kind == "exact")
    return RunResult(storyline, saved.added, errors, skipped, increment, saved.redated)


def _updated(store: Store, settings: Settings, saved: Stored, errors: Sequence[InputError],
             duplicates: Sequence[DuplicateRecord], read_back: bool = True
             ) -> tuple[Storyline | None, IncrementResult | None]:
    """The storyline after new articles were stored: rebuilt, or with ``settings.incremental``
    the new articles linked and verified into the stored one (``incremental``: reads what
    they touch instead of everything; the storyline is then read back for the caller's
    outputs); rebuilt all the same where there is none to extend or the increment cannot
    verify (a store saved before comparison keys were kept) or stored articles were
    re-dated (their old events and claims are in the stored storyline). Returns the
    storyline (None: updated, not read back) and the increment's result (None: no
    increment was tried; one that is not ``verified``: the storyline was rebuilt after it)."""
    increment, added = None, saved.added
    if settings.incremental and saved.redated:
        from crosscheck.incremental import REDATED, IncrementResult

        increment = IncrementResult.needs_build(added, saved.redated, REDATED)
    elif settings.incremental:
        from crosscheck.incremental import IncrementResult, link_new_articles  # they build on this module

        increment = link_new_articles(store, added, settings, verify=True) if added else None
        if increment.verified if increment else store.has_storyline():
            increment = increment or IncrementResult("incremental", [])
            if read_back or (increment.mode == "full" and not _parts_plan(store, settings).size):  # all of it new
                return replace(store.load_storyline(), errors=[*errors]), increment
            return None, increment
    return rebuild(store, settings, errors=errors, duplicates=duplicates, read_back=read_back), increment


def rebuild(store: Store, settings: Settings = DEFAULT, *, errors: Sequence[InputError] = (),
            duplicates: Sequence[DuplicateRecord] = (), read_back: bool = True) -> Storyline | None:
    """The storyline of everything stored, built and saved: the end of ``run``, ``crosscheck
    build``, the web app's build job and its first upload. The records are read from the
    store chunk by chunk (``Store.stream_records``; the storyline never reads time
    expressions), and each phase's long-lived result is kept out of the garbage
    collector's full passes (see crosscheck.heap).

    With ``settings.build_parts`` and more articles stored than that, or a store whose build
    at once is estimated above ``settings.build_memory_mb``, the build runs in parts
    (``build_parts``: never more than a part's articles read at a time); its storyline is
    then read back from the store, or not at all with ``read_back=False`` (None)."""
    plan = _parts_plan(store, settings)
    if plan.size:
        from crosscheck.build_parts import build_in_parts  # it builds on this module

        build_in_parts(store, settings.with_(build_parts=plan.size), errors=errors, duplicates=duplicates,
                       why=plan.why)
        return store.load_storyline() if read_back else None
    storyline = build_and_save(store, settings, errors=errors, duplicates=duplicates)
    return replace(storyline, claim_keys=[])  # kept in the store from here on: not held through the outputs


def _parts_plan(store: Store, settings: Settings):
    """How a build of this store runs (``build_parts.planned``: at once, or in parts)."""
    from crosscheck.build_parts import planned  # it builds on this module

    return planned(store.counts("articles")["articles"], settings)


def build_and_save(store: Store, settings: Settings, *, errors: Sequence[InputError] = (),
                   duplicates: Sequence[DuplicateRecord] = (), ids: Sequence[str] | None = None) -> Storyline:
    """The storyline of the stored articles (``ids``: of these only, the first part of a
    build in parts) built at once and saved, replacing the stored one (see ``rebuild``)."""
    with frozen_heap() as keep:
        storyline = build_storyline(store.stream_records(times=False, ids=ids), settings=settings, errors=errors,
                                    duplicates=duplicates, linker=linker_for(settings), checkpoint=keep)
        keep()
        store.save_storyline(storyline)
    return storyline


def store_documents(
    documents: Sequence[SourceDocument],
    store: Store,
    settings: Settings = DEFAULT,
    progress: Progress = _noop,
    extractor: EventExtractor | None = None,
    duplicates: Sequence[DuplicateRecord] = (),
    errors: list[InputError] | None = None,
    analyzer: Analyzer | None = None,
) -> Stored:
    """Steps 2-7 for documents already read: clean, date, analyse and save each article.

    Returns the ids saved (and of stored articles re-dated by them, ``_redate``);
    per-article failures are appended to ``errors``. Split out of
    ``process`` so that the web app's incremental ingest runs exactly these stages and
    then links only the new articles (``crosscheck.incremental``). A long-lived caller
    passes its ``analyzer`` so the spaCy pipeline is loaded once.
    """
    errors = [] if errors is None else errors
    near = {d.article: d for d in duplicates if d.kind == "near"}
    cleaned: list[tuple[SourceDocument, CleanDocument]] = []
    for i, doc in enumerate(documents):
        progress("clean", i, len(documents))
        try:
            cleaned.append((doc, clean(doc, settings)))
        except Exception as exc:  # a stage bug on one input must not end the run
            errors.append(InputError(doc.path, f"could not clean: {type(exc).__name__}: {exc}"))
    today = dt.date.today()
    first = [first_pass(s, c, today) for s, c in cleaned]  # step 3's cheap part; inference runs per article
    stated = store.published_dates(STATED_METHODS)
    dating = date_context(first, stated, today)
    run = (store, settings, progress, extractor or RuleEventExtractor())
    added = _analyse_and_store(cleaned, first, dating, *run, near, errors, analyzer)
    new = set(dating.dates) - set(stated)  # no stated date the store lacked: no stored date can move
    redated = _redate(dating, new, set(added), *run, errors, analyzer) if new else []
    signed_store(store, settings, [*added, *redated])
    return Stored(added, redated)


def signed_store(store: Store, settings: Settings, saved: Sequence[str] = ()) -> Store:
    """The store, once every stored article has its near-duplicate signature (``neardup``):
    the articles just ``saved`` (found by id), then any other (a store saved before
    signatures were kept, or a run that stopped before signing: found only when the kept
    counts say so, ``Store.unsigned``). What ingest looks re-posts up in
    (``neardup.StoredSignatures``)."""
    scheme = settings_scheme(settings)

    def sign(batch: list[tuple[str, str, bool]]) -> None:
        store.save_signatures(scheme, [(a, signature(text, is_html, settings)) for a, text, is_html in batch])

    for chunk in batched(sorted(saved), LOAD_CHUNK):
        if batch := store.unsigned(scheme, ids=chunk):
            sign(batch)
    while batch := store.unsigned(scheme):
        sign(batch)
    return store


def _redate(dating, new, skip, store, settings, progress, extractor, errors, analyzer) -> list[str]:
    """Step 3 again for the stored articles whose inferred date the ``new`` stated dates
    can change; returns the ids of those re-analysed.

    Why: an article is dated against the stated dates stored when it is read, so without
    this a corpus read in two batches dates differently from the same corpus read at once
    (an undated report read before any dated one stays undated). Only dates with a
    window holding a new date are checked (``PublicationDate.context_windows``: the days
    where a context date could change them; before, every date the context decided was,
    2 % of a store, 5 ms each, for every new day). One whose reason alone changes is
    rewritten in place; one whose value, bounds or evidence moves re-runs the article's
    per-article stages, since its time expressions, events and claims hang on it."""
    ids = [a for a in store.dated_within([d.first_day() for d in new]) if a not in skip]
    reasons, again = [], []
    for rec in filter(None, map(store.load_record, ids)):
        first = first_pass(rec.source, rec.clean, dating.today)
        pub = finish_date(rec.source, rec.clean, first, dating)
        if pub != rec.published:
            (reasons if reason_only(pub, rec.published) else again).append((rec, first, pub))
    store.update_published_reasons([pub for _, _, pub in reasons])
    cleaned = [(rec.source, rec.clean) for rec, _, _ in again]
    near = {rec.id: rec.duplicate for rec, _, _ in again if rec.duplicate and rec.duplicate.kind == "near"}
    return _analyse_and_store(cleaned, [f for _, f, _ in again], dating, store, settings, progress, extractor,
                              near, errors, analyzer) if again else []


def _analyse_and_store(cleaned, first, dating, store, settings, progress, extractor, near, errors,
                       analyzer=None) -> list[str]:
    """Steps 3-7: the executor (``parallel.py``: this process, ``--workers`` processes or
    Ray) runs the per-article stages in batches; records are saved here, in input order,
    one transaction per batch."""
    task = AnalyseTask(settings, extractor, _record, analyzer, dating)
    jobs = (ArticleJob(s, c, f, near.get(s.id)) for (s, c), f in zip(cleaned, first))
    added: list[str] = []
    done = 0
    progress("analyse", 0, len(cleaned))
    for outcomes in executor_for(settings).map(task, batched(jobs, articles_per_batch(len(cleaned), settings))):
        saved = iter(store.save_articles([o for o in outcomes if not isinstance(o, JobFailure)]))
        for out in outcomes:
            if isinstance(out, JobFailure):
                errors.append(InputError(out.path, out.reason))
            elif (exc := next(saved)) is None:
                added.append(out.id)
            else:  # keep going; nothing of this article is half-stored
                errors.append(InputError(out.source.path, f"could not analyse: {type(exc).__name__}: {exc}"))
        done += len(outcomes)
        progress("analyse", done, len(cleaned))
    return added


def articles_per_batch(n: int, settings: Settings) -> int:
    """Articles per call of the per-article stages: ``settings.articles_per_batch`` (one
    ``nlp.pipe`` over their paragraphs and one transaction per call, so fewer, fuller calls
    cost less: 32 rather than 8 ran the whole pipeline 8 % faster on a 16-core machine and
    about 4 % on 2 cores, for some 40 MB more in flight), but small enough that every
    worker process gets two batches to run. Batching never changes what is stored."""
    if settings.workers <= 1:
        return max(1, settings.articles_per_batch)
    return max(1, min(settings.articles_per_batch, -(-n // (2 * settings.workers))))


def reference_date(pub: PublicationDate) -> PartialDate | None:
    """The date deictic expressions ("Tuesday", "yesterday") are anchored on.

    When only the month of publication is known but the text fixes the earliest day it
    can have been written (the latest event it tells), that day is the best anchor:
    news is written within days of what it reports.
    """
    value, earliest = pub.value, pub.earliest
    if value is not None and value.precision != "day" and earliest is not None and earliest.precision == "day":
        if value.first_day() <= earliest.first_day() <= value.last_day():
            return earliest
    return value


def _record(job: ArticleJob, analysis, extractor, dating: DateContext) -> ArticleRecord:
    """Steps 3 (inference), 5 and 6 for one analysed article. One scan of the body for
    time expressions serves both the publication date and the time stage."""
    source, cdoc = job.source, job.clean
    scanned = scan(cdoc.body)
    pub = finish_date(source, cdoc, job.first, dating, scanned)
    times = tag(cdoc.body, reference_date(pub), scanned=scanned)
    doc = AnalyzedDocument(cdoc, pub, analysis.sentences, analysis.tokens, analysis.mentions, times)
    events = extractor(doc, source.original)
    claims = RuleClaimExtractor()(doc, source.original, events)
    return ArticleRecord(source, cdoc, pub, analysis.sentences, analysis.mentions, times, events, job.duplicate,
                         claims)


build_record = _record  # public: parallel.AnalyseTask builds records with it in worker processes


def run(
    paths: Sequence[str | Path] | str | Path,
    settings: Settings | None = None,
    db_url: str | None = None,
    out: str | Path | None = None,
    progress: Progress = _noop,
) -> Storyline:
    """Python API: run the pipeline, store it, optionally write outputs; return the storyline."""
    settings = settings or DEFAULT
    if isinstance(paths, (str, Path)):
        paths = [paths]
    with Store(db_url or settings.db_url) as store:
        result = process(paths, store, settings, progress)
    if out is not None:
        write_outputs(result.storyline, out)
    return result.storyline


def write_stored_outputs(store: Store, out: str | Path, *, formats: Sequence[str] = ("json", "html"),
                         errors: Sequence[InputError] | None = None) -> Storyline | None:
    """Write the stored storyline's files into ``out`` (``formats``: "json" for
    storyline.json, "html" for report.html) without loading its claims and clusters:
    they are read from the store as the files are written (``Store.storyline_reader``),
    the same bytes as ``write_outputs`` of the whole storyline. ``errors``: the input
    errors to list instead of the stored ones (a run's own). Returns the storyline as
    loaded (without claims and clusters), or None when none is stored."""
    from crosscheck.export import storyline_to_dict, write_json
    from crosscheck.render import write_report

    with store.storyline_reader() as (storyline, source):
        if storyline is None:
            return None
        if errors is not None:
            storyline = replace(storyline, errors=list(errors))
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        data = storyline_to_dict(storyline, lazy=True, source=source)  # one view serves both files
        if "json" in formats:
            write_json(storyline, out / "storyline.json", data)
        if "html" in formats:
            write_report(storyline, out / "report.html", data=data)
    return storyline


def write_run_outputs(result: RunResult, store: Store, out: str | Path) -> None:
    """The files of a run: of its storyline, or, for an increment not read back
    (``process(read_back=False)``), from the store, listing the run's input errors."""
    if result.storyline is not None:
        write_outputs(result.storyline, out)
    else:
        write_stored_outputs(store, out, errors=result.errors)


def write_outputs(storyline: Storyline, out: str | Path) -> tuple[Path, Path]:
    """Write storyline.json and report.html into ``out`` (one dict view serves both)."""
    from crosscheck.export import storyline_to_dict, write_json
    from crosscheck.render import write_report

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    release()  # what the storyline was built from (records, views): every caller's outputs start low
    with frozen_heap() as keep:
        data = storyline_to_dict(storyline, lazy=True)  # claims and clusters made as written
        keep()
        write_json(storyline, out / "storyline.json", data)
        write_report(storyline, out / "report.html", data=data)
    return out / "storyline.json", out / "report.html"
