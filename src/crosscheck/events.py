"""Event mentions: sentences that report something happening, with who, where, when.

Why a dependency-parse cascade: a news sentence states one main happening, often
wrapped in attribution ("Russian officials said they had proposed ..."). Finding the
trigger, the clause it heads and the reporting verb above it gives the event, its
actors and its source in one pass, and every choice is explainable. Steps per sentence:

1. Candidate triggers: verbs and event nouns from the lexicon (``data/events.json``).
2. Unwrap attribution: a reporting verb whose clause holds another trigger gives the
   source (its subject, or "according to X"), the embedded trigger gives the event.
3. Reality filter: hypothetical clauses ("if", "would", "could") are not events; a
   negated trigger is kept and flagged. Background without a date or actors is dropped.
4. Date: the dated time expression nearest the trigger in the same sentence. A sentence
   with no date stays undated; we never borrow a date from a neighbouring sentence.
5. Actors and places from the entity mentions of the sentence; places are the ones
   governed by a locative preposition ("in Vienna", "to Moscow").
6. Title: subject + verb (+ particle, negation) + object + first prepositional phrase.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Protocol

from crosscheck.models import AnalyzedDocument, EntityMention, EventMention, TimeExpression, Token
from crosscheck.syntax import Sent, parse_sentences

_PLACE_PREPS = frozenset({"in", "to", "at", "from", "into", "near", "inside", "outside", "across", "toward", "towards"})
_PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
_ACTOR_LABELS = frozenset({"PERSON", "ORG", "NORP", "GPE"})
_REALIS_TAGS = frozenset({"VBD", "VBN", "VBZ", "VBP", "VBG"})
_REALIS_AUX = frozenset({"will", "to", "did", "does", "do", "'ll"})  # base-form verbs that still report a happening


@dataclass(frozen=True)
class Lexicon:
    verbs: dict
    nouns: dict
    light: frozenset[str]
    reporting: frozenset[str]
    unnamed: frozenset[str]
    documents: frozenset[str]
    hypothetical: frozenset[str]
    generic_subjects: frozenset[str]

    @classmethod
    def load(cls) -> "Lexicon":
        raw = json.loads(resources.files("crosscheck").joinpath("data/events.json").read_text("utf-8"))
        return cls(
            raw["verb_triggers"], raw["noun_triggers"], frozenset(raw["light_verbs"]), frozenset(raw["reporting_verbs"]),
            frozenset(raw["unnamed_source_heads"]), frozenset(raw["document_heads"]),
            frozenset(raw["hypothetical_markers"]), frozenset(raw["generic_subjects"]),
        )


class EventExtractor(Protocol):
    def __call__(self, doc: AnalyzedDocument, original: str) -> list[EventMention]: ...


class RuleEventExtractor:
    """The default extractor: the numbered cascade in the module docstring."""

    def __init__(self, lexicon: Lexicon | None = None) -> None:
        self.lex = lexicon or Lexicon.load()

    def __call__(self, doc: AnalyzedDocument, original: str) -> list[EventMention]:
        out = []
        for s in parse_sentences(doc, times=True):
            if s.sentence.text.rstrip().endswith("?") or len(s.tokens) < 4:
                continue
            for mention in self._extract(doc, s):
                mention.text = original[mention.start : mention.end]
                out.append(mention)
        return out

    def _extract(self, doc: AnalyzedDocument, s: Sent) -> list[EventMention]:
        """The sentence's main event, plus events named by dated nouns ("Assad's trip to
        Moscow Tuesday") that the main clause only mentions in passing."""
        trigger, reporter = self._main_trigger(s)
        if trigger is None or self._hypothetical(s, trigger):
            return []
        who, how = self._attribution(s, reporter)
        extras, taken = [], []
        for noun, time in self._dated_nouns(s, trigger).items():
            parts = self._participants(s, within=_subtree(s.children, noun))
            extra = self._mention(doc, s, noun, time, parts, who, how, f":n{noun}")
            if extra is not None:  # the noun's date is its own, not the main clause's
                extras.append(extra)
                taken.append(time)
        main = self._mention(doc, s, trigger, _nearest_time(s, trigger, exclude=taken), self._participants(s), who, how, "")
        return ([main] if main is not None else []) + extras

    def _dated_nouns(self, s: Sent, main: int) -> dict[int, TimeExpression]:
        """Event nouns other than the main trigger that carry a date of their own."""
        out = {}
        for i, tok in enumerate(s.tokens):
            if i == main or tok.pos != "NOUN" or tok.lemma.lower() not in self.lex.nouns:
                continue
            dated = [t for t in s.times if t.date is not None and t.type in ("DATE", "TIME") and _attached(s, t, i)]
            if dated:
                out[i] = min(dated, key=lambda t: abs(t.start - tok.start))
        return out

    def _mention(self, doc, s: Sent, trigger: int, time, parts, who: str, how: str, suffix: str) -> EventMention | None:
        actors, places = parts
        if not actors and not places:
            return None
        if time is None and not self._solid_undated(s, trigger, actors, places):
            return None
        tok = s.tokens[trigger]
        start, end = doc.clean.to_original(s.sentence.start, s.sentence.end)
        return EventMention(
            id=f"{doc.id}:{s.index}{suffix}", article=doc.id, start=start, end=end,
            text="", body_start=s.sentence.start, body_end=s.sentence.end,
            trigger=tok.lemma.lower(), kind=self._kind(s, trigger) or "event", title=self._title(s, trigger),
            actors=[], places=[], date=time.date if time else None,
            date_text=time.text if time else None, attributed_to=who, attribution_kind=how,
            negated=any(s.tokens[c].dep == "neg" for c in s.children[trigger]),
            actor_mentions=actors, place_mentions=places,
        )

    # -- step 1-2: triggers and attribution ------------------------------------------
    def _is_trigger(self, s: Sent, i: int) -> bool:
        t = s.tokens[i]
        if t.dep in ("amod", "compound") or s.tokens[max(i - 1, 0)].text == "-":
            return False  # "Oscar-nominated film", "so-called": adjectives, not happenings
        if t.pos == "VERB" and t.lemma.lower() in self.lex.verbs:
            return True
        if t.pos == "VERB" and t.lemma.lower() in self.lex.light:  # "reached an agreement"
            return self._object_kind(s, i) is not None
        return t.pos in ("NOUN", "PROPN") and t.lemma.lower() in self.lex.nouns and t.dep in ("nsubj", "nsubjpass", "dobj", "pobj", "ROOT", "attr", "appos")

    def _main_trigger(self, s: Sent) -> tuple[int | None, int | None]:
        """The trigger closest to the root; a reporting verb yields to a trigger it governs."""
        cands = [i for i in range(len(s.tokens)) if self._is_trigger(s, i) and not _in_relative_clause(s.tokens, i)]
        cands.sort(key=lambda i: (s.depth(i), i))
        if not cands:
            return None, None
        first = cands[0]
        if s.tokens[first].lemma.lower() in self.lex.reporting:
            inner = [i for i in cands[1:] if _governs(s.tokens, first, i) and s.tokens[i].pos == "VERB"]
            inner = [i for i in inner if s.tokens[i].lemma.lower() not in self.lex.reporting] or inner
            if inner:
                return inner[0], first
            return first, first  # a statement: its speaker is its source
        return first, _reporting_ancestor(s.tokens, first, self.lex.reporting)

    def _kind(self, s: Sent, trigger: int) -> str | None:
        """The trigger's class; "announced the signing of" is an agreement, not a statement,
        and "reached an understanding" takes its class from the understanding."""
        tok = s.tokens[trigger]
        if tok.pos not in ("VERB", "AUX"):
            return self.lex.nouns.get(tok.lemma.lower())
        lemma = tok.lemma.lower()
        if lemma in self.lex.reporting or lemma in self.lex.light:
            return self._object_kind(s, trigger) or self.lex.verbs.get(lemma)
        return self.lex.verbs.get(lemma)

    def _object_kind(self, s: Sent, verb: int) -> str | None:
        for c in s.children[verb]:
            noun = s.tokens[c]
            if noun.dep == "dobj" and noun.lemma.lower() in self.lex.nouns:
                return self.lex.nouns[noun.lemma.lower()]
        return None

    def _hypothetical(self, s: Sent, trigger: int) -> bool:
        t = s.tokens[trigger]
        kids = [s.tokens[c] for c in s.children[trigger]]
        if any(k.dep in ("mark", "aux") and k.text.lower() in self.lex.hypothetical for k in kids):
            return True
        return t.pos == "VERB" and t.tag not in _REALIS_TAGS and not any(k.text.lower() in _REALIS_AUX for k in kids)

    def _solid_undated(self, s: Sent, trigger: int, actors: list[int], places: list[int]) -> bool:
        """Undated sentences count only when a finite past verb links two named participants."""
        t = s.tokens[trigger]
        return t.pos == "VERB" and t.tag in ("VBD", "VBN") and len(set(actors) | set(places)) >= 2

    def _attribution(self, s: Sent, reporter: int | None) -> tuple[str, str]:
        acc = _according_to(s.tokens, s.children)
        if acc is not None:
            return self._source_of(s, acc)
        if reporter is not None:
            subj = next((c for c in s.children[reporter] if s.tokens[c].dep in ("nsubj", "nsubjpass")), None)
            if subj is not None and s.tokens[subj].text.lower() not in self.lex.generic_subjects:
                return self._source_of(s, subj)
        return "outlet", "outlet"

    def _source_of(self, s: Sent, head: int) -> tuple[str, str]:
        span = _subtree(s.children, head)
        text = _span_text(s.tokens, _core(s, head), limit=8)
        labels = {m.label for _, m in s.mentions if _inside(m, s.tokens, span)}
        lemma = s.tokens[head].lemma.lower()
        if lemma in self.lex.documents:
            return text, "document"
        if "PERSON" in labels:
            return text, "person"
        if lemma in self.lex.unnamed:
            return text, "sources"
        if labels & {"ORG", "GPE", "NORP"}:
            return text, "organization"
        return text, "person"

    # -- step 5-6: participants and title --------------------------------------------
    def _participants(self, s: Sent, within: list[int] | None = None) -> tuple[list[int], list[int]]:
        actors, places = [], []
        for idx, m in s.mentions:
            head = _token_at(s.tokens, m.end - 1)
            if within is not None and head not in within:
                continue
            prep = s.tokens[s.tokens[head].head] if head is not None else None
            locative = prep is not None and s.tokens[head].dep == "pobj" and prep.text.lower() in _PLACE_PREPS
            if m.label in _PLACE_LABELS and (locative or m.label != "GPE"):
                places.append(idx)
            elif m.label in _ACTOR_LABELS:
                actors.append(idx)
        return actors, places

    def _title(self, s: Sent, trigger: int) -> str:
        t = s.tokens[trigger]
        parts: list[tuple[float, str]] = []
        kids = s.children[trigger]
        subj = next((c for c in kids if s.tokens[c].dep in ("nsubj", "nsubjpass")), None)
        if subj is not None and (_dateline_word(s.tokens, subj) or s.tokens[subj].pos == "PRON"):
            subj = None  # "ALDERMERE —" is a dateline, "he" names nobody: an actor stands in
        if subj is not None:
            parts.append((subj, _span_text(s.tokens, _core(s, subj), limit=6)))
        verb = [c for c in kids if s.tokens[c].dep in ("neg", "prt", "auxpass")] + [trigger]
        parts.append((trigger, " ".join(s.tokens[i].text for i in sorted(verb))))
        obj = next((c for c in kids if s.tokens[c].dep in ("dobj", "attr", "dative")), None)
        said = next((c for c in kids if s.tokens[c].dep == "ccomp"), None)
        if obj is None and said is not None and t.lemma.lower() in self.lex.reporting:
            parts.append((trigger + 0.5, _span_text(s.tokens, _subtree(s.children, said), limit=10, head=True)))
        if obj is not None:
            parts.append((obj, _span_text(s.tokens, _core(s, obj), limit=6)))
        prep = next((c for c in kids if s.tokens[c].dep in ("prep", "agent") and c > trigger), None)
        if prep is not None:
            pobj = next((c for c in s.children[prep] if s.tokens[c].dep == "pobj"), None)
            if pobj is not None:
                parts.append((prep, s.tokens[prep].text + " " + _span_text(s.tokens, _core(s, pobj), limit=5)))
        if t.pos != "VERB":
            return self._noun_title(s, trigger)
        if subj is None:
            actor = next((m.text for _, m in s.mentions if m.label in _ACTOR_LABELS), None)
            if actor:
                parts.append((-1, actor))
        title = " ".join(p for _, p in sorted(parts))
        return title[:1].upper() + title[1:]

    def _noun_title(self, s: Sent, noun: int) -> str:
        """ "meeting in Vienna between John Kerry, Sergei Lavrov" from an event noun."""
        words = [_span_text(s.tokens, _core(s, noun), limit=6)]
        for c in s.children[noun]:
            if s.tokens[c].dep == "prep" and s.tokens[c].text.lower() not in ("on", "at", "during", "after", "before"):
                pobj = next((g for g in s.children[c] if s.tokens[g].dep == "pobj"), None)
                if pobj is not None:
                    names = [pobj] + [g for g in s.children[pobj] if s.tokens[g].dep in ("conj", "appos")]
                    words.append(s.tokens[c].text + " " + ", ".join(_name_or_core(s, g) for g in names[:3]))
        title = " ".join(words)
        return title[:1].upper() + title[1:]


