"""Re-posts are found whichever run they arrive in (``neardup``, stored signatures).

Uses the example corpus (written for this project: 05 re-posts 03) and re-posts made here
by editing its articles' first and last lines.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from hypothesis import given, settings as hsettings, strategies as st
from sqlalchemy import delete, func, select

from crosscheck.core import process, signed_store
from crosscheck.export import storyline_to_dict
from crosscheck.ingest import ingest
from crosscheck.neardup import near_duplicates, settings_scheme, signature
from crosscheck.settings import DEFAULT
from crosscheck.store import Store

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "harbor-accord"
REPOST = "05-coastline-monitor-accord-repost"
ORIGIN = "03-meridian-review-accord-signed"


def _story(result) -> dict:
    data = json.loads(json.dumps(storyline_to_dict(result.storyline), default=str))
    for a in data["articles"]:
        a.pop("path", None)
    return data


def _split(tmp_path: Path, first: list[Path], second: list[Path]) -> tuple[Path, Path]:
    folders = (tmp_path / "first", tmp_path / "second")
    for folder, files in zip(folders, (first, second)):
        folder.mkdir()
        for f in files:
            shutil.copy(f, folder / f.name)
    return folders


def test_a_re_post_read_in_a_later_run_is_recorded_as_in_one_run(tmp_path):
    files = sorted(EXAMPLES.iterdir())
    with Store(f"sqlite:///{tmp_path / 'once.db'}") as store:
        once = process([EXAMPLES], store)
    first, second = _split(tmp_path, files[:4], files[4:])  # 03 in the first run, its re-post 05 in the second
    with Store(f"sqlite:///{tmp_path / 'two.db'}") as store:
        process([first], store)
        later = process([second], store)
        assert store.load_record(REPOST).duplicate.same_as == ORIGIN
    assert [(d.article, d.same_as) for d in once.storyline.duplicates] == [(REPOST, ORIGIN)]
    assert _story(later) == _story(once)  # same duplicates, origins and verdicts as read at once


def test_a_store_saved_before_signatures_is_signed_once_and_then_matched(tmp_path):
    files = sorted(EXAMPLES.iterdir())
    first, second = _split(tmp_path, files[:4], [f for f in files if f.stem == REPOST])
    with Store(f"sqlite:///{tmp_path / 's.db'}") as store:
        process([first], store)
        with store.engine.begin() as conn:  # as a store written before migration 7 holds them
            conn.execute(delete(store.table("signature_bands")))
            conn.execute(delete(store.table("article_signatures")))
            counts = store.table("row_counts")  # and migration 15 counts them: none
            conn.execute(delete(counts).where(counts.c.name.like("article_signatures:%")))
        assert ingest([second], DEFAULT, store.known_hashes(), store).duplicates == []  # not signed: not found
        found = ingest([second], DEFAULT, store.known_hashes(), signed_store(store, DEFAULT)).duplicates
        with store.engine.connect() as conn:
            signed = conn.execute(select(func.count()).select_from(store.table("article_signatures"))).scalar()
    assert [(d.article, d.same_as, d.kind) for d in found] == [(REPOST, ORIGIN, "near")]
    assert signed == 4


def test_a_re_saved_article_drops_its_old_signature(tmp_path):
    docs = ingest([EXAMPLES], DEFAULT, {}).documents
    scheme = settings_scheme(DEFAULT)
    with Store(f"sqlite:///{tmp_path / 's.db'}") as store:
        process([EXAMPLES], store)
        origin = next(d for d in docs if d.id == ORIGIN)
        assert ORIGIN in store.similar(scheme, _keys(origin))
        record = store.load_record(ORIGIN)
        record.source.original = "Something else entirely, about another harbor and another year of talks."
        record.source.content_hash = "changed"
        store.save_article(record)  # the same id with another text
        assert ORIGIN not in store.similar(scheme, _keys(origin))
        assert [a for a, _, _ in store.unsigned(scheme)] == [ORIGIN]  # signed again by the next ingest


def _keys(doc):
    from crosscheck.neardup import band_keys

    return band_keys(signature(doc.original, doc.is_html, DEFAULT), settings_scheme(DEFAULT))


# --------------------------------------------------------------------------- any split
def _corpus(tmp: Path) -> list:
    """The example articles and a re-post of each text one made here (new first and last lines)."""
    for f in sorted(EXAMPLES.glob("*.txt")):
        lines = f.read_text(encoding="utf-8").splitlines()
        (tmp / f"{f.stem}-wire.txt").write_text(
            "\n".join(["Syndicated copy", *lines[1:-1], "Distributed by the Harbor Wire service."]), encoding="utf-8")
    return ingest([EXAMPLES, tmp], DEFAULT, {}).documents


@hsettings(max_examples=12, deadline=None)
@given(cut=st.floats(0, 1))
def test_near_duplicates_do_not_depend_on_where_the_corpus_is_split(tmp_path_factory, cut):
    tmp = tmp_path_factory.mktemp("split")
    docs = _corpus(tmp)
    whole = near_duplicates(docs, DEFAULT)
    assert len(whole) >= 6  # the re-posts made here, and 05
    k = round(cut * len(docs))
    scheme = settings_scheme(DEFAULT)
    with Store(f"sqlite:///{tmp / 's.db'}") as store:
        store.save_signatures(scheme, [(d.id, signature(d.original, d.is_html, DEFAULT)) for d in docs[:k]])
        parts = near_duplicates(docs[:k], DEFAULT) + near_duplicates(docs[k:], DEFAULT, store)
    assert parts == whole


def test_an_increment_records_the_re_post_in_the_stored_storyline(tmp_path):
    from dataclasses import replace

    files = sorted(EXAMPLES.iterdir())
    first, second = _split(tmp_path, files[:4], files[4:])
    inc = replace(DEFAULT, incremental=True)
    with Store(f"sqlite:///{tmp_path / 's.db'}") as store:
        process([first], store, inc)
        later = process([second], store, inc)
    assert later.increment.verified and later.increment.mode == "incremental"
    assert [(d.article, d.same_as, d.kind) for d in later.storyline.duplicates] == [(REPOST, ORIGIN, "near")]
    assert {a.id: a for a in later.storyline.articles}[REPOST].same_origin_as == ORIGIN


def test_signing_an_article_again_replaces_its_rows(tmp_path):
    import numpy as np

    from crosscheck.neardup import band_keys

    scheme = settings_scheme(DEFAULT)
    old, new = np.arange(128, dtype=np.uint32), np.arange(1, 129, dtype=np.uint32)
    with Store(f"sqlite:///{tmp_path / 's.db'}") as store:
        store.save_signatures(scheme, [("a", old)])
        store.save_signatures(scheme, [("a", new)])  # say, a second process signed it meanwhile
        assert list(store.similar(scheme, band_keys(new, scheme))) == ["a"]
        assert store.similar(scheme, band_keys(old, scheme)) == {}
