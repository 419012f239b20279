"""Independent origins: which outlet a report really comes from.

Why: ten copies of one wire story are one source, not ten. Corroboration is counted in
independent origins, so every article and every claim is traced back as far as the
text allows:

1. Article level: a re-post (ingest's near-duplicate record) has the origin of the
   article it repeats; an article whose stripped boilerplate says "The post … appeared
   first on X" (X not its own outlet) comes from X; otherwise its own outlet; an
   article whose outlet is unknown is its own origin.
2. Claim level: a sentence that relays another outlet ("Reuters reported", "first
   reported by The Washington Post", "according to the Reuters report", "a memo seen by
   Reuters", "Reuters continues:") or a speaker chain that starts with one gives the
   claim that outlet as its origin. An outlet naming itself ("seen by the Kestrel
   Morning Post") is not a relay.

A name counts as an outlet when another article of the corpus has it as its outlet,
when it is a known wire service or broadcaster, or when its last word makes it a
publication ("… Times", "… Post"); every cue is in ``data/origins.json``. Origins
compare by a normalised key (case, a leading "The", a possessive).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from importlib import resources
import datetime as _dt
from typing import Iterable, Iterator, Mapping, Sequence

from crosscheck.models import ArticleSummary, Claim, DuplicateRecord

_FAR = _dt.date.max
# An outlet's name starts a word ("IBM added" names no "M"); the guard also spares the
# regex engine a try at every capital letter inside a word.
NAME = r"(?<![\w&.'\u2019-])(?:[Tt]he )?[A-Z][\w&.'\u2019-]*(?: (?:of |and |& )?[A-Z][\w&.'\u2019-]*){0,5}"


@dataclass(frozen=True)
class OriginLexicon:
    agencies: frozenset[str]  # normalised keys
    suffixes: frozenset[str]
    not_outlets: frozenset[str]
    relay: tuple[re.Pattern, ...]
    first_appeared: tuple[re.Pattern, ...]

    @classmethod
    def load(cls) -> "OriginLexicon":
        raw = json.loads(resources.files("crosscheck").joinpath("data/origins.json").read_text("utf-8"))
        return cls(
            frozenset(origin_key(a) for a in raw["agencies"]), frozenset(raw["name_suffixes"]),
            frozenset(origin_key(n) for n in raw["not_outlets"]),
            tuple(re.compile(p.replace("NAME", NAME)) for p in raw["relay_patterns"]),
            tuple(re.compile(p, re.I | re.M) for p in raw["first_appeared_patterns"]),
        )


@dataclass(frozen=True)
class Origin:
    """Where a report comes from: ``name`` to show, ``key`` to count independent origins."""

    name: str
    key: str
    evidence: str | None = None  # the text that named it (None: the article's own outlet)
    relayed: bool = False  # named by the text as someone else's report


def origin_key(name: str) -> str:
    """Normalised outlet name: "The Washington Post's" -> "washington post"."""
    key = name.strip().replace("\u2019", "'")
    key = re.sub(r"'s$", "", key)
    key = re.sub(r"^the\s+", "", key, flags=re.I)
    key = re.sub(r"^(?:https?://)?(?:www\.)?", "", key)
    return re.sub(r"\s+", " ", key).strip(" .,;:").casefold()


def _same_as(duplicates: Iterable[DuplicateRecord], pairs: Iterable[tuple[str, str | None]]) -> dict[str, str]:
    """Re-post -> original: the run's duplicate records, then each article's own (which wins)."""
    out = {d.article: d.same_as for d in duplicates if d.article != d.same_as}
    out.update({article: same for article, same in pairs if same and same != article})
    return out


class OriginResolver:
    """Resolves article and claim origins for one storyline (the steps in the docstring)."""

    def __init__(
        self,
        outlets: Mapping[str, str | None],
        same_as: Mapping[str, str],
        removed: Mapping[str, list[str]],
        lexicon: OriginLexicon | None = None,
        known: Iterable[str] = (),
    ) -> None:
        """``same_as``: a re-post's article -> the article it repeats; ``removed``: each
        article's stripped boilerplate texts (where "appeared first on X" is found);
        ``known``: more outlets of the corpus (an increment resolves a few articles of it)."""
        self.lex = lexicon or OriginLexicon.load()
        self.outlets = dict(outlets)
        self.known = {origin_key(o) for o in [*self.outlets.values(), *known] if o}
        self.same_as = dict(same_as)
        self.removed = dict(removed)
        self._cache: dict[str, Origin] = {}

    @classmethod
    def from_articles(cls, articles: Sequence[ArticleSummary], duplicates: Iterable[DuplicateRecord] = (),
                      lexicon: OriginLexicon | None = None, known: Iterable[str] = ()) -> "OriginResolver":
        """From a storyline's article summaries, which carry the same facts as the records
        (outlet, the article re-posted, removed boilerplate): verification need not hold
        every record for them."""
        pairs = [(a.id, a.same_origin_as) for a in articles]
        removed = {a.id: [x.text for x in a.removed] for a in articles}
        return cls({a.id: a.outlet for a in articles}, _same_as(duplicates, pairs), removed, lexicon, known)

    # -- articles -------------------------------------------------------------------
    def article_origin(self, article: str) -> Origin:
        if article not in self._cache:
            self._cache[article] = self._article_origin(article, set())
        return self._cache[article]

    def _article_origin(self, article: str, seen: set[str]) -> Origin:
        seen.add(article)
        original = self.same_as.get(article)
        if original is not None and original not in seen:
            base = self._article_origin(original, seen)
            return Origin(base.name, base.key, f"re-post of {original}", True)
        own = self.outlets.get(article)
        for text in self.removed.get(article, []):
            for pattern in self.lex.first_appeared:
                m = pattern.search(text)
                if m and own is not None and not self.is_self(m.group("outlet"), own):
                    name = m.group("outlet").strip()
                    return Origin(name, origin_key(name), m.group(0).strip(), True)
        if own:
            return Origin(own, origin_key(own))
        return Origin(f"unknown outlet ({article})", f"article:{article}")

    # -- claims ---------------------------------------------------------------------
    def claim_origin(self, claim: Claim, sentence: str) -> Origin:
        """The relayed outlet named for this claim, else its article's origin."""
        own = self.outlets.get(claim.article) or ""
        for speaker in claim.speakers:  # outermost voice first: "Reuters", then "the memo"
            name = self.outlet_in(speaker, own)
            if name:
                return Origin(name, origin_key(name), f"speaker: {speaker}", True)
        lowered = sentence[:1].lower() + sentence[1:]  # "According to …" at the start
        for pattern in self.lex.relay:
            for m in _relay_matches(pattern, sentence, lowered):
                name = self.outlet_in(m.group("outlet"), own)
                if name:
                    return Origin(name, origin_key(name), m.group(0), True)
        return self.article_origin(claim.article)

    def outlet_in(self, text: str, own: str) -> str | None:
        """The longest word-suffix of ``text`` that names an outlet other than ``own``."""
        words = re.sub(r"(?:'s|\u2019s)$", "", text.strip()).split()
        while words and words[-1].lower() in ("report", "reports", "reporting", "story", "memo"):
            words = words[:-1]  # "the Reuters report" names Reuters
        for i in range(len(words)):
            name = " ".join(words[i:])
            if self.is_outlet(name):
                return None if own and self.is_self(name, own) else re.sub(r"^[Tt]he ", "", name)
        return None

    def is_outlet(self, name: str) -> bool:
        key = origin_key(name)
        if not key or key in self.lex.not_outlets or not name[:1].isupper() and not name.lower().startswith("the "):
            return False
        if key in self.known or key in self.lex.agencies:
            return True
        words = re.sub(r"^[Tt]he ", "", name).split()
        return len(words) >= 2 and words[-1] in self.lex.suffixes and all(w[:1].isupper() for w in words)

    @staticmethod
    def is_self(name: str, own: str) -> bool:
        a, b = set(origin_key(name).split()), set(origin_key(own).split())
        return bool(a) and (a == b or a <= b)


