"""Ingest jobs: uploads processed in the background, with progress to poll.

Why one worker thread: every job writes to the store and links into the one storyline,
so jobs run one after another in submission order (no two increments race on the same
events), while the server keeps answering reads. The spaCy pipeline is loaded once, on
the first job, and reused. A job runs exactly the pipeline's per-article stages
(``core.store_documents``) and then links the new articles incrementally
(``incremental.link_new_articles``); see that module for what is recomputed. A build
job (``POST /api/v1/build``) rebuilds the whole storyline, as ``crosscheck build`` does:
from scratch. With ``verify_after_upload`` (the web app's default) an upload that adds
articles also compares their claims across sources, incrementally
(``verify_increment``), in the same job. Where that cannot be done (a store built before
comparison keys were kept, sentence-embedding similarity, a failure of the increment) the
upload queues a full build behind it instead: one build for a burst of uploads, since a build that has not started
yet already covers every upload before it; until it ends the new articles are shown as
unverified. An upload whose stated dates re-date stored articles (``core._redate``)
queues a full build too: the stored storyline holds those articles' old events.
"""

from __future__ import annotations

import tempfile
import threading
import time
import uuid
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

from crosscheck.core import Stored, rebuild, signed_store, store_documents
from crosscheck.incremental import REDATED, IncrementResult, link_new_articles
from crosscheck.ingest import ingest
from crosscheck.settings import Settings
from crosscheck.store import Store
from crosscheck.web.uploads import Upload, relabel_path, settle_ids, stage
from crosscheck.web.verification import unverified_articles

KEEP_JOBS = 200  # finished jobs remembered for polling; older ones are forgotten


@dataclass
class Job:
    id: str
    status: str = "queued"  # queued, running, done, failed
    stage: str = "queued"  # queued, read, clean, analyse, link, build, done
    done: int = 0
    total: int = 0
    message: str = ""
    created: float = field(default_factory=time.time)
    finished: float | None = None
    articles: list[str] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    result: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["poll"] = f"/api/v1/jobs/{self.id}"
        return out