# ----------------------------------------------------------------------------- helpers
def _dateline_word(tokens: list[Token], i: int) -> bool:
    """ "ALDERMERE — Negotiators met": the capitalised place of a dateline, not a subject."""
    nxt = tokens[i + 1].text if i + 1 < len(tokens) else ""
    return tokens[i].text.isupper() and len(tokens[i].text) >= 4 and nxt in ("\u2014", "\u2013", "-", "--")


def _quoted(text: str, offset: int) -> list[tuple[int, int]]:
    """Body ranges between quotation marks in a sentence."""
    spans, start = [], None
    for i, ch in enumerate(text):
        if ch in "\u201c\"" and start is None:
            start = i
        elif ch in "\u201d\"" and start is not None:
            spans.append((offset + start, offset + i + 1))
            start = None
    if start is not None:
        spans.append((offset + start, offset + len(text)))
    return spans


def _in_relative_clause(tokens: list[Token], i: int) -> bool:
    """Whether token i sits in a relative or adnominal clause (background, not the news)."""
    for _ in range(50):
        if tokens[i].dep in ("relcl", "acl"):
            return True
        if tokens[i].head == i:
            return False
        i = tokens[i].head
    return False


def _governs(tokens: list[Token], ancestor: int, i: int) -> bool:
    for _ in range(50):
        if tokens[i].head == i:
            return False
        i = tokens[i].head
        if i == ancestor:
            return True
    return False