def _relay_matches(pattern: re.Pattern, sentence: str, lowered: str) -> Iterator[re.Match]:
    """The pattern's matches in the sentence, then one at the start of its lowered form:
    elsewhere the two texts are the same, so scanning both would find the same matches twice."""
    yield from pattern.finditer(sentence)
    if lowered != sentence and (m := pattern.match(lowered)):
        yield m


COPY_MIN_WORDS = 8  # shorter sentences repeat by chance ("The talks ended on Friday.")


def copied_sentences(items: Sequence[tuple[str, str | None, Origin, tuple | None]]) -> dict[int, Origin]:
    """Wire copy at sentence level: (article, ``copy_key`` of its sentence, origin, window)
    per claim -> {index: origin} for claims whose sentence appears word for word in an
    earlier article of another origin (earliest window first, then article id). That
    article's origin becomes theirs: two sites running one agency sentence are one source."""
    groups: dict[str, list[int]] = {}
    for i, (_article, key, _origin, _window) in enumerate(items):
        if key is not None:
            groups.setdefault(key, []).append(i)
    out: dict[int, Origin] = {}
    for members in groups.values():
        found = copied_within([(items[i][0], items[i][2], items[i][3]) for i in members])
        out.update({members[k]: origin for k, origin in found.items()})
    return out


def copied_within(group: Sequence[tuple[str, Origin, tuple | None]]) -> dict[int, Origin]:
    """One group of claims with the same sentence, as (article, origin, window): the
    earliest one's origin for those of another origin, by position in the group (see
    ``copied_sentences``; ``verify_increment`` calls it on stored and new claims)."""
    if len({origin.key for _a, origin, _w in group}) < 2:
        return {}
    first = min(range(len(group)), key=lambda i: (group[i][2] or (_FAR,))[0:1] + (group[i][0],))
    article, source, _window = group[first]
    return {i: Origin(source.name, source.key, f"same sentence as {article}", True)
            for i, (_a, origin, _w) in enumerate(group) if origin.key != source.key}


def copy_key(sentence: str) -> str | None:
    """The key two word-for-word copies of a sentence share (a digest of its lowered
    words), or None for a sentence too short to count as a copy."""
    words = re.findall(r"\w+", sentence.lower())
    if len(words) < COPY_MIN_WORDS:
        return None
    return hashlib.blake2b(" ".join(words).encode("utf-8"), digest_size=12).hexdigest()
