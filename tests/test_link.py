from crosscheck.link import GreedyLinker, dates_compatible, pair_score
from crosscheck.models import EventMention, PartialDate as D


def _ev(mid, article, text, date, actors, places=(), kind="meeting"):
    return EventMention(
        id=mid, article=article, start=0, end=len(text), text=text, body_start=0, body_end=len(text),
        trigger="meet", kind=kind, title=text[:30], actors=list(actors), places=list(places), date=date,
        date_text=None, attributed_to="outlet", attribution_kind="outlet",
    )


def test_dates_compatible():
    assert dates_compatible(D(2015, 10, 20), D(2015, 10, 21))
    assert not dates_compatible(D(2015, 10, 20), D(2015, 10, 23))
    assert dates_compatible(D(2015, 10), D(2015, 10, 23))
    assert not dates_compatible(D(2015, 11), D(2015, 10, 23))
    assert not dates_compatible(None, D(2015, 10, 23))


def test_same_event_from_two_outlets_links_and_different_days_do_not():
    a = _ev("a:1", "a", "Kerry met Lavrov in Vienna on Friday to discuss Syria.", D(2015, 10, 23), ["kerry", "lavrov"], ["vienna"])
    b = _ev("b:4", "b", "Foreign ministers Kerry and Lavrov will meet in Vienna tomorrow.", D(2015, 10, 23), ["kerry", "lavrov"], ["vienna"])
    c = _ev("c:2", "c", "Kerry met Lavrov in Vienna again.", D(2015, 11, 14), ["kerry", "lavrov"], ["vienna"])
    events = GreedyLinker()([c, b, a])
    assert len(events) == 2
    first = events[0]
    assert first.date == D(2015, 10, 23) and first.articles == ["a", "b"]
    assert events[1].articles == ["c"]


def test_no_shared_participant_never_links():
    a = _ev("a:1", "a", "Talks were held.", D(2020, 1, 1), ["x"])
    b = _ev("b:1", "b", "Talks were held.", D(2020, 1, 1), ["y"])
    assert pair_score(a, b) is None
    assert len(GreedyLinker()([a, b])) == 2


def test_event_date_prefers_precise_consensus_and_ids_are_stable():
    a = _ev("a:1", "a", "Putin met Assad in Moscow.", D(2015, 10, 20), ["putin", "assad"], ["moscow"], "visit")
    b = _ev("b:1", "b", "Assad's trip to Moscow to meet Putin.", D(2015, 10), ["putin", "assad"], ["moscow"], "visit")
    e1 = GreedyLinker()([a, b])
    e2 = GreedyLinker()([b, a])
    assert len(e1) == 1 and e1[0].date == D(2015, 10, 20)
    assert [e.id for e in e1] == [e.id for e in e2]