def _reporting_ancestor(tokens: list[Token], i: int, reporting: frozenset[str]) -> int | None:
    for _ in range(50):
        if tokens[i].head == i:
            return None
        i = tokens[i].head
        if tokens[i].pos == "VERB" and tokens[i].lemma.lower() in reporting:
            return i
    return None


def _according_to(tokens: list[Token], children: list[list[int]]) -> int | None:
    for i, t in enumerate(tokens[:-1]):
        if t.text.lower() == "according" and tokens[i + 1].text.lower() == "to":
            return next((c for c in children[i + 1] if tokens[c].dep == "pobj"), None)
    return None


def _nearest_time(s: Sent, trigger: int, exclude: list[TimeExpression] = ()) -> TimeExpression | None:
    """The dated expression that modifies the trigger's own clause.

    A date inside another noun phrase ("won the November 2022 election") dates that
    phrase, not the event: the walk from the date up to the trigger may not pass
    through another noun or verb. Among attached dates the nearest wins.
    """
    quotes = _quoted(s.sentence.text, s.sentence.start)
    pos = s.tokens[trigger].start
    outside = not any(a <= pos < b for a, b in quotes)  # "today" in a quote is the speaker's day
    dated = [t for t in s.times if t.date is not None and t.type in ("DATE", "TIME") and t not in exclude
             and not (outside and any(a <= t.start < b for a, b in quotes))]
    attached = [t for t in dated if _attached(s, t, trigger)]
    if not attached:  # parse slips ("Port Serin late Thursday night"): trust day-level deixis
        attached = [t for t in dated if t.date.precision == "day" and (t.weekday is not None or t.anchor != "absolute")]
    if not attached:
        return None
    return min(attached, key=lambda t: (abs(t.start - pos), t.start))


