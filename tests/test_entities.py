from crosscheck.entities import RuleResolver, normalize, AliasData
from crosscheck.models import EntityMention, EntityRef


def _m(article, start, text, label, sentence=0):
    return EntityMention(article, start, start + len(text), text, label, sentence)


def _resolve(mentions):
    res = RuleResolver()(mentions, lambda a, s, e: EntityRef(a, s, e, ""))
    by_key = {k: v for k, v in res.ids.items()}
    return res, by_key


def test_person_surname_and_particles_join_full_name():
    ms = [
        _m("a", 0, "Bashar Assad", "PERSON"),
        _m("a", 50, "Assad", "PERSON"),
        _m("b", 0, "Bashar al-Assad", "PERSON"),
        _m("b", 40, "Mr. Assad", "PERSON"),
        _m("c", 0, "President Bashar al-Assad's", "PERSON"),
    ]
    res, ids = _resolve(ms)
    assert len({ids[(m.article, m.start, m.end)] for m in ms}) == 1
    ent = res.entities[0]
    assert ent.type == "PERSON"
    assert ent.name in {"Bashar Assad", "Bashar al-Assad"}
    assert set(ent.articles) == {"a", "b", "c"}


def test_alias_groups_and_acronyms():
    ms = [
        _m("a", 0, "ISIS", "ORG"),
        _m("b", 0, "ISIL", "ORG"),
        _m("b", 10, "the Islamic State", "ORG"),
        _m("c", 0, "Northern Tide Front", "ORG"),
        _m("c", 30, "NTF", "ORG"),
        _m("c", 40, "al-Nusra", "ORG"),
        _m("d", 0, "Nusra Front", "ORG"),
    ]
    res, ids = _resolve(ms)
    key = lambda m: ids[(m.article, m.start, m.end)]
    assert key(ms[0]) == key(ms[1]) == key(ms[2])
    assert key(ms[3]) == key(ms[4])
    assert key(ms[5]) == key(ms[6])
    assert key(ms[0]) != key(ms[3]) != key(ms[5])


def test_ambiguous_surname_prefers_same_article_and_keeps_people_apart():
    ms = [
        _m("a", 0, "George W. Bush", "PERSON"),
        _m("b", 0, "Jeb Bush", "PERSON"),
        _m("b", 20, "Bush", "PERSON"),
        _m("a", 30, "John Kerry", "PERSON"),
    ]
    res, ids = _resolve(ms)
    key = lambda m: ids[(m.article, m.start, m.end)]
    assert key(ms[2]) == key(ms[1])
    assert key(ms[0]) != key(ms[1])
    assert len(res.entities) == 3


def test_countries_demonyms_and_abbreviations_merge():
    ms = [_m("a", 0, "U.S.", "GPE"), _m("a", 10, "United States", "GPE"), _m("b", 0, "American", "NORP"), _m("b", 20, "Russia", "GPE")]
    res, ids = _resolve(ms)
    assert len({ids[(m.article, m.start, m.end)] for m in ms[:3]}) == 1
    assert {e.name for e in res.entities} == {"United States", "Russia"}


def test_normalize_strips_titles_possessives_and_the():
    data = AliasData.load()
    assert normalize("Mr. Kerry’s", "PERSON", data) == "kerry"
    assert normalize("the Kremlin", "ORG", data) == "kremlin"
    assert normalize("Secretary of State John Kerry", "PERSON", data) == "john kerry"


def test_ids_are_deterministic_and_unique():
    ms = [_m("a", 0, "Vienna", "GPE"), _m("a", 10, "Vienna", "ORG"), _m("b", 0, "Kerry", "PERSON")]
    r1, _ = _resolve(ms)
    r2, _ = _resolve(list(reversed(ms)))
    assert [e.id for e in r1.entities] == [e.id for e in r2.entities]
    assert len({e.id for e in r1.entities}) == len(r1.entities)
