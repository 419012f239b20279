"""spaCy analysis of a cleaned article: sentences, tokens and named-entity mentions.

Why paragraphs: spaCy's small English parser splits sentences far better when fed one
paragraph at a time than a whole article (headlines glued to text become sentences of
their own), and ``nlp.pipe`` batches paragraphs across articles for speed. The model
name comes from ``Settings.spacy_model`` so another installed pipeline can be swapped in.
Only the data the later stages need leaves this module (plain dataclasses), so spaCy
objects never cross a stage boundary. That is also what lets each batch run inside
``nlp.memory_zone()``: spaCy adds every new word it meets to its shared vocabulary and
string store and never drops them, so a long run (or ``serve``/``watch``) grew by the
corpus's vocabulary; the zone evicts what a batch added once its results are copied
out. Inside a zone the tokenizer's cache is read but not filled (about 8 % slower on
BBC News), so the first ``WARM_PARAGRAPHS`` paragraphs run outside one and fill it:
their words stay, once.
"""

from __future__ import annotations

import re
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Iterable, Sequence

from crosscheck.models import CleanDocument, EntityMention, Sentence, Token
from crosscheck.settings import DEFAULT, Settings

# Entity labels that can name an actor or a place; dates and numbers are the time
# stage's business, and the rest (WORK_OF_ART, LANGUAGE, ...) are not actors.
ACTOR_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT"})
_PARA = re.compile(r"[^\n]+")
# spaCy's parser needs about 1 GB per 100,000 characters of one text and refuses texts
# over nlp.max_length: a longer "paragraph" (a file that is one huge line) is cut into
# pieces at whitespace, so memory stays bounded and no article can stop a run.
MAX_PIECE_CHARS = 20_000
_CUTS = (re.compile(r"[.!?]\s"), re.compile(r"\s"))  # preferred cut points, best first
WARM_PARAGRAPHS = 2_000  # analysed outside a memory zone, to fill the tokenizer cache
_ACRONYM_DEF = re.compile(r"((?:[A-Z][\w'-]*\s+(?:of\s+|and\s+|the\s+|for\s+)*){2,8})\(([A-Z]{2,8})\)")


@dataclass
class Analysis:
    sentences: list[Sentence]
    tokens: list[list[Token]]
    mentions: list[EntityMention]


class DeviceUnavailable(RuntimeError):
    """``--device gpu`` where no GPU is usable; the message says why (CuPy missing, no
    device visible)."""


def use_device(device: str) -> str:
    """Put spaCy (thinc) of this process on the device a run asks for and say which it
    got, "gpu" or "cpu". "auto": a GPU when one is usable (CuPy installed and a device
    visible), else the CPU; "gpu": a GPU or ``DeviceUnavailable``, so a run asked to use
    one never quietly runs on the CPU; "cpu": always the CPU. Call it before loading a
    model: a loaded model stays where it was loaded."""
    if device == "cpu":
        return "cpu"
    import spacy

    if device != "gpu":
        return "gpu" if spacy.prefer_gpu() else "cpu"
    try:
        spacy.require_gpu()
    except Exception as exc:  # thinc raises ValueError, CuPy its own CUDA errors
        raise DeviceUnavailable(str(exc) or type(exc).__name__) from None
    return "gpu"


class Analyzer:
    """Loads the spaCy pipeline once and analyses many documents in batches."""

    def __init__(self, settings: Settings = DEFAULT) -> None:
        import spacy

        self.settings = settings
        use_device(settings.device)
        self.nlp = spacy.load(settings.spacy_model)
        self._warm_left = WARM_PARAGRAPHS

    def analyze(self, docs: Sequence[CleanDocument]) -> list[Analysis]:
        """Analyse documents in order; one ``Analysis`` per document."""
        jobs: list[tuple[int, int, str]] = []  # (doc index, paragraph offset, text)
        for d, doc in enumerate(docs):
            for m in _PARA.finditer(doc.body):
                if m.group().strip():
                    jobs.extend((d, start, text) for start, text in _pieces(m.start(), m.group()))
        results = [Analysis([], [], []) for _ in docs]
        texts = (text for _, _, text in jobs)
        warming, self._warm_left = self._warm_left > 0, self._warm_left - len(jobs)
        with nullcontext() if warming else self.nlp.memory_zone():  # see the module docstring
            for (d, offset, _), parsed in zip(jobs, self.nlp.pipe(texts, batch_size=self.settings.batch_size)):
                _collect(results[d], docs[d].id, offset, parsed)
        for doc, result in zip(docs, results):
            result.mentions = _consistent_mentions(doc.body, result)
        return results


def _pieces(start: int, text: str, limit: int = MAX_PIECE_CHARS) -> Iterable[tuple[int, str]]:
    """``text`` (found at ``start``) in pieces of at most ``limit`` characters, cut after
    the last sentence end or whitespace in each window (hard cut when there is none)."""
    while len(text) > limit:
        window = text[:limit]
        cut = next((ms[-1].end() for rx in _CUTS if (ms := list(rx.finditer(window, limit // 2)))), limit)
        yield start, text[:cut]
        start, text = start + cut, text[cut:]
    if text.strip():
        yield start, text


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


def _consistent_mentions(body: str, result: Analysis) -> list[EntityMention]:
    """Add the occurrences of names the model found elsewhere in the same article.

    Why: the small NER model tags "NTF" or "Marsh" in one sentence and misses it in the
    next; a name is the same name throughout one article (one sense per discourse).
    """
    labels: dict[str, str] = {}
    for m in result.mentions:
        if len(m.text) >= 3 and m.text[:1].isupper():
            labels.setdefault(m.text, m.label)
    for name, acronym in _defined_acronyms(body):  # "Northern Tide Front (NTF)"
        label = labels.get(name) or labels.get("the " + name) or "ORG"
        labels.setdefault(name, label)
        labels.setdefault(acronym, label)
    if not labels:
        return result.mentions
    taken = [(m.start, m.end) for m in result.mentions]
    pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(t) for t in sorted(labels, key=len, reverse=True)) + r")(?![\w-])")
    added = []
    for index, sent in enumerate(result.sentences):
        for hit in pattern.finditer(body, sent.start, sent.end):
            start, end = hit.span()
            if any(s < end and start < e for s, e in taken):
                continue
            taken.append((start, end))
            added.append(EntityMention(result.mentions[0].article, start, end, hit.group(), labels[hit.group()], index))
    return sorted(result.mentions + added, key=lambda m: (m.start, m.end))


def _defined_acronyms(body: str) -> list[tuple[str, str]]:
    """(name, acronym) pairs defined in the text, when the initials spell the acronym."""
    out = []
    for m in _ACRONYM_DEF.finditer(body):
        words = m.group(1).split()
        acronym = m.group(2)
        for k in range(len(words), 0, -1):  # the shortest tail whose initials fit
            tail = words[-k:]
            if "".join(w[0] for w in tail if w[0].isupper()) == acronym and tail[0][0].isupper():
                out.append((" ".join(tail), acronym))
                break
    return out
