"""Claims: the propositions each sentence puts forward, who puts them forward, how firmly.

Why a parse walk and not a sentence = claim rule: one news sentence often carries two
propositions under one attribution ("Russian officials said they had proposed closer
collaboration, but were rebuffed by Washington"), and the voice matters as much as the
content: the outlet's own assertion, a named person's statement, unnamed sources, a
document, a denial, a hope. The steps per article:

1. Frames handed down from outside the sentence: a sentence wholly inside a quotation
   that spans several sentences takes the quote's speaker (found where the quote opens
   or closes: "“…. …,” Mr. Vrana told the Morning Post"); a sentence ending in a colon
   with a speaker ("Reuters continues, quoting the memo:") hands its speakers to the
   next paragraph.
2. The walk from the root: a reporting verb with a clausal complement pushes its
   subject (or "according to X") on the speaker chain and sets the modality from the
   lexicon (say: reported, claim: alleged, deny: denied, ask: questioned); the walk goes
   on into the complement, so quotes inside quotes keep the inner speaker. Attitude
   verbs (hope, plan, want) with a complement make the claim hoped-planned.
3. Every remaining clause head is a proposition; verb conjuncts are split into their own
   claims and borrow a missing subject or object from their first conjunct.
4. Local modality: a question, a conditional mark, a modal auxiliary, a hedge adverb.
5. Each event mention is tied to the claim that states it; an event told only as a noun
   ("after Assad's trip to Moscow") becomes a presupposed claim of its own.

``data/claims.json`` holds every cue. The output keeps offsets into the original text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Protocol, Sequence

from crosscheck.claim_parse import (
    according_span, according_to, claim_numbers, coverage, join_tokens, lemma_of, mentions_in, np_core,
    object_heads, object_tokens, place_mentions, quote_regions, root_of, trim, verb_conjuncts,
)
from crosscheck.models import AnalyzedDocument, Claim, EventMention, Token
from crosscheck.syntax import Sent, parse_sentences

_COMPLEMENTS = frozenset({"ccomp", "parataxis"})
_VERBAL = frozenset({"VERB", "AUX"})
_CONTENT_POS = frozenset({"NOUN", "PROPN", "VERB", "ADJ", "NUM"})
_SUBJECTS = frozenset({"nsubj", "nsubjpass", "csubj"})
_OBJECTS = frozenset({"dobj", "attr", "xcomp", "prep", "acomp", "oprd", "dative"})
_MODALITY_RANK = {"asserted": 0, "reported": 1, "alleged": 2, "hoped-planned": 3, "questioned": 4, "denied": 5}


@dataclass(frozen=True)
class ClaimLexicon:
    reporting: dict
    attitude: dict
    hedges: dict
    modals: dict
    conditional: frozenset[str]
    asserting: frozenset[str]
    it_speakers: frozenset[str]
    carry: frozenset[str]
    unnamed: frozenset[str]
    documents: frozenset[str]
    pronouns: frozenset[str]
    generic: frozenset[str]
    light: frozenset[str]
    negators: frozenset[str]

    @classmethod
    def load(cls) -> "ClaimLexicon":
        raw = json.loads(resources.files("crosscheck").joinpath("data/claims.json").read_text("utf-8"))
        return cls(
            raw["reporting"], raw["attitude"], raw["hedges"], raw["modals"],
            frozenset(raw["conditional_marks"]), frozenset(raw["asserting_marks"]),
            frozenset(raw["it_speakers"]), frozenset(raw["carry_verbs"]),
            frozenset(raw["unnamed_source_heads"]), frozenset(raw["document_heads"]),
            frozenset(raw["pronoun_speakers"]), frozenset(raw["generic_subjects"]),
            frozenset(raw["light_lemmas"]), frozenset(raw["negators"]),
        )


class ClaimExtractor(Protocol):
    def __call__(self, doc: AnalyzedDocument, original: str, events: Sequence[EventMention]) -> list[Claim]: ...


@dataclass(frozen=True)
class Speaker:
    """One voice in an attribution chain."""

    text: str
    kind: str  # person / sources / document / organization
    modality: str  # what this voice's verb makes of its complement


@dataclass
class _Prop:
    """A proposition found by the walk, before it becomes a Claim."""

    head: int
    speakers: list[Speaker]
    modality: str
    exclude: set[int] = field(default_factory=set)
    borrowed: list[int] = field(default_factory=list)  # tokens of the first conjunct's object
    borrowed_head: int | None = None  # the first conjunct whose object is borrowed
    subject: int | None = None


class RuleClaimExtractor:
    """The default extractor: the numbered steps in the module docstring."""

    def __init__(self, lexicon: ClaimLexicon | None = None) -> None:
        self.lex = lexicon or ClaimLexicon.load()

    def __call__(self, doc: AnalyzedDocument, original: str, events: Sequence[EventMention] = ()) -> list[Claim]:
        sents = parse_sentences(doc)
        self._recent: list[tuple[int, Speaker]] = []  # named speakers, for "he said" (per call)
        self._time_spans = [(t.start, t.end) for t in doc.times]
        quoted = self._quote_frames(doc, sents)
        carried = self._carried_frames(doc, sents)
        frames = {k for k, s in enumerate(sents) if self._is_frame(doc, sents, k)}
        claims: list[Claim] = []
        for s in sents:
            if s.index in frames or len([t for t in s.tokens if t.pos not in ("PUNCT", "SPACE")]) < 3:
                continue
            outer = carried.get(s.index, []) + quoted.get(s.index, [])
            props = self._walk_sentence(doc, s, outer)
            built = [self._claim(doc, original, s, p, len(claims) + k) for k, p in enumerate(props)]
            built = [c for c in built if c is not None]
            sent_events = [e for e in events if e.body_start == s.sentence.start]
            built += self._tie_events(doc, original, s, built, sent_events, len(claims) + len(built))
            claims.extend(built)
        return [replace(c, id=f"{doc.id}:c{i}") for i, c in enumerate(claims)]

    # -- step 1: frames from outside the sentence -----------------------------------
    def _quote_frames(self, doc: AnalyzedDocument, sents: list[Sent]) -> dict[int, list[Speaker]]:
        """Sentences wholly inside a multi-sentence quote -> the quote's speaker."""
        out: dict[int, list[Speaker]] = {}
        previous: tuple[int, Speaker] | None = None  # (end, speaker) of the last attributed quote
        body = doc.clean.body
        for a, b in quote_regions(body):
            inside = [s for s in sents if a <= s.sentence.start and s.sentence.end <= b + 1]
            around = [s for s in sents if s.sentence.start < b and s.sentence.end > a and s not in inside]
            covered = inside + [s for s in around if coverage(s, a, b) >= 0.5 and not self._has_reporting(s)]
            speaker = None
            for s in around:
                speaker = speaker or self._outside_speaker(doc, s, a, b)
            if speaker is None and covered and previous is not None and body.count("\n", previous[0], a) <= 2:
                speaker = previous[1]  # “…,” he said. “And that has not changed.”
            if speaker is not None:
                previous = (b, speaker)
            for s in covered:
                out[s.index] = [speaker] if speaker else [Speaker("unidentified speaker", "person", "reported")]
        return out

    def _has_reporting(self, s: Sent) -> bool:
        return any(t.pos in _VERBAL and t.lemma.lower() in self.lex.reporting for t in s.tokens) or according_to(s) is not None

    def _is_frame(self, doc: AnalyzedDocument, sents: list[Sent], k: int) -> bool:
        """A colon sentence that only hands its speaker on ("The memo reads further:")."""
        s = sents[k]
        return s.sentence.text.rstrip().endswith(":") and bool(self._colon_speakers(doc, s)) and not s.kids(root_of(s), _COMPLEMENTS)

    def _outside_speaker(self, doc: AnalyzedDocument, s: Sent, a: int, b: int) -> Speaker | None:
        for i, t in enumerate(s.tokens):
            if a <= t.start < b or t.pos not in _VERBAL or t.lemma.lower() not in self.lex.reporting:
                continue
            subj = s.kids(i, _SUBJECTS)
            if subj and not a <= s.tokens[subj[0]].start < b and not self._generic(s, subj[0]):
                return self._speaker(doc, s, subj[0], self.lex.reporting[t.lemma.lower()])
        return None

    def _carried_frames(self, doc: AnalyzedDocument, sents: list[Sent]) -> dict[int, list[Speaker]]:
        """ "Reuters continues, quoting parts of the leaked memo:" -> the next paragraph."""
        out: dict[int, list[Speaker]] = {}
        body = doc.clean.body
        for k, s in enumerate(sents):
            if not s.sentence.text.rstrip().endswith(":") or k + 1 >= len(sents):
                continue
            chain = self._colon_speakers(doc, s)
            if not chain:
                continue
            para_end = body.find("\n", sents[k + 1].sentence.start + 1)
            para_end = len(body) if para_end < 0 else para_end
            for nxt in sents[k + 1:]:
                if nxt.sentence.start >= para_end:
                    break
                out[nxt.index] = chain
        return out

    def _colon_speakers(self, doc: AnalyzedDocument, s: Sent) -> list[Speaker]:
        root = root_of(s)
        if s.tokens[root].lemma.lower() not in self.lex.carry | set(self.lex.reporting):
            return []
        chain: list[Speaker] = []
        acc = according_to(s)
        if acc is not None:
            chain.append(self._speaker(doc, s, acc, "reported"))
        subj = s.kids(root, _SUBJECTS)
        if subj:
            chain.append(self._speaker(doc, s, subj[0], "reported"))
        for c in s.children[root]:  # "quoting parts of the leaked memo"
            if s.tokens[c].lemma.lower() in ("quote", "cite"):
                pobj = [g for g in s.subtree(c) if s.tokens[g].dep == "pobj"] or s.kids(c, {"dobj"})
                if pobj:
                    chain.append(self._speaker(doc, s, pobj[-1], "reported"))
        return chain

    # -- step 2-3: the walk -------------------------------------------------------
    def _walk_sentence(self, doc: AnalyzedDocument, s: Sent, outer: list[Speaker]) -> list[_Prop]:
        chain = list(outer)
        acc = according_to(s)
        excluded: set[int] = set()
        if acc is not None:
            chain.append(self._speaker(doc, s, acc, "reported"))
            excluded |= set(according_span(s))
        props: list[_Prop] = []
        self._walk(doc, s, root_of(s), chain, chain[-1].modality if chain else "asserted", props)
        for p in props:
            p.exclude |= excluded
        return props

    def _walk(self, doc, s: Sent, head: int, chain: list[Speaker], modality: str, props: list[_Prop]) -> None:
        tok = s.tokens[head]
        lemma = tok.lemma.lower()
        comps = s.kids(head, _COMPLEMENTS)
        if tok.pos in _VERBAL and lemma in self.lex.reporting and comps:
            subj = s.kids(head, _SUBJECTS) or s.kids(head, {"agent"})
            verb_mod = self.lex.reporting[lemma]
            if any(s.tokens[c].dep == "neg" for c in s.children[head]):
                verb_mod = "questioned"  # "did not say who …", "did not confirm": left open, not denied
            inner = chain + ([self._speaker(doc, s, subj[0], verb_mod)] if subj and not self._generic(s, subj[0]) else [])
            for c in comps:
                self._walk(doc, s, c, inner, _stronger(modality, verb_mod), props)
            for c in verb_conjuncts(s, head):  # "said they had proposed ..., but were rebuffed"
                if s.kids(c, _SUBJECTS):  # "did not say who …, but his plea is aimed at …": the outer voice
                    self._walk(doc, s, c, chain, modality, props)
                    continue
                prop = _Prop(c, inner, _stronger(modality, verb_mod), subject=subj[0] if subj else None)
                if comps and not s.kids(c, _OBJECTS - {"prep"}):
                    prop.borrowed, prop.borrowed_head = s.subtree(comps[0]), comps[0]  # "they had proposed …"
                props.append(prop)
            return
        if tok.pos not in _VERBAL and not s.kids(head, _SUBJECTS):
            return  # a bare noun phrase (headline fragment, list item): no proposition
        first = _Prop(head, chain, modality)
        props.append(first)
        for c in s.kids(head, {"advcl"}):  # "... is because Moscow and Washington have reached ..."
            if any(s.tokens[m].dep == "mark" and s.tokens[m].text.lower() in self.lex.asserting for m in s.children[c]):
                first.exclude |= set(s.subtree(c))
                self._walk(doc, s, c, chain, modality, props)
        for c in verb_conjuncts(s, head):
            first.exclude |= set(s.subtree(c))
            prop = _Prop(c, chain, modality, subject=(s.kids(head, _SUBJECTS) or [None])[0])
            if not s.kids(c, _OBJECTS):
                prop.borrowed, prop.borrowed_head = object_tokens(s, head), head
            props.append(prop)

    def _generic(self, s: Sent, i: int) -> bool:
        word = s.tokens[i].text.lower()
        if word in self.lex.it_speakers:
            return not any(sp.kind == "organization" and s.index - idx <= 3 for idx, sp in self._recent)
        return word in self.lex.generic

    def _speaker(self, doc: AnalyzedDocument, s: Sent, head: int, modality: str) -> Speaker:
        """The voice named by a subject or "according to" object, classified."""
        tok = s.tokens[head]
        if tok.text.lower() in self.lex.pronouns | self.lex.it_speakers:
            return self._resolve_pronoun(doc, s, head, modality)
        core = np_core(s, head)
        text = join_tokens(s.tokens, core[-8:])
        span = s.subtree(head)
        lo, hi = s.tokens[span[0]].start, s.tokens[span[-1]].start + len(s.tokens[span[-1]].text)
        labels = {m.label for _, m in s.mentions if lo <= m.start and m.end <= hi}
        lemma = tok.lemma.lower()
        if lemma in self.lex.documents:
            kind = "document"
        elif "PERSON" in labels and tok.pos == "PROPN":
            kind = "person"
        elif lemma in self.lex.unnamed or tok.text.lower() in self.lex.unnamed:
            kind = "sources"
        elif labels & {"ORG", "GPE", "NORP"}:
            kind = "organization"
        else:
            kind = "person"
        if kind in ("person", "organization") and tok.pos == "PROPN":
            self._recent.append((s.index, Speaker(text, kind, modality)))
        return Speaker(text, kind, modality)

    def _resolve_pronoun(self, doc: AnalyzedDocument, s: Sent, head: int, modality: str) -> Speaker:
        """ "he said" -> the person who last spoke within three sentences, else the last
        person named outside a quote; "it said" -> the organisation that last spoke."""
        word = s.tokens[head].text
        kind = "organization" if word.lower() in self.lex.it_speakers else "person"
        for idx, sp in reversed(self._recent):
            if s.index - idx <= 3 and sp.kind == kind:
                return Speaker(sp.text, kind, modality)
        if kind == "person":
            person = _last_person(doc, s.tokens[head].start)
            return Speaker(person or word, kind, modality)
        return Speaker(word, kind, modality)

    # -- step 4: one proposition -> one claim ----------------------------------------
    def _claim(self, doc: AnalyzedDocument, original: str, s: Sent, p: _Prop, n: int) -> Claim | None:
        toks = [i for i in s.subtree(p.head) if i not in p.exclude]
        toks = trim(s.tokens, toks)
        if not toks:
            return None
        head = s.tokens[p.head]
        lemmas = self._lemmas(s, sorted(set(toks) | set(p.borrowed)))
        if not lemmas or (head.lemma.lower() in self.lex.light and len(lemmas) < 2):
            return None
        modality = _stronger(p.modality, self._local_modality(s, p.head))
        subj = (s.kids(p.head, _SUBJECTS) or ([p.subject] if p.subject is not None else []))
        inherited = set(s.subtree(p.subject)) if p.subject is not None and not s.kids(p.head, _SUBJECTS) else set()
        start, end = _span(doc, s, sorted(set(toks) | set(p.borrowed)))  # "proposed …, but were rebuffed"
        sstart, send = doc.clean.to_original(s.sentence.start, s.sentence.end)
        last = p.speakers[-1] if p.speakers else None
        return Claim(
            id=f"{doc.id}:c{n}", article=doc.id, start=start, end=end, text=original[start:end],
            sentence=s.index, sentence_start=sstart, sentence_end=send,
            predicate=_predicate(head), subject=join_tokens(s.tokens, np_core(s, subj[0])) if subj else "",
            negated=self._negated(s, p.head), attributed_to=last.text if last else "outlet",
            attribution_kind=last.kind if last else "outlet",  # type: ignore[arg-type]
            modality=modality,  # type: ignore[arg-type]
            speakers=_dedupe([sp.text for sp in p.speakers]), lemmas=lemmas,
            objects=object_heads(s, p.head) or (object_heads(s, p.borrowed_head) if p.borrowed_head is not None else []),
            numbers=claim_numbers(s, toks, self._time_spans), mentions=mentions_in(s, set(toks) | set(p.borrowed) | inherited),
            places=place_mentions(s, toks),  # the date comes from the event mention it states (step 5)
        )

    def _lemmas(self, s: Sent, toks: list[int]) -> list[str]:
        """Content lemmas (names as lowercase text), leaving out words of time expressions."""
        out = []
        for i in toks:
            t = s.tokens[i]
            if any(a <= t.start < b for a, b in self._time_spans):
                continue
            lemma = (t.text if t.pos == "PROPN" else t.lemma).lower().strip("\u2019'")
            if t.pos in _CONTENT_POS and lemma not in self.lex.light and len(lemma) > 1:
                out.append(lemma)
        return out

    def _negated(self, s: Sent, head: int) -> bool:
        for c in s.children[head]:
            t = s.tokens[c]
            if t.dep == "neg" or (t.dep == "advmod" and t.lemma.lower() in ("never",)):
                return True
            if t.dep in ("dobj", "nsubjpass", "attr") and any(
                    s.tokens[g].dep == "det" and s.tokens[g].lemma.lower() in ("no", "neither") for g in s.children[c]):
                return True
        return False

    def _local_modality(self, s: Sent, head: int) -> str:
        tok = s.tokens[head]
        kids = [s.tokens[c] for c in s.children[head]]
        if s.sentence.text.rstrip().rstrip("\u201d\"'").endswith("?"):
            return "questioned"
        if any(k.dep == "mark" and k.text.lower() in self.lex.conditional for k in kids):
            return "questioned"
        mod = "asserted"
        for k in kids:
            word = k.text.lower()
            if k.dep == "aux" and word in self.lex.modals:
                mod = _stronger(mod, self.lex.modals[word])
            if k.dep == "advmod" and word in self.lex.hedges:
                mod = _stronger(mod, self.lex.hedges[word])
        if tok.lemma.lower() in self.lex.attitude and s.kids(head, {"xcomp", "ccomp"}):
            mod = _stronger(mod, self.lex.attitude[tok.lemma.lower()])
        if tok.dep == "xcomp" and s.tokens[tok.head].lemma.lower() in self.lex.attitude:
            mod = _stronger(mod, self.lex.attitude[s.tokens[tok.head].lemma.lower()])
        return mod

    # -- step 5: events -------------------------------------------------------------
    def _tie_events(self, doc, original, s: Sent, built: list[Claim], events: list[EventMention], n: int) -> list[Claim]:
        extra: list[Claim] = []
        for em in events:
            cands = [i for i, t in enumerate(s.tokens) if t.lemma.lower() == em.trigger]
            if not cands:
                continue
            trig = min(cands, key=lambda i: (s.depth(i), i))
            owner = next((c for c in built if c.predicate == em.trigger and c.event is None), None)
            pos = doc.clean.to_original(s.tokens[trig].start, s.tokens[trig].start + 1)[0]
            if owner is None and s.tokens[trig].pos in _VERBAL:  # "are to meet in Vienna"
                owner = next((c for c in built if c.start <= pos < c.end and c.event is None), None)
            if owner is not None:
                owner.event = em.id
                owner.date = owner.date or em.date
                continue
            if s.tokens[trig].pos in ("NOUN", "PROPN"):
                claim = self._presupposed(doc, original, s, trig, em, n + len(extra), built)
                if claim is not None:
                    extra.append(claim)
        return extra

    def _presupposed(self, doc, original, s: Sent, trig: int, em: EventMention, n: int, built: list[Claim]) -> Claim | None:
        """ "In the wake of Assad's trip to Moscow Tuesday, ...": the trip is stated too."""
        toks = set(np_core(s, trig))
        for c in s.kids(trig, {"prep", "poss", "compound", "npadvmod"}):
            toks |= set(s.subtree(c))
        toks_l = trim(s.tokens, sorted(toks))
        lemmas = self._lemmas(s, toks_l)
        if len(lemmas) < 2:
            return None
        start, end = _span(doc, s, toks_l)
        sstart, send = doc.clean.to_original(s.sentence.start, s.sentence.end)
        host = next((c for c in built if c.start <= start and end <= c.end), None)
        return Claim(
            id=f"{doc.id}:c{n}", article=doc.id, start=start, end=end, text=original[start:end],
            sentence=s.index, sentence_start=sstart, sentence_end=send, predicate=em.trigger,
            attributed_to=host.attributed_to if host else "outlet",
            attribution_kind=host.attribution_kind if host else "outlet",
            modality="asserted" if host is None or host.modality == "asserted" else host.modality,
            speakers=list(host.speakers) if host else [], lemmas=lemmas, numbers=claim_numbers(s, toks_l, self._time_spans),
            objects=[lemma_of(s.tokens[trig])] + object_heads(s, trig),
            mentions=mentions_in(s, set(toks_l)), places=place_mentions(s, toks_l), date=em.date, event=em.id,
        )


# ----------------------------------------------------------------------------- helpers
def _predicate(t: Token) -> str:
    lemma = t.lemma.lower()
    return "be" if lemma[:1] in ("'", "\u2019") else lemma


def _stronger(a: str, b: str) -> str:
    return a if _MODALITY_RANK[a] >= _MODALITY_RANK[b] else b


def _span(doc: AnalyzedDocument, s: Sent, toks: list[int]) -> tuple[int, int]:
    first, last = s.tokens[toks[0]], s.tokens[toks[-1]]
    return doc.clean.to_original(first.start, last.start + len(last.text))


def _last_person(doc: AnalyzedDocument, before: int) -> str | None:
    people = [m for m in doc.mentions if m.label == "PERSON" and m.end <= before]
    return people[-1].text if people else None


def _dedupe(names: list[str]) -> list[str]:
    out: list[str] = []
    for n in names:
        if not out or out[-1].casefold() != n.casefold():
            out.append(n)
    return out
