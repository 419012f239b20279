"""spaCy analysis of a cleaned article: sentences, tokens and named-entity mentions.

Why paragraphs: spaCy's small English parser splits sentences far better when fed one
paragraph at a time than a whole article (headlines glued to text become sentences of
their own), and ``nlp.pipe`` batches paragraphs across articles for speed. The model
name comes from ``Settings.spacy_model`` so another installed pipeline can be swapped in.
Only the data the later stages need leaves this module (plain dataclasses), so spaCy
objects never cross a stage boundary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from crosscheck.models import CleanDocument, EntityMention, Sentence, Token
from crosscheck.settings import DEFAULT, Settings

# Entity labels that can name an actor or a place; dates and numbers are the time
# stage's business, and the rest (WORK_OF_ART, LANGUAGE, ...) are not actors.
ACTOR_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT"})
_PARA = re.compile(r"[^\n]+")


@dataclass
class Analysis:
    sentences: list[Sentence]
    tokens: list[list[Token]]
    mentions: list[EntityMention]


class Analyzer:
    """Loads the spaCy pipeline once and analyses many documents in batches."""

    def __init__(self, settings: Settings = DEFAULT) -> None:
        import spacy

        self.settings = settings
        self.nlp = spacy.load(settings.spacy_model)

    def analyze(self, docs: Sequence[CleanDocument]) -> list[Analysis]:
        """Analyse documents in order; one ``Analysis`` per document."""
        jobs: list[tuple[int, int, str]] = []  # (doc index, paragraph offset, text)
        for d, doc in enumerate(docs):
            for m in _PARA.finditer(doc.body):
                if m.group().strip():
                    jobs.append((d, m.start(), m.group()))
        results = [Analysis([], [], []) for _ in docs]
        texts = (text for _, _, text in jobs)
        for (d, offset, _), parsed in zip(jobs, self.nlp.pipe(texts, batch_size=self.settings.batch_size)):
            _collect(results[d], docs[d].id, offset, parsed)
        return results


def _collect(out: Analysis, article: str, offset: int, parsed) -> None:
    for sent in parsed.sents:
        text = sent.text
        if not text.strip():
            continue
        index = len(out.sentences)
        out.sentences.append(Sentence(offset + sent.start_char, offset + sent.end_char, text))
        out.tokens.append(list(_tokens(sent, offset)))
        for ent in sent.ents:
            if ent.label_ in ACTOR_LABELS:
                out.mentions.append(
                    EntityMention(article, offset + ent.start_char, offset + ent.end_char, ent.text, ent.label_, index)
                )


def _tokens(sent, offset: int) -> Iterable[Token]:
    base = sent.start
    for tok in sent:
        yield Token(
            i=tok.i - base,
            start=offset + tok.idx,
            text=tok.text,
            lemma=tok.lemma_,
            pos=tok.pos_,
            tag=tok.tag_,
            dep=tok.dep_,
            head=tok.head.i - base,
            ent_iob=tok.ent_iob_ + ("-" + tok.ent_type_ if tok.ent_type_ else ""),
        )
