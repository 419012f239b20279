"""crosscheck.nlp: batches after the warm-up run in a spaCy memory zone, so a long run's
vocabulary stays bounded, and what leaves the zone is the same as outside one."""

from __future__ import annotations

import pytest

from crosscheck.models import CleanDocument
from crosscheck.nlp import WARM_PARAGRAPHS, Analyzer

TEXT = ("Ambassador Quorvel Threnbaxi met Minister Ilsandra Pruvokette in Zentharia on Tuesday.\n"
        "The Vexmoor Accord was signed by both delegations, officials said.\n")


def _snapshot(analysis):
    return ([(s.start, s.end, s.text) for s in analysis.sentences],
            [[(t.text, t.lemma, t.pos, t.dep, t.head) for t in sent] for sent in analysis.tokens],
            [(m.start, m.end, m.text, m.label, m.sentence) for m in analysis.mentions])


@pytest.fixture(scope="module")
def analyzer():
    return Analyzer()


def test_zoned_batches_keep_the_vocabulary_and_give_the_same_analysis(analyzer):
    doc = CleanDocument("a1", TEXT, [])
    analyzer._warm_left = WARM_PARAGRAPHS  # this batch warms up: outside a zone
    warm = _snapshot(analyzer.analyze([doc])[0])
    analyzer._warm_left = 0
    novel = CleanDocument("a2", TEXT.replace("Quorvel", "Xathrumbel").replace("Zentharia", "Oskavund"), [])
    before = len(analyzer.nlp.vocab.strings)
    zoned = analyzer.analyze([doc, novel])
    assert len(analyzer.nlp.vocab.strings) == before  # the new words were evicted at the zone's end
    assert _snapshot(zoned[0]) == warm  # strings copied out of the zone are intact and unchanged
    assert any("Xathrumbel" in m.text for m in zoned[1].mentions) or "Xathrumbel" in zoned[1].sentences[0].text
    assert zoned[1].tokens[0][1].text == "Xathrumbel"


def test_the_warm_up_counts_paragraphs(analyzer):
    analyzer._warm_left = 3
    analyzer.analyze([CleanDocument("a3", "One.\nTwo.\n", [])])
    assert analyzer._warm_left == 1
