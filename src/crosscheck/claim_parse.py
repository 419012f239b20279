"""Parse helpers for claim extraction: a sentence's dependency tree and what hangs on it.

Why apart from ``claims.py``: these are small, pure functions over one sentence's tokens
(subtrees, noun-phrase cores, object heads, numbers, places, quotation spans) that the
extraction steps combine; keeping them here leaves ``claims.py`` with the steps only.
"""

from __future__ import annotations

import re
from typing import Sequence

from crosscheck.models import Token
from crosscheck.syntax import Sent

_VERBAL = frozenset({"VERB", "AUX"})
_OPEN_QUOTES = "\u201c\u00ab"
_CLOSE_QUOTES = "\u201d\u00bb"


def root_of(s: Sent) -> int:
    return next((t.i for t in s.tokens if t.head == t.i and t.pos not in ("PUNCT", "SPACE")), 0)


def quote_regions(body: str) -> list[tuple[int, int]]:
    """Body ranges [open, close) of curly or straight double quotes within one paragraph."""
    out: list[tuple[int, int]] = []
    for para in re.finditer(r"[^\n]+", body):
        start = None
        for i, ch in enumerate(para.group(0)):
            pos = para.start() + i
            text = para.group(0)
            opener = ch in _OPEN_QUOTES or ch == '"' or (  # ": ”We are" typed with a closing mark
                ch in _CLOSE_QUOTES and (i == 0 or text[i - 1] in " :") and i + 1 < len(text) and text[i + 1].isalnum())
            if start is None and opener:
                start = pos
            elif start is not None and (ch in _CLOSE_QUOTES or ch == '"'):
                out.append((start, pos))
                start = None
    return out


def coverage(s: Sent, a: int, b: int) -> float:
    """Share of the sentence's characters inside the quote [a, b)."""
    lo, hi = s.sentence.start, s.sentence.end
    return max(0, min(hi, b) - max(lo, a)) / max(1, hi - lo)


def according_to(s: Sent) -> int | None:
    for i, t in enumerate(s.tokens[:-1]):
        if t.text.lower() == "according" and s.tokens[i + 1].text.lower() == "to":
            return next((c for c in s.children[i + 1] if s.tokens[c].dep == "pobj"), None)
    return None


def according_span(s: Sent) -> list[int]:
    for i, t in enumerate(s.tokens[:-1]):
        if t.text.lower() == "according" and s.tokens[i + 1].text.lower() == "to":
            return sorted({i} | set(s.subtree(i)) | set(s.subtree(i + 1)))
    return []


def verb_conjuncts(s: Sent, head: int) -> list[int]:
    out = []
    for c in s.kids(head, {"conj"}):
        if s.tokens[c].pos in _VERBAL:
            out.append(c)
            out.extend(verb_conjuncts(s, c))
    return out


OBJECT_PREPS = frozenset({"for", "on", "of", "about", "against", "over", "to", "into", "with"})


def lemma_of(t: Token) -> str:
    return (t.text if t.pos == "PROPN" else t.lemma).lower()


def object_heads(s: Sent, head: int, depth: int = 0) -> list[str]:
    """Head lemmas of what a predicate is about: its objects (through "to" verbs and one
    preposition: "agreed to conduct joint patrols", "a proposal for joint patrols")."""
    out: list[str] = []
    for c in s.children[head]:
        t = s.tokens[c]
        if t.dep in ("dobj", "attr", "oprd", "nsubjpass", "acomp") and t.pos not in ("PRON", "DET"):
            out.append(lemma_of(t))
            out += [lemma_of(s.tokens[g]) for p in s.kids(c, {"prep"}) if s.tokens[p].text.lower() in OBJECT_PREPS
                    for g in s.kids(p, {"pobj"})]
        elif t.dep == "xcomp" and depth == 0:
            out.append(lemma_of(t))
            out += object_heads(s, c, depth + 1)
        elif t.dep == "prep" and t.text.lower() in OBJECT_PREPS:
            out += [lemma_of(s.tokens[g]) for g in s.kids(c, {"pobj"})]
    return list(dict.fromkeys(out))


