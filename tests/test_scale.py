"""Scaling out changes nothing: ``--workers 2`` and ``--engine ray`` give the same
storyline.json as the default local run, on the example corpus (examples/harbor-accord).

The Ray test starts a local Ray cluster with 2 CPUs. It is skipped (with the reason)
only where Ray is not installed and this is not CI; in CI (.ci/run installs the
``ray`` extra) it must run.
"""

from __future__ import annotations

import importlib.util
import os

import pytest

from conftest import ROOT

CORPUS = ROOT / "examples" / "harbor-accord"


def _run_cli(tmp_path, name: str, *extra: str) -> bytes:
    from crosscheck.cli import main

    out = tmp_path / name
    code = main(["run", str(CORPUS), "--db", str(tmp_path / f"{name}.db"), "--out", str(out), "--quiet", *extra])
    assert code == 0
    return (out / "storyline.json").read_bytes()


@pytest.fixture(scope="module")
def local_storyline(tmp_path_factory) -> bytes:
    return _run_cli(tmp_path_factory.mktemp("local"), "local")


def test_two_workers_give_the_same_storyline(local_storyline, tmp_path):
    assert _run_cli(tmp_path, "workers2", "--workers", "2") == local_storyline


def test_small_spacy_batches_give_the_same_storyline(local_storyline, tmp_path, monkeypatch):
    import crosscheck.core

    seen = []
    real = crosscheck.core.process
    monkeypatch.setattr(crosscheck.core, "process", lambda *a, **k: seen.append(a[2].batch_size) or real(*a, **k))
    assert _run_cli(tmp_path, "b4", "--batch-size", "4") == local_storyline
    assert seen == [4]  # the option reached the run's settings


def test_batches_of_one_article_give_the_same_storyline(local_storyline, tmp_path):
    """One article per nlp.pipe call and per transaction instead of all ten in one."""
    from crosscheck.core import run
    from crosscheck.settings import Settings

    run([CORPUS], settings=Settings(articles_per_batch=1, quiet=True), db_url=f"sqlite:///{tmp_path}/one.db",
        out=tmp_path / "one")
    assert (tmp_path / "one" / "storyline.json").read_bytes() == local_storyline


def test_every_worker_gets_batches_and_one_process_takes_full_ones():
    from crosscheck.core import articles_per_batch
    from crosscheck.settings import Settings

    assert articles_per_batch(10, Settings()) == 32
    assert articles_per_batch(10, Settings(workers=2)) == 3  # 4 batches for 2 workers, not 1
    assert articles_per_batch(10_000, Settings(workers=8)) == 32
    assert articles_per_batch(1, Settings(workers=8)) == 1
    assert articles_per_batch(10, Settings(articles_per_batch=0)) == 1


def test_workers_must_be_positive(capsys):
    from crosscheck.cli import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", str(CORPUS), "--workers", "0"])
    assert "must be 1 or more" in capsys.readouterr().err


def test_component_keys_split_only_what_can_never_link():
    from crosscheck.models import EventMention, PartialDate
    from crosscheck.ray_engine import component_keys

    def m(i, actors, date=None):
        return EventMention(id=f"m{i}", article="a", start=0, end=1, text="x", body_start=0, body_end=1,
                            trigger="meet", kind="meeting", title="t", actors=actors, places=[], date=date,
                            date_text=None, attributed_to="outlet", attribution_kind="outlet")

    day = PartialDate(2024, 3, 14)
    keys = component_keys([m(0, ["e1"]), m(1, ["e2"]), m(2, ["e1", "e3"]), m(3, [], day), m(4, ["e4"], day)])
    assert keys[0] == keys[2] and keys[3] == keys[4]
    assert len({keys[0], keys[1], keys[3]}) == 3


@pytest.fixture
def ray_cluster():
    if importlib.util.find_spec("ray") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("ray is not installed but CI is set: .ci/run must install the 'ray' extra")
        pytest.skip("ray is not installed (pip install -e '.[ray]')")
    import ray

    os.environ.setdefault("RAY_AUTH_MODE", "disabled")  # a private local test cluster
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def test_ray_engine_gives_the_same_storyline(local_storyline, tmp_path, ray_cluster):
    assert _run_cli(tmp_path, "ray", "--engine", "ray", "--workers", "2") == local_storyline


def test_a_streamed_store_builds_the_same_storyline_as_loaded_records(tmp_path, monkeypatch):
    """The run builds the storyline from ``Store.stream_records`` (read twice, chunk by
    chunk, never held whole): same storyline as from the records loaded in a list, with
    chunks that split the corpus, and in article-id order."""
    import json

    import crosscheck.store as store_mod
    from crosscheck.export import storyline_to_dict
    from crosscheck.store import Store
    from crosscheck.storyline import build_storyline

    written = json.loads(_run_cli(tmp_path, "run"))
    monkeypatch.setattr(store_mod, "LOAD_CHUNK", 3)  # 10 articles: chunks of 3, 3, 3, 1
    with Store(f"sqlite:///{tmp_path / 'run.db'}") as store:
        streamed = store.stream_records(times=False)
        ids = [r.id for r in streamed]
        assert ids == sorted(ids) and len(ids) == 10 and [r.id for r in streamed] == ids  # re-iterable
        from_stream = storyline_to_dict(build_storyline(streamed))
        from_list = storyline_to_dict(build_storyline(store.load_records(times=False)))
        with pytest.raises(TypeError, match="reads the records twice"):
            build_storyline(iter(store.load_records(times=False)))
    assert from_stream == from_list
    assert [e["id"] for e in from_stream["events"]] == [e["id"] for e in written["events"]]
    assert len(from_stream["claims"]) == len(written["claims"]) > 0