_DATE_WORDS = frozenset({"day", "night", "morning", "evening", "afternoon", "week", "month", "year", "weekend", "time", "date", "hour", "hours", "days", "weeks", "months", "years", "later", "earlier", "ago"})


def _attached(s: Sent, t: TimeExpression, trigger: int) -> bool:
    inside = [i for i, tok in enumerate(s.tokens) if t.start <= tok.start < t.end]
    if not inside:
        return False
    i = inside[-1]
    for _ in range(50):
        if i == trigger:
            return True
        tok = s.tokens[i]
        if tok.head == i:
            return False
        i = tok.head
        if i == trigger:
            return True
        head = s.tokens[i]
        in_span = t.start <= head.start < t.end
        if not in_span and head.pos in ("NOUN", "PROPN", "VERB") and head.text.lower() not in _DATE_WORDS:
            return False
    return False


def _subtree(children: list[list[int]], head: int) -> list[int]:
    out, stack = [], [head]
    while stack:
        i = stack.pop()
        out.append(i)
        stack.extend(children[i])
    return sorted(out)


def _core(s: Sent, head: int) -> list[int]:
    """A noun phrase's head with its compounds, modifiers and names (no clauses)."""
    keep = {"compound", "amod", "poss", "nummod", "nmod", "case", "flat"}
    out = [head]
    for c in s.children[head]:
        if s.tokens[c].dep in keep:
            out.extend(_subtree(s.children, c))
    return sorted(out)