def object_tokens(s: Sent, head: int) -> list[int]:
    toks: list[int] = []
    for c in s.kids(head, {"dobj", "attr", "xcomp", "nsubjpass"}):
        toks.extend(s.subtree(c))
    return toks


def np_core(s: Sent, head: int) -> list[int]:
    """A noun phrase's head with its compounds, modifiers and names (no clauses)."""
    keep = {"compound", "amod", "poss", "nummod", "nmod", "case", "flat", "det"}
    out = [head]
    for c in s.children[head]:
        if s.tokens[c].dep in keep:
            out.extend(s.subtree(c))
    return sorted(out)


def join_tokens(tokens: list[Token], idx: list[int]) -> str:
    text = ""
    for i in idx:
        tok = tokens[i]
        if tok.pos in ("PUNCT", "SPACE") and tok.text not in ("-",):
            continue
        glue = tok.text.startswith(("'", "\u2019")) or tok.text == "-" or text.endswith("-")
        text += ("" if glue or not text else " ") + tok.text
    return re.sub(r"^(?:the|a|an)\s+(?=[A-Z])", "", text)


def trim(tokens: list[Token], idx: list[int]) -> list[int]:
    """Drop punctuation, quote marks and conjunctions at both edges, and a leading
    subordinator ("that …", "because …": the clause, not its link)."""
    edge = ("PUNCT", "SPACE", "CCONJ")
    while idx and (tokens[idx[0]].pos in edge or tokens[idx[0]].dep in ("cc", "mark")):
        idx = idx[1:]
    while idx and (tokens[idx[-1]].pos in edge or tokens[idx[-1]].dep == "cc"):
        idx = idx[:-1]
    return idx


BOUNDS = frozenset({"than", "over", "about", "around", "nearly", "almost", "least", "to", "some", "roughly",
                     "approximately", "between", "and", "under", "below", "above", "up", "least", "most"})


def claim_numbers(s: Sent, toks: list[int], times: Sequence[tuple[int, int]] = ()) -> list[str]:
    out = []
    for i in toks:
        t = s.tokens[i]
        near = {s.tokens[j].text.lower() for j in (i - 1, i + 1) if 0 <= j < len(s.tokens)}
        bounded = any(s.tokens[c].dep in ("quantmod", "advmod") for c in s.children[i]) or (
            i > 0 and s.tokens[i - 1].text.lower() in BOUNDS) or bool(near & {"-", "to", "\u2013"})
        in_time = any(a <= t.start < b for a, b in times)  # "15 Jan" is a date, not a count
        if t.pos == "NUM" and t.dep == "nummod" and any(ch.isdigit() for ch in t.text) and not bounded and not in_time:
            noun = s.tokens[t.head]
            if not noun.text.isalpha():
                continue
            out.append(f"{t.text.replace(',', '')} {noun.lemma.lower()}")
    return out


def mentions_in(s: Sent, toks: set[int]) -> list[int]:
    starts = {s.tokens[i].start for i in toks}
    return [idx for idx, m in s.mentions if any(m.start <= p < m.end for p in starts)]


PLACE_PREPS = frozenset({"in", "at", "near", "inside", "outside", "to", "from"})


def place_mentions(s: Sent, toks: list[int]) -> list[int]:
    """Place mentions governed by a locative preposition ("in Vienna", "to Moscow")."""
    out = []
    for idx, m in s.mentions:
        if m.label not in ("GPE", "LOC", "FAC"):
            continue
        head = next((i for i in toks if s.tokens[i].start < m.end and s.tokens[i].start >= m.start
                     and not (m.start <= s.tokens[s.tokens[i].head].start < m.end)), None)
        if head is not None and s.tokens[head].dep == "pobj" and s.tokens[s.tokens[head].head].text.lower() in PLACE_PREPS:
            out.append(idx)
    return out


