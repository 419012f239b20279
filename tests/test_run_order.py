"""A build does not depend on how its corpus was split into runs.

A newsroom feeds crosscheck a few articles per poll; a researcher reads an archive at
once. The storyline must be the same either way (dates inferred against the other
articles, re-posts recorded against stored articles, everything corpus-level rebuilt
from the stored records). Articles arrive in their order here (a feed's order: what is
read later is not older), and the input paths are left out of the comparison.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import SAMPLE_CORPUS, needs
from crosscheck.core import process
from crosscheck.export import storyline_to_dict
from crosscheck.store import Store

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "harbor-accord"


def _story(result) -> dict:
    data = json.loads(json.dumps(storyline_to_dict(result.storyline), default=str))
    for a in data["articles"]:
        a.pop("path", None)
    return data


def _in_runs(tmp_path: Path, runs: list[list[Path]]) -> dict:
    """The storyline after reading ``runs`` one after another into one store."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        for i, files in enumerate(runs):
            folder = tmp_path / f"run{i}"
            folder.mkdir()
            for f in files:
                shutil.copy(f, folder / f.name)
            result = process([folder], store)
    return _story(result)


@pytest.fixture(scope="module")
def examples_at_once(tmp_path_factory) -> dict:
    return _in_runs(tmp_path_factory.mktemp("once"), [sorted(EXAMPLES.iterdir())])


@pytest.mark.parametrize("cuts", [(1,), (4,), (9,), (2, 5, 8)])
def test_the_example_corpus_read_in_runs_gives_the_storyline_read_at_once(tmp_path, examples_at_once, cuts):
    files = sorted(EXAMPLES.iterdir())
    bounds = [0, *cuts, len(files)]
    runs = [files[a:b] for a, b in zip(bounds, bounds[1:])]
    assert _in_runs(tmp_path, runs) == examples_at_once


def test_the_sample_corpus_read_one_report_per_run_gives_the_storyline_read_at_once(tmp_path):
    files = sorted(needs(SAMPLE_CORPUS).iterdir())
    once = _in_runs(tmp_path / "once", [files])
    assert _in_runs(tmp_path / "runs", [[f] for f in files]) == once


@pytest.mark.parametrize("incremental", [False, True])
def test_an_updated_article_read_again_gives_the_storyline_of_the_updated_corpus(tmp_path, incremental):
    """A page that changed since it was read keeps its id and replaces the stored version
    (a feed's updated story); the stored storyline holds the old version's events and
    claims, so an incremental update rebuilds, saying why (it used to fail its
    verification on the old claims' ids and fall back with a traceback in the log)."""
    from dataclasses import replace

    from crosscheck.settings import DEFAULT

    corpus = tmp_path / "corpus"
    shutil.copytree(EXAMPLES, corpus)
    settings = replace(DEFAULT, incremental=incremental)
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        process([corpus], store, settings)
        page = corpus / "08-northsea-dispatch-crew-freed.txt"
        page.write_text(page.read_text(encoding="utf-8") + "\nThe ministers of Aldermere and Vrana will meet again in "
                        "Port Vell on Friday, officials said.\n", encoding="utf-8")
        again = process([corpus], store, settings)
    assert again.added == ["08-northsea-dispatch-crew-freed"]
    if incremental:
        assert again.increment.mode == "rebuilt" and "replaced by new versions" in again.increment.verification["reason"]
    assert _story(again) == _in_runs(tmp_path / "once", [sorted(corpus.iterdir())])
