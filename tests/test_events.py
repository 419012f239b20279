"""Event extraction on sentences written for these tests (real spaCy parse, no stand-ins)."""

from crosscheck.events import RuleEventExtractor
from crosscheck.models import AnalyzedDocument, CleanDocument, OffsetBlock, PartialDate, PublicationDate, TimeExpression


def _doc(analyzer, body, times=()):
    clean = CleanDocument("t", body, [OffsetBlock(0, len(body), 0, len(body))])
    a = analyzer.analyze([clean])[0]
    pub = PublicationDate("t", PartialDate(2023, 3, 16), "metadata")
    return AnalyzedDocument(clean, pub, a.sentences, a.tokens, a.mentions, list(times))


def _time(body, text, date):
    start = body.index(text)
    return TimeExpression(start, start + len(text), text, "DATE", date.iso(), date, "dct")


def test_meeting_with_date_actors_place_and_outlet_voice(analyzer):
    body = "On Tuesday, President Elena Marsh met Foreign Minister Tomas Hale in Corvina to discuss the harbor."
    doc = _doc(analyzer, body, [_time(body, "Tuesday", PartialDate(2023, 3, 14))])
    [ev] = RuleEventExtractor()(doc, body)
    assert ev.kind == "meeting" and ev.trigger == "meet"
    assert ev.date == PartialDate(2023, 3, 14) and ev.date_text == "Tuesday"
    assert ev.attribution_kind == "outlet"
    names = {doc.mentions[i].text for i in ev.actor_mentions}
    assert {"Elena Marsh", "Tomas Hale"} <= names
    assert [doc.mentions[i].text for i in ev.place_mentions] == ["Corvina"]
    assert "met" in ev.title and "Marsh" in ev.title
    assert body[ev.start:ev.end] == ev.text == body


def test_reporting_verb_gives_attribution_to_embedded_event(analyzer):
    body = "Valdorian officials said they had proposed joint patrols with the Kestrel Republic on March 3."
    doc = _doc(analyzer, body, [_time(body, "March 3", PartialDate(2023, 3, 3))])
    [ev] = RuleEventExtractor()(doc, body)
    assert ev.kind == "proposal"
    assert ev.attribution_kind == "sources" and "officials" in ev.attributed_to


def test_according_to_a_document(analyzer):
    body = "The navy seized the cargo ship Meridian on March 9, according to a memo seen by the Harbor Herald."
    doc = _doc(analyzer, body, [_time(body, "March 9", PartialDate(2023, 3, 9))])
    [ev] = RuleEventExtractor()(doc, body)
    assert ev.attribution_kind == "document" and "memo" in ev.attributed_to


def test_background_and_hypothetical_sentences_are_not_events(analyzer):
    body = (
        "The two countries have clashed over the harbor before.\n"
        "If Valdoria signed the accord, the Kestrel Republic would withdraw its ships."
    )
    assert RuleEventExtractor()(_doc(analyzer, body), body) == []


def test_negated_event_is_flagged(analyzer):
    body = "Kestrel Republic negotiators did not sign the accord in Corvina on Friday."
    doc = _doc(analyzer, body, [_time(body, "Friday", PartialDate(2023, 3, 17))])
    [ev] = RuleEventExtractor()(doc, body)
    assert ev.negated and ev.kind == "agreement"
