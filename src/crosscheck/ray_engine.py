"""The per-article stages and cross-document linking on a Ray cluster (``--engine ray``).

Why Ray Data: a corpus that one machine cannot get through in time is split into
batches that actors on many machines analyse, each actor holding the spaCy model
(``map_batches`` with an ``ActorPoolStrategy``); the driver reads the results back in
input order and writes them to the same store as the local engine (SQLite here,
PostgreSQL for a cluster whose nodes share it), so the storyline is the same.

Linking by blocking keys with a shuffle. Two event mentions can only be one event when
they share an actor/place entity or the same day (``link.pair_score`` vetoes the rest),
and the greedy linker only ever compares a mention with events found under its own
blocking keys. So the connected components of the graph "mentions sharing a blocking
key" (one union-find pass in the driver) can be linked independently: each mention gets
its component as key, ``groupby(key).map_groups`` shuffles the components to the
workers, and each is linked by the same ``GreedyLinker`` with the corpus-wide entity
weights and article contexts. The visiting order inside a component is the global one,
so the events are exactly the local engine's. A very common entity ("US") joins most of
a corpus into one component: the shuffle then balances little, but stays exact.

Needs the ``ray`` extra (``pip install 'crosscheck[ray]'``: ``ray[data]``).
"""

from __future__ import annotations

import gc
import logging
import os
import pickle
from typing import Iterable, Iterator, Sequence

from crosscheck.disjoint import DisjointSets
from crosscheck.link import GreedyLinker, article_context, entity_weights
from crosscheck.models import Event, EventMention
from crosscheck.parallel import AnalyseTask, ArticleJob, Outcome, batched
from crosscheck.settings import DEFAULT, Settings

WINDOW_BATCHES = 256  # article batches per Ray dataset: bounds what the driver holds at once


def connect(address: str | None, num_cpus: int | None = None):
    """Join the cluster at ``address`` ("auto", "ray://host:10001"), or start a local one
    with ``num_cpus`` CPUs; an already connected driver (a test, a notebook) is reused."""
    import ray
    import ray.data

    if not ray.is_initialized():
        if address is None:  # a private single-machine cluster, reachable only from here
            os.environ.setdefault("RAY_AUTH_MODE", "disabled")
        ray.init(address=address, num_cpus=num_cpus if address is None else None, include_dashboard=False,
                 log_to_driver=False, ignore_reinit_error=True, logging_level=logging.WARNING)
    logging.getLogger("ray.data").setLevel(logging.WARNING)  # crosscheck reports progress itself
    return ray


class _ArticleActor:
    """A Ray actor: the task (and its spaCy model) loaded once, then batch after batch."""

    def __init__(self, task_bytes: bytes) -> None:
        self.task: AnalyseTask = pickle.loads(task_bytes)
        self.task.setup()
        gc.freeze()  # the model lives as long as the actor: see crosscheck.heap

    def __call__(self, batch: dict) -> dict:
        import numpy as np

        outs = [pickle.dumps(self.task(pickle.loads(jobs))) for jobs in batch["jobs"]]
        return {"i": batch["i"], "out": np.array(outs, dtype=object)}


class RayExecutor:
    """``parallel.Executor`` on Ray Data: each row is one batch of articles."""

    def __init__(self, address: str | None = None, workers: int = 1) -> None:
        self.address, self.workers = address, max(1, workers)

    def map(self, task: AnalyseTask, batches: Iterable[list[ArticleJob]]) -> Iterator[list[Outcome]]:
        ray = connect(self.address, self.workers)
        import ray.data

        ray.data.DataContext.get_current().execution_options.preserve_order = True
        task_bytes = pickle.dumps(task)
        for window in batched(enumerate(batches), WINDOW_BATCHES):
            rows = [{"i": i, "jobs": pickle.dumps(jobs)} for i, jobs in window]
            ds = ray.data.from_items(rows).map_batches(
                _ArticleActor, fn_constructor_args=(task_bytes,), batch_size=1, batch_format="numpy",
                compute=ray.data.ActorPoolStrategy(size=_actors(ray, self.address, self.workers)), num_cpus=1)
            del rows
            for row in sorted(ds.take_all(), key=lambda r: r["i"]):
                yield pickle.loads(row["out"])



def _actors(ray, address: str | None, workers: int) -> int:
    """Actors to start: ``workers`` on a local cluster, every CPU of a joined one."""
    cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
    return max(1, min(workers if address is None else cpus, cpus))


def component_keys(mentions: Sequence[EventMention]) -> list[int]:
    """For each mention, the connected component of "shares a blocking key" it is in
    (entity, or day for day-precise dates): mentions in different components can never
    be one event. Union-find, near-linear."""
    sets = DisjointSets(len(mentions))
    first: dict[tuple, int] = {}
    for i, m in enumerate(mentions):
        keys = [("e", e) for e in set(m.actors) | set(m.places)]
        if m.date is not None and m.date.precision == "day":
            keys.append(("d", m.date.iso()))
        for key in keys:
            sets.union(i, first.setdefault(key, i))
    return [sets.find(i) for i in range(len(mentions))]


def _link_group(group: dict, settings: Settings, stats_bytes: bytes) -> dict:
    """``map_groups`` function: links one component with the corpus-wide statistics.
    A task, not an actor: on a small cluster, actors holding every CPU would leave none
    for the shuffle that feeds them."""
    import numpy as np

    weights, context = pickle.loads(stats_bytes)
    mentions = [pickle.loads(b) for b in group["m"]]
    events = GreedyLinker(settings)(mentions, weights=weights, context=context)
    return {"e": np.array([pickle.dumps(e) for e in events], dtype=object)}


class RayLinker:
    """``link.Linker`` on Ray: components shuffled to workers (module docstring)."""

    def __init__(self, settings: Settings = DEFAULT) -> None:
        self.settings = settings

    def __call__(self, mentions: Sequence[EventMention]) -> list[Event]:
        if not mentions:
            return []
        ray = connect(self.settings.engine_address, self.settings.workers)
        import ray.data

        stats = pickle.dumps((entity_weights(mentions), article_context(mentions)))
        rows = [{"key": k, "m": pickle.dumps(m)} for k, m in zip(component_keys(mentions), mentions)]
        grouped = ray.data.from_items(rows).groupby("key").map_groups(
            _link_group, fn_args=(self.settings, stats), batch_format="numpy")
        events = [pickle.loads(r["e"]) for r in grouped.take_all()]
        return sorted(events, key=lambda e: (e.date is None, str(e.date), e.id))
