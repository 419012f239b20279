"""storyline.json: schema keys and types, ordering, offsets, determinism."""

from __future__ import annotations

import dataclasses
import json
import random

from hypothesis import given
from hypothesis import strategies as st

from crosscheck.export import natural_key, storyline_to_dict, write_json
from crosscheck.models import Event, PartialDate
from output_samples import HOSTILE, storyline

ISO = r"^\d{4}(-\d{2}(-\d{2})?)?$"


def test_schema_keys_and_types():
    d = storyline_to_dict(storyline())
    assert {"articles", "entities", "events", "duplicates", "errors"} <= d.keys()
    art_keys = {"id", "outlet", "title", "published", "published_evidence", "published_method",
                "published_reason", "boilerplate_chars", "path", "same_origin_as", "url"}
    for a in d["articles"]:
        assert art_keys <= a.keys()
        assert a["published"] is None or isinstance(a["published"], str)
        assert isinstance(a["boilerplate_chars"], int)
    for e in d["entities"]:
        assert {"id", "name", "type", "aliases", "articles", "mentions"} <= e.keys()
        assert all(isinstance(x, str) for x in e["aliases"] + e["articles"])
        for m in e["mentions"]:
            assert set(m) == {"article", "start", "end", "text"}
    ev_keys = {"id", "date", "precision", "title", "kind", "actors", "places", "articles",
               "outlets", "mentions"}
    m_keys = {"article", "start", "end", "text", "attributed_to", "attribution_kind", "date_text"}
    for ev in d["events"]:
        assert ev_keys <= ev.keys()
        assert ev["precision"] in ("day", "month", "year", None)
        for m in ev["mentions"]:
            assert m_keys <= m.keys()
            assert isinstance(m["start"], int) and isinstance(m["end"], int)
    assert d["errors"][0].keys() == {"path", "reason"}
    assert d["duplicates"] == [{"article": "a3", "same_as": "a1", "kind": "near", "similarity": 0.8125}]


def test_values():
    d = storyline_to_dict(storyline())
    # events: by date (month-only after the days of its month), undated last
    assert [(e["id"], e["date"], e["precision"]) for e in d["events"]] == [
        ("ev2", "2015-09", "month"), ("ev1", "2015-10-22", "day"), ("ev3", None, None)]
    ev1 = d["events"][1]
    assert ev1["articles"] == ["a1", "a2"]
    assert ev1["outlets"] == ["Daily <script>alert(1)</script> Example", "Example Wire"]
    assert ev1["actor_names"] == ["John Kerry", "Sergei Lavrov"]
    assert [m["article"] for m in ev1["mentions"]] == ["a1", "a2"]
    assert ev1["mentions"][1]["attribution_kind"] == "sources"
    a1 = d["articles"][0]
    assert a1["published"] == "2015-10-22" and a1["published_method"] == "dateline"
    assert [r["reason"] for r in a1["removed"]] == ["share-buttons", "appeared-first-on"]
    assert d["articles"][2]["published"] is None and d["articles"][2]["same_origin_as"] == "a1"
    kerry = d["entities"][0]
    assert kerry["articles"] == ["a1", "a2", "a3"] and kerry["events"] == ["ev1", "ev3"]


def test_offsets_point_at_the_quoted_text():
    s = storyline()
    originals = {a.id: a.original for a in s.articles}
    d = storyline_to_dict(s)
    spans = [m for ev in d["events"] for m in ev["mentions"]]
    spans += [m for e in d["entities"] for m in e["mentions"]]
    assert spans
    for m in spans:
        assert originals[m["article"]][m["start"]:m["end"]] == m["text"]


def test_deterministic_whatever_the_input_order():
    s = storyline()
    shuffled = dataclasses.replace(
        s, articles=s.articles[::-1], entities=s.entities[::-1], events=s.events[::-1],
        errors=s.errors[::-1])
    random.Random(3).shuffle(shuffled.events[1].mentions)
    assert storyline_to_dict(shuffled) == storyline_to_dict(s)


def test_write_json_utf8_indent(tmp_path):
    s = storyline()
    s.entities[0].aliases.append("Джон Керри")
    path = tmp_path / "out" / "storyline.json"
    write_json(s, path)
    raw = path.read_text(encoding="utf-8")
    assert "Джон Керри" in raw and '\n  "articles": [' in raw
    assert HOSTILE in raw  # JSON is data, not markup: the text is kept verbatim
    assert json.loads(raw) == json.loads(json.dumps(storyline_to_dict(s)))
    data = storyline_to_dict(s)  # one record per line: each list element is one line
    records = sum(len(v) for v in data.values() if isinstance(v, list))
    assert sum(line.startswith("    ") for line in raw.splitlines()) == records > 0
    write_json(s, tmp_path / "again.json")
    assert (tmp_path / "again.json").read_bytes() == path.read_bytes()


def test_natural_key_orders_numbered_ids():
    ids = ["e10", "e2", "e1", "a", "e2b"]
    assert sorted(ids, key=natural_key) == ["a", "e1", "e2", "e2b", "e10"]


dates = st.one_of(
    st.none(),
    st.builds(PartialDate, st.integers(1990, 2030)),
    st.builds(PartialDate, st.integers(1990, 2030), st.integers(1, 12)),
    st.dates().map(PartialDate.from_date),
)


@given(st.lists(dates, max_size=12))
def test_events_are_chronological(ds):
    s = storyline()
    s.events = [Event(f"ev{i}", d, "t", "k", [], [], []) for i, d in enumerate(ds)]
    out = storyline_to_dict(s)["events"]
    assert len(out) == len(ds)
    dated = [PartialDate.parse(e["date"]) for e in out if e["date"]]
    ends = [d.last_day() for d in dated]  # a partial date sorts at the end of its period
    assert ends == sorted(ends)
    undated = [i for i, e in enumerate(out) if e["date"] is None]
    assert undated == list(range(len(dated), len(out)))


def test_lazy_claim_records_write_the_same_json_and_report(tmp_path):
    """Outputs are written from ``storyline_to_dict(lazy=True)`` (claims and clusters made
    as they are read, not all held): the same bytes as from the full dict."""
    from pathlib import Path

    from crosscheck.core import run
    from crosscheck.export_claims import Records
    from crosscheck.render import render_html

    corpus = Path(__file__).resolve().parents[1] / "examples" / "harbor-accord"
    st = run([corpus], db_url=f"sqlite:///{tmp_path / 'r.db'}", out=tmp_path / "o")
    full, lazy = storyline_to_dict(st), storyline_to_dict(st, lazy=True)
    assert isinstance(lazy["claims"], Records) and len(lazy["claims"]) == len(full["claims"]) > 0
    assert list(lazy["claims"]) == full["claims"] and list(lazy["claim_clusters"]) == full["claim_clusters"]
    some = full["claims"][len(full["claims"]) // 2]
    assert lazy["claims"].get(some["id"]) == some and lazy["claims"].get("no such claim") is None
    write_json(st, tmp_path / "full.json", full)
    assert (tmp_path / "full.json").read_bytes() == (tmp_path / "o" / "storyline.json").read_bytes()
    assert render_html(st, data=full) == (tmp_path / "o" / "report.html").read_text(encoding="utf-8")
    bare = storyline()  # no claims: an empty lazy list is written as []
    write_json(bare, tmp_path / "a.json", storyline_to_dict(bare))
    write_json(bare, tmp_path / "b.json", storyline_to_dict(bare, lazy=True))
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
