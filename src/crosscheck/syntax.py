"""One analysed sentence as a dependency tree: the view the events and claims stages read.

Why a module of its own: both stages walk the same tree (children lists, subtrees, the
entity mentions and time expressions of the sentence); building it in one place keeps
them from drifting apart, and neither stage reaches into the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crosscheck.models import AnalyzedDocument, EntityMention, Sentence, TimeExpression, Token


@dataclass
class Sent:
    index: int
    sentence: Sentence
    tokens: list[Token]
    children: list[list[int]]
    mentions: list[tuple[int, EntityMention]]  # (index in doc.mentions, mention)
    times: list[TimeExpression] = field(default_factory=list)  # only when asked for

    def subtree(self, head: int) -> list[int]:
        out, stack = [], [head]
        while stack:
            i = stack.pop()
            out.append(i)
            stack.extend(self.children[i])
        return sorted(out)

    def kids(self, head: int, deps: frozenset[str] | set[str]) -> list[int]:
        return [c for c in self.children[head] if self.tokens[c].dep in deps]

    def depth(self, i: int) -> int:
        d = 0
        while self.tokens[i].head != i and d < 60:
            i, d = self.tokens[i].head, d + 1
        return d


def parse_sentences(doc: AnalyzedDocument, *, times: bool = False) -> list[Sent]:
    """Every sentence of ``doc`` with its children lists and entity mentions, and with
    its time expressions when ``times``."""
    by_sentence: dict[int, list[tuple[int, EntityMention]]] = {}
    for i, m in enumerate(doc.mentions):
        by_sentence.setdefault(m.sentence, []).append((i, m))
    out = []
    for i, (sent, toks) in enumerate(zip(doc.sentences, doc.tokens)):
        children: list[list[int]] = [[] for _ in toks]
        for t in toks:
            if t.head != t.i:
                children[t.head].append(t.i)
        found = [t for t in doc.times if sent.start <= t.start < sent.end] if times else []
        out.append(Sent(i, sent, toks, children, by_sentence.get(i, []), found))
    return out