def _name_or_core(s: Sent, i: int) -> str:
    """The entity name covering token i, else its noun phrase core."""
    pos = s.tokens[i].start
    for _, m in s.mentions:
        if m.start <= pos < m.end:
            return m.text
    return _span_text(s.tokens, _core(s, i), limit=4)


def _span_text(tokens: list[Token], idx: list[int], limit: int, head: bool = False) -> str:
    """Tokens joined as text, punctuation and spaces dropped; at most ``limit`` tokens
    (the last ones for noun phrases, whose head comes last; the first with ``head``)."""
    idx = [i for i in idx if tokens[i].pos not in ("PUNCT", "SPACE") or tokens[i].text in ("'s", "\u2019s", "-")]
    if len(idx) > limit:
        idx = idx[:limit] if head else idx[-limit:]
    text = ""
    for i in idx:
        tok = tokens[i]
        glue = tok.text.startswith(("'", "\u2019")) or tok.text == "-" or (text.endswith("-"))
        text += ("" if glue or not text else " ") + tok.text
    return text


def _token_at(tokens: list[Token], pos: int) -> int | None:
    for i, t in enumerate(tokens):
        if t.start <= pos < t.start + len(t.text):
            return i
    return None


def _inside(m: EntityMention, tokens: list[Token], span: list[int]) -> bool:
    if not span:
        return False
    lo, hi = tokens[span[0]].start, tokens[span[-1]].start + len(tokens[span[-1]].text)
    return lo <= m.start and m.end <= hi
