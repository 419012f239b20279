"""Claims (attribution, modality, quotes) and origins, on sentences written for these tests."""

from __future__ import annotations

from crosscheck.claims import RuleClaimExtractor
from crosscheck.events import RuleEventExtractor
from crosscheck.models import (
    AnalyzedDocument, ArticleSummary, CleanDocument, DuplicateRecord, OffsetBlock, PartialDate, PublicationDate,
    Removed,
)
from crosscheck.origins import OriginResolver, origin_key
from crosscheck.timex import tag


def _doc(analyzer, body: str, article: str = "t") -> AnalyzedDocument:
    clean = CleanDocument(article, body, [OffsetBlock(0, len(body), 0, len(body))])
    a = analyzer.analyze([clean])[0]
    pub = PublicationDate(article, PartialDate(2023, 3, 16), "metadata")
    return AnalyzedDocument(clean, pub, a.sentences, a.tokens, a.mentions, tag(body, PartialDate(2023, 3, 16)))


def _claims(analyzer, body: str):
    doc = _doc(analyzer, body)
    return RuleClaimExtractor()(doc, body, RuleEventExtractor()(doc, body))


def _one(claims, word):
    found = [c for c in claims if word in c.text]
    assert found, [c.text for c in claims]
    return found[0]


def test_outlet_voice_is_asserted_and_offsets_hold(analyzer):
    body = "Valdoria and the Kestrel Republic signed a fisheries accord in Corvina on Thursday."
    [c] = [c for c in _claims(analyzer, body) if c.predicate == "sign"]
    assert c.attributed_to == "outlet" and c.attribution_kind == "outlet" and c.modality == "asserted"
    assert body[c.start:c.end] == c.text and body[c.sentence_start:c.sentence_end].startswith("Valdoria")
    assert c.event is not None and not c.negated


def test_named_person_reports_and_unnamed_sources(analyzer):
    body = ("Mr. Hale said the patrols would start in May.\n"
            "Officials familiar with the talks said the two delegations had met twice.")
    claims = _claims(analyzer, body)
    hale = _one(claims, "patrols")
    assert hale.attributed_to == "Mr. Hale" and hale.attribution_kind == "person"
    assert hale.modality == "hoped-planned"  # "would start": a plan, not a fact
    met = _one(claims, "met twice")
    assert met.attribution_kind == "sources" and "Officials" in met.attributed_to and met.modality == "reported"


def test_document_alleged_denied_and_questioned(analyzer):
    body = ("The ferry company raised its fares, according to a memo seen by the Harbor Herald.\n"
            "The opposition claimed that the minister had hidden the report.\n"
            "Mr. Vrana denied that his government had armed the rebels.\n"
            "Will the accord survive the winter?")
    claims = _claims(analyzer, body)
    memo = _one(claims, "fares")
    assert memo.attribution_kind == "document" and "memo" in memo.attributed_to
    assert _one(claims, "hidden").modality == "alleged"
    denied = _one(claims, "armed")
    assert denied.modality == "denied" and denied.attributed_to == "Mr. Vrana"
    assert _one(claims, "survive").modality == "questioned"


def test_quote_in_quote_keeps_the_inner_speaker(analyzer):
    body = "Mr. Pell said that the captain told him the engines had failed."
    c = _one(_claims(analyzer, body), "engines")
    assert c.speakers[0] == "Mr. Pell" and c.attributed_to.endswith("captain")
    assert len(c.speakers) == 2


def test_multi_sentence_quote_takes_the_speaker_where_it_closes(analyzer):
    body = ("\u201cThe harbor will stay open. Nobody wants another blockade,\u201d Ms. Marsh told reporters.\n"
            "\u201cWe can wait,\u201d she said. \u201cThe ships cannot.\u201d")
    claims = _claims(analyzer, body)
    assert _one(claims, "stay open").attributed_to == "Ms. Marsh"
    assert _one(claims, "Nobody wants").attributed_to == "Ms. Marsh"
    assert _one(claims, "ships cannot").attributed_to == "Ms. Marsh"  # a quote continued after "she said"


def test_conjuncts_split_and_borrow_the_object(analyzer):
    body = "Russian officials said they had proposed closer collaboration on air safety, but were rebuffed by Washington."
    claims = _claims(analyzer, body)
    rebuff = next(c for c in claims if c.predicate == "rebuff")
    assert rebuff.attribution_kind == "sources" and rebuff.modality == "reported"
    assert "collaboration" in rebuff.objects  # what was rebuffed: the proposal's object
    assert "collaboration" in rebuff.text and "rebuffed" in rebuff.text