class IngestService:
    """Queue of ingest jobs against one store (see the module docstring)."""

    def __init__(self, store: Store, settings: Settings, analyzer_factory: Callable | None = None, *,
                 verify_after_upload: bool = False) -> None:
        self.store, self.settings = store, settings
        self.verify_after_upload = verify_after_upload
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="crosscheck-ingest")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.RLock()
        self._waiting_build: Job | None = None  # the latest build job queued
        self._last_queued: Job | None = None
        self._analyzer = None
        self._analyzer_factory = analyzer_factory

    def submit(self, uploads: list[Upload]) -> Job:
        return self._queue(lambda job: self._run(job, uploads))

    def submit_build(self) -> Job:
        """A full build of the stored storyline, queued behind the uploads before it:
        what compares the uploaded articles' claims across sources (see
        ``web.verification.unverified_articles``). A build that is the last job queued and
        has not started is that build: nothing it would miss can run before it."""
        with self._lock:
            waiting = self._waiting_build
            if waiting is None or waiting is not self._last_queued or waiting.status != "queued":
                self._waiting_build = self._queue(self._build)
            return self._waiting_build

    def _queue(self, work: Callable[[Job], None]) -> Job:
        job = Job(uuid.uuid4().hex)
        with self._lock:  # submitted under the lock: the last job queued is the last to run
            self._jobs[job.id] = job
            self._last_queued = job
            while len(self._jobs) > KEEP_JOBS:
                self._jobs.popitem(last=False)
            self._executor.submit(self._guarded, job, work)
        return job

    def verify_unverified(self) -> Job | None:
        """A build queued when the store has articles no stored verification includes
        (``web.verification.unverified_articles``: the server stopped between an upload's
        linking and its verification, or uploads were taken without verifying), with
        ``verify_after_upload``; None when there is nothing to verify."""
        if not self.verify_after_upload:
            return None
        with self.store.engine.connect() as conn:
            waiting = unverified_articles(self.store, conn)
        return self.submit_build() if waiting else None

    def pending_build(self) -> dict | None:
        """The latest build job while it is queued or running (id, status, where to poll):
        what the notices about unverified articles point to."""
        with self._lock:
            job = self._waiting_build
        if job is None or job.status not in ("queued", "running"):
            return None
        return {"id": job.id, "status": job.status, "poll": f"/api/v1/jobs/{job.id}"}

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def recent(self, n: int = 20) -> list[Job]:
        with self._lock:
            return list(reversed(self._jobs.values()))[:n]

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    # -- the worker ------------------------------------------------------------
    def _analyzer_once(self):
        if self._analyzer is None:
            from crosscheck.nlp import Analyzer

            self._analyzer = (self._analyzer_factory or Analyzer)(self.settings)
        return self._analyzer

    def _progress(self, job: Job) -> Callable[[str, int, int], None]:
        def report(stage_name: str, done: int, total: int) -> None:
            job.stage, job.done, job.total = stage_name, done, total
        return report

    @staticmethod
    def _guarded(job: Job, work: Callable[[Job], None]) -> None:
        try:
            work(job)
            job.status, job.stage, job.done = "done", "done", 1
        except Exception as exc:  # the job fails with the reason; the server goes on
            job.status, job.message = "failed", f"{type(exc).__name__}: {exc}"
        finally:
            job.finished = time.time()

    def _run(self, job: Job, uploads: list[Upload]) -> None:
        job.status, job.stage = "running", "read"
        saved = self._store_uploads(job, uploads)
        added = saved.added
        job.stage, job.done, job.total = "link", 0, 1
        if added or saved.redated:
            # Stored articles re-dated by the uploads: their stored events and claims are stale.
            result = IncrementResult.needs_build(added, saved.redated, REDATED) \
                if saved.redated else link_new_articles(self.store, added, self.settings, verify=self.verify_after_upload)
            job.result = {**asdict(result), "redated": saved.redated, "summary": result.summary()}
            if result.mode == "rebuilt" or (self.verify_after_upload and not result.verified):  # not compared
                build = self.submit_build()
                job.result["verify_job"] = build.id
                job.result["summary"] += f"; that build is queued behind this upload (job {build.id})"
        job.articles = added
        job.message = job.result["summary"] if job.result else "nothing new to add"

    def _build(self, job: Job) -> None:
        job.status, job.stage, job.total = "running", "build", 1
        if not self.store.counts("articles")["articles"]:
            raise ValueError("the store holds no articles yet: upload some first")
        storyline = rebuild(self.store, self.settings, read_back=False)  # built in parts: never held whole
        if storyline is None:
            job.articles = self.store.build_order()
            n = self.store.counts("events", "storyline_claims")
            events, claims = n["events"], n["storyline_claims"]
        else:
            job.articles = [a.id for a in storyline.articles]
            events, claims = len(storyline.events), len(storyline.claims)
        job.message = (f"rebuilt the storyline over {len(job.articles)} articles: {events} "
                       f"events, {claims} claims compared across sources")
        job.result = {"mode": "full", "events": events, "claims": claims, "summary": job.message}

    def _store_uploads(self, job: Job, uploads: list[Upload]) -> Stored:
        """Stage, read and store the uploads (pipeline steps 1-7): the new ids, and those of
        stored articles the uploads re-dated."""
        with tempfile.TemporaryDirectory(prefix="crosscheck-upload-") as tmp:
            folder = Path(tmp)
            names, refused = stage(uploads, folder)
            known = self.store.hashes()
            result = ingest([folder], self.settings, known, signed_store(self.store, self.settings)) if names else None
            errors = list(refused)
            if result is None:
                job.errors = [{"input": e.path, "reason": e.reason} for e in errors]
                return Stored([])
            for doc in result.documents:
                doc.path = relabel_path(doc.path, folder, names)
            renamed = settle_ids(result.documents, self.store.ids())
            result.duplicates = [replace(d, article=renamed.get(d.article, d.article),
                                         same_as=renamed.get(d.same_as, d.same_as)) for d in result.duplicates]
            job.skipped = [{"input": d.article, "same_as": d.same_as} for d in result.duplicates if d.kind == "exact"]
            errors += result.errors
            saved = store_documents(result.documents, self.store, self.settings, self._progress(job), None,
                                    result.duplicates, errors, self._analyzer_once())
        job.errors = [{"input": relabel_path(e.path, folder, names), "reason": e.reason} for e in errors]
        return saved
