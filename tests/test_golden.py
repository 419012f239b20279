"""Golden storyline of the project's own example corpus (examples/harbor-accord).

The expectations live in tests/golden/harbor-accord.json, written from the story's
text (not from the pipeline's output): must-contain events with their dates and the
articles that tell them, must-not-contain events (ticker items, related-article links,
background), publication dates, outlets, aliases, re-posts and stripped boilerplate.
"""

from __future__ import annotations

import json
import re

import pytest

from conftest import ROOT

GOLDEN = json.loads((ROOT / "tests" / "golden" / "harbor-accord.json").read_text("utf-8"))
CORPUS = ROOT / "examples" / "harbor-accord"


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    from crosscheck.core import process
    from crosscheck.export import storyline_to_dict
    from crosscheck.store import Store

    db = tmp_path_factory.mktemp("golden") / "golden.db"
    with Store(f"sqlite:///{db}") as store:
        res = process([CORPUS], store)
    return res, storyline_to_dict(res.storyline)


def _norm_outlet(name):
    return re.sub(r"^the\s+", "", (name or "").strip().lower())


def test_every_file_is_an_article_and_nothing_is_rejected(result):
    res, data = result
    assert res.errors == []
    assert {a["id"] for a in data["articles"]} == set(GOLDEN["articles"])


@pytest.mark.parametrize("article", sorted(GOLDEN["articles"]))
def test_publication_date_and_outlet(result, article):
    _, data = result
    want = GOLDEN["articles"][article]
    got = next(a for a in data["articles"] if a["id"] == article)
    methods = {want["published_how"], *want.get("published_how_alt", [])}
    if want["published_how"] == "inferred" and got["published"] and len(got["published"]) == 10:
        assert want["published_earliest"] <= got["published"] <= want["published_latest"]
    else:
        assert got["published"] == want["published"], got["published_reason"]
    assert got["published_method"] in methods | ({"inferred"} if "inferred" in methods else set())
    assert got["published_evidence"], "a publication date needs its evidence"
    assert _norm_outlet(got["outlet"]) == _norm_outlet(want["outlet"])


_TITLE = re.compile(r"^(?:(?:mr|mrs|ms|dr|sen|gen|president|minister)\.?\s+)+", re.I)


def _entity_names(data):
    """Entity id -> its names and aliases, also without leading titles ("Ms. Marsh" = "Marsh")."""
    out = {}
    for e in data["entities"]:
        names = {e["name"], *e["aliases"]}
        out[e["id"]] = names | {_TITLE.sub("", n) for n in names}
    return out


@pytest.mark.parametrize("want", GOLDEN["must_contain_events"], ids=lambda w: w["date"])
def test_must_contain_event(result, want):
    _, data = result
    names = _entity_names(data)

    def matches(ev):
        if ev["date"] != want["date"] or not set(want["articles_all"]) <= set(ev["articles"]):
            return False
        text = " ".join([ev["title"]] + [m["text"] for m in ev["mentions"]]).lower()
        actors = set().union(*(names.get(a, set()) for a in ev["actors"] + ev["places"])) | {text}
        return any(k.lower() in text for k in want["keywords_any"]) and any(
            any(a.lower() in n.lower() for n in actors) for a in want["actors_any"]
        )

    same_day = [(e["title"], e["articles"]) for e in data["events"] if e["date"] == want["date"]]
    assert any(matches(e) for e in data["events"]), f"{want['note']}; events that day: {same_day}"


@pytest.mark.parametrize("want", GOLDEN["must_not_contain_events"], ids=lambda w: w.get("text_contains", w.get("date_prefix")))
def test_must_not_contain_event(result, want):
    _, data = result
    for ev in data["events"]:
        if want.get("scope") == "dated" and ev["date"] is None:
            continue
        if "date_prefix" in want:
            assert not (ev["date"] or "").startswith(want["date_prefix"]), ev["title"]
        if "text_contains" in want:
            assert all(want["text_contains"] not in m["text"] for m in ev["mentions"]), ev["title"]


@pytest.mark.parametrize("group", GOLDEN["must_link_aliases"], ids=lambda g: g[0])
def test_aliases_resolve_to_one_entity(result, group):
    _, data = result
    owners = {name: {eid for eid, ns in _entity_names(data).items() if _TITLE.sub("", name) in ns} for name in group}
    assert all(owners.values()), f"not found as entity names or aliases: {owners}"
    common = set.intersection(*owners.values())
    assert common, f"{group} are split over entities: {owners}"


def test_repost_is_recorded_as_same_origin(result):
    _, data = result
    by_id = {a["id"]: a for a in data["articles"]}
    for copy, original in GOLDEN["near_duplicates"]:
        assert by_id[copy]["same_origin_as"] == original


def test_boilerplate_is_stripped_and_never_evidence(result):
    res, data = result
    by_id = {a.id: a for a in res.storyline.articles}
    evidence = " ".join(m["text"] for e in data["events"] for m in e["mentions"])
    for item in GOLDEN["boilerplate_must_be_removed"]:
        removed = " ".join(r.text for r in by_id[item["article"]].removed)
        assert item["text"] in removed, item
        assert item["text"] not in evidence, item


def test_every_mention_points_at_its_evidence(result):
    res, data = result
    originals = {a.id: a.original for a in res.storyline.articles}
    for ev in data["events"]:
        assert ev["mentions"], ev
        for m in ev["mentions"]:
            assert originals[m["article"]][m["start"] : m["end"]] == m["text"]
    for ent in data["entities"]:
        for m in ent["mentions"]:
            assert originals[m["article"]][m["start"] : m["end"]] == m["text"]


@pytest.mark.parametrize("want", GOLDEN.get("contradictions", []), ids=lambda w: "-vs-".join(a[:2] for a in w["articles"]))
def test_contradiction_is_found_and_explained(result, want):
    """The golden contradiction: a 'contradicts' relation between the two articles whose
    claims are about the topic, with one-line explanation; each golden claim is on a side."""
    import html

    _, data = result
    claims = {c["id"]: c for c in data["claims"]}
    found = [r for r in data["relations"] if r["type"] == "contradicts" and set(r["articles"]) == set(want["articles"])]
    assert found, [r["explanation"] for r in data["relations"] if r["type"] == "contradicts"]
    keys = [k.lower() for k in want["topic_keywords"]]
    for r in found:
        assert r["explanation"] and all(any(k in claims[c]["text"].lower() for k in keys) for c in r["claims"])
    originals = {a.id: a.original for a in result[0].storyline.articles}
    for article, fragment in want["claims"].items():
        sentences = [html.unescape(originals[article][claims[c]["sentence_start"]:claims[c]["sentence_end"]])
                     for r in found for c in r["claims"] if claims[c]["article"] == article]
        assert any(fragment in s for s in sentences), (article, sentences)


def test_repost_adds_no_independent_origin(result):
    _, data = result
    for copy, original in GOLDEN["near_duplicates"]:
        origins = {c["origin"] for c in data["claims"] if c["article"] == copy}
        assert origins <= {c["origin"] for c in data["claims"] if c["article"] == original}