def test_colon_hands_the_speaker_to_the_next_paragraph(analyzer):
    body = ("Reuters continues, quoting parts of the leaked memo:\n"
            "\u201cThe proposal argues that the port lacks the cranes it needs,\u201d the memo said.")
    claims = _claims(analyzer, body)
    assert not [c for c in claims if c.predicate == "continue"]  # the frame sentence is no claim
    lacks = _one(claims, "cranes")
    assert lacks.speakers[0] == "Reuters" and "memo" in " ".join(lacks.speakers)


def test_event_told_as_a_noun_is_a_presupposed_claim(analyzer):
    body = "In the wake of President Elena Marsh's visit to Corvina on Tuesday, the ministers resumed talks."
    claims = _claims(analyzer, body)
    visit = [c for c in claims if c.predicate == "visit"]
    assert visit and visit[0].event is not None and "Corvina" in visit[0].text


# ----------------------------------------------------------------------------- origins
def _article(aid: str, outlet: str | None, removed=(), same_as: str | None = None) -> ArticleSummary:
    """What a storyline knows of an article that origins are resolved from."""
    return ArticleSummary(aid, outlet, None, None, None, "unknown", "", 0, f"{aid}.txt", same_origin_as=same_as,
                          removed=list(removed))


def _claim(aid: str, speakers=()):
    from crosscheck.models import Claim

    return Claim(f"{aid}:c0", aid, 0, 1, "x", 0, 0, 1, "say", speakers=list(speakers))


def test_relay_cues_name_the_origin_and_an_outlet_naming_itself_is_not_one():
    r = OriginResolver.from_articles([_article("a", "Coast Courier"), _article("b", "Harbor Herald")])
    cases = {
        "On Friday Reuters published a report on the deal.": "Reuters",
        "The plan, first reported by The Washington Post, would create a command center.": "Washington Post",
        "According to the Reuters report, the plan was sent in July.": "Reuters",
        "The letter was sent on July 19, according to the memo seen by Reuters.": "Reuters",
        "The minister told the Harbor Herald that talks would resume.": "Harbor Herald",
    }
    for sentence, origin in cases.items():
        o = r.claim_origin(_claim("a"), sentence)
        assert o.relayed and origin_key(o.name) == origin_key(origin), (sentence, o)
    own = r.claim_origin(_claim("a"), "The memo was seen by the Coast Courier on Monday.")
    assert not own.relayed and own.name == "Coast Courier"
    unnamed = r.claim_origin(_claim("a"), "According to people in both delegations, a deal had emerged.")
    assert unnamed.name == "Coast Courier"
    chain = r.claim_origin(_claim("a", ["Reuters", "the memo"]), "The port lacks cranes.")
    assert chain.name == "Reuters"


def test_reposts_and_appeared_first_on_lead_to_the_original_outlet():
    articles = [
        _article("orig", "Meridian Review"),
        _article("copy", "Coastline Monitor"),  # the run's duplicate record says so
        _article("copy2", "Coast Courier", same_as="orig"),  # its summary says so
        _article("wire", "Coastline Monitor",
                 [Removed(0, 10, "appeared-first-on", "The post Harbor deal signed appeared first on Meridian Review.")]),
        _article("self", "Coast Courier", [Removed(0, 10, "appeared-first-on", "The post X appeared first on Coast Courier.")]),
        _article("anon", None),
    ]
    r = OriginResolver.from_articles(articles, [DuplicateRecord("copy", "orig", "near", 0.9)])
    assert r.article_origin("copy").key == r.article_origin("copy2").key == r.article_origin("orig").key \
        == "meridian review"
    assert r.article_origin("wire").name == "Meridian Review"
    assert r.article_origin("self").name == "Coast Courier" and not r.article_origin("self").relayed
    assert r.article_origin("anon").key == "article:anon"


def test_a_sentence_copied_word_for_word_is_one_origin():
    import datetime as dt

    from crosscheck.origins import Origin, copied_sentences, copy_key

    wire = "The Foreign Office issued a warning to UK travellers about the outbreak on Monday."
    a, b, c = Origin("Daily A", "daily a"), Origin("Paper B", "paper b"), Origin("Site C", "site c")
    items = [
        ("late", wire, b, (dt.date(2009, 4, 28), dt.date(2009, 4, 28))),
        ("early", wire.upper().replace(" ", "  "), a, (dt.date(2009, 4, 27), dt.date(2009, 4, 27))),  # same words
        ("other", "The minister said the talks went well.", c, None),  # short: chance repeats
        ("same-outlet", wire, a, None),
    ]
    assert copy_key(items[2][1]) is None and copy_key(wire) == copy_key(items[1][1])
    out = copied_sentences([(art, copy_key(text), origin, window) for art, text, origin, window in items])
    assert set(out) == {0} and out[0].key == "daily a" and "early" in out[0].evidence
