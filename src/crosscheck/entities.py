"""Entity resolution: one canonical entity per real-world actor across all articles.

Why rules before learning: news names one actor in a handful of regular ways (a full
name, the surname after first mention, a title, an acronym, a transliteration with or
without "al-"), so the cascade below is precise and explainable, and every merge can be
traced to a rule. The steps, in order:

1. Normalise each mention: straighten quotes, drop a leading "the", a possessive "'s"
   and, for people, leading titles ("Mr.", "President", "Sen.").
2. Known alias groups (``data/aliases.json``: ISIS/ISIL/Islamic State, US/U.S./America,
   demonyms to their country) map a surface form straight to one entity.
3. People: full names group by their name tokens without particles and middle initials
   ("Bashar al-Assad" = "Bashar Assad", "Vladimir V. Putin" = "Vladimir Putin"); a lone
   surname ("Assad", "Mr. Kerry") joins the one full name with that surname (the one in
   the same article if several).
4. Organisations: an acronym joins the name whose initials it spells; a short name whose
   distinctive words are all inside exactly one longer name joins it ("Nusra" -> "Nusra
   Front").
5. The canonical name is the most frequent multi-word form; the id is its slug.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from importlib import resources
from typing import Callable, Mapping, Protocol, Sequence

from crosscheck.models import Entity, EntityMention, EntityRef

MentionKey = tuple[str, int, int]  # (article, body start, body end)
Locate = Callable[[str, int, int], EntityRef]

_TYPE_GROUP = {"PERSON": "PERSON", "ORG": "ORG", "GPE": "GPE", "LOC": "GPE", "NORP": "NORP", "FAC": "FAC", "EVENT": "EVENT"}
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})


@dataclass(frozen=True)
class AliasData:
    groups: Mapping[str, tuple[str, str]]  # alias -> (canonical name, type)
    titles: frozenset[str]
    particles: frozenset[str]
    generic: frozenset[str]

    @classmethod
    def load(cls) -> "AliasData":
        raw = json.loads(resources.files("crosscheck").joinpath("data/aliases.json").read_text("utf-8"))
        groups = {a: (g["name"], g["type"]) for g in raw["groups"] for a in g["aliases"]}
        return cls(groups, frozenset(raw["titles"]), frozenset(raw["name_particles"]), frozenset(raw["generic_org_words"]))


@dataclass
class Resolution:
    entities: list[Entity]
    ids: dict[MentionKey, str]  # mention -> entity id


class Resolver(Protocol):
    def __call__(self, mentions: Sequence[EntityMention], locate: Locate) -> Resolution: ...


def normalize(text: str, label: str, data: AliasData) -> str:
    """Surface form -> comparison key (lower case, titles and possessives removed)."""
    s = unicodedata.normalize("NFKC", text).translate(_QUOTES).strip(" \"'.,;:()[]")
    s = re.sub(r"'s$|'$", "", s)
    s = re.sub(r"\s+", " ", s)
    words = s.split(" ")
    if words and words[0].lower() == "the":
        words = words[1:]
    if label == "PERSON":
        while len(words) > 1 and words[0].lower() in data.titles:
            words = words[1:]
    return " ".join(words).lower()


def _name_tokens(key: str, data: AliasData) -> tuple[str, ...]:
    """Person-name tokens without particles ("al-"), middle initials and hyphen prefixes."""
    out = []
    for w in key.replace(".", ". ").split():
        w = w.strip(".")
        for p in data.particles:
            if w.startswith(p + "-"):
                w = w[len(p) + 1 :]
        if w and w not in data.particles and len(w) > 1:
            out.append(w)
    return tuple(out)


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


class RuleResolver:
    """The default resolver: the numbered cascade in the module docstring."""

    def __init__(self, data: AliasData | None = None) -> None:
        self.data = data or AliasData.load()

    def __call__(self, mentions: Sequence[EntityMention], locate: Locate) -> Resolution:
        keyed = [(m, self._key(m)) for m in mentions]
        keyed = [(m, k) for m, k in keyed if k]
        uf = _UnionFind()
        for _, k in keyed:
            uf.find(k)
        self._link_same_form(keyed, uf)
        self._link_people(keyed, uf)
        self._link_orgs(keyed, uf)
        self._link_demonyms(keyed, uf)
        return self._build(keyed, uf, locate)

    def _link_same_form(self, keyed, uf: _UnionFind) -> None:
        """One name tagged with different types ("Port Serin" as GPE, FAC, ORG) is one entity.
        A person keeps a single-word name to itself ("Washington" the man, not the city)."""
        by_form: dict[str, list[str]] = defaultdict(list)
        for _, k in keyed:
            typ, form = k.split("|", 1)
            group = form if (" " in form or typ != "PERSON") else k
            if k not in by_form[group]:
                by_form[group].append(k)
        for keys in by_form.values():
            for other in keys[1:]:
                uf.union(keys[0], other)

    def _link_demonyms(self, keyed, uf: _UnionFind) -> None:
        """A nationality word joins the one place whose name it derives from
        ("Valdorian" -> "Valdoria", "Kestrelian" -> "Kestrel")."""
        by_prefix: dict[str, list[str]] = defaultdict(list)  # a derived demonym shares the first 4 letters
        for p in sorted({k for _, k in keyed if k.startswith("GPE|")}):
            by_prefix[p.split("|", 1)[1].split(" ")[0][:4]].append(p)
        for _, k in keyed:
            if not k.startswith("NORP|"):
                continue
            form = k.split("|", 1)[1]
            stems = [p for p in by_prefix.get(form[:4], ()) if _derives(form, p.split("|", 1)[1])]
            if stems:
                uf.union(k, min(stems, key=len))

    def _key(self, m: EntityMention) -> str:
        """Node key "TYPE|normalised form"; alias groups collapse to their canonical name."""
        norm = normalize(m.text, m.label, self.data)
        if not norm or not any(c.isalpha() for c in norm):
            return ""
        if norm in self.data.groups:
            name, typ = self.data.groups[norm]
            return f"{typ}|{name.lower()}"
        group = _TYPE_GROUP.get(m.label, "OTHER")
        if group == "PERSON":
            return "PERSON|" + " ".join(_name_tokens(norm, self.data))
        return f"{group}|{norm}"

    def _link_people(self, keyed, uf: _UnionFind) -> None:
        full_by_last: dict[str, set[str]] = defaultdict(set)
        articles_of: dict[str, set[str]] = defaultdict(set)
        for m, k in keyed:
            articles_of[k].add(m.article)
            toks = k.split("|", 1)[1].split()
            if k.startswith("PERSON|") and len(toks) >= 2:
                full_by_last[toks[-1]].add(k)
        for m, k in keyed:
            toks = k.split("|", 1)[1].split()
            if not k.startswith("PERSON|") or len(toks) != 1:
                continue
            candidates = {uf.find(c) for c in full_by_last.get(toks[0], ())}
            if len(candidates) > 1:  # prefer the full name used in the same article
                local = {uf.find(c) for c in full_by_last[toks[0]] if m.article in articles_of[c]}
                candidates = local if len(local) == 1 else candidates
            if len(candidates) == 1:
                uf.union(k, candidates.pop())

    def _link_orgs(self, keyed, uf: _UnionFind) -> None:
        """Acronyms and short names of organisations and places ("NTF", "Kestrel")."""
        self._link_short_names(sorted({k for _, k in keyed if k.startswith(("ORG|", "GPE|"))}), uf)

    def _link_short_names(self, orgs: list[str], uf: _UnionFind) -> None:
        index = _NameIndex([k for k in orgs if " " in k], self.data.generic)
        for k in orgs:
            form = k.split("|", 1)[1]
            target = self._org_target(form, index)
            if target and target != k:
                uf.union(k, target)

    def _org_target(self, form: str, index: "_NameIndex") -> str | None:
        names, forms = index.names, index.forms
        words = [w for w in re.split(r"[\s-]+", form) if w]
        if len(words) == 1 and 2 <= len(form) <= 6 and form.isalpha():
            hits = index.by_initials.get(form, [])
            if len({forms[i] for i in hits}) == 1:
                return names[hits[0]]
        core = {w for w in words if w not in self.data.generic and w not in self.data.particles}
        if not core:  # "the Front": the one longer name it heads ("Northern Tide Front")
            heads = index.by_last.get(form, []) if len(words) == 1 else []
            return names[heads[0]] if len({forms[i] for i in heads}) == 1 else None
        found = set.intersection(*(index.by_word.get(w, set()) for w in core))
        hits = [names[i] for i in sorted(found) if forms[i] != form]
        one_name = len({h.split("|", 1)[1] for h in hits}) == 1  # same name under two types is one
        return hits[0] if hits and one_name and len(core) < len(re.split(r"[\s-]+", hits[0])) else None

    def _build(self, keyed, uf: _UnionFind, locate: Locate) -> Resolution:
        members: dict[str, list[tuple[EntityMention, str]]] = defaultdict(list)
        for m, k in keyed:
            members[uf.find(k)].append((m, k))
        entities, ids, used = [], {}, set()
        for root in sorted(members, key=lambda r: (-len(members[r]), r)):
            group = members[root]
            name = _canonical(group, self.data)
            eid = _unique(_slug(name), used)
            refs = sorted((locate(m.article, m.start, m.end) for m, _ in group), key=lambda r: (r.article, r.start))
            aliases = sorted({m.text.strip() for m, _ in group} - {name})
            typ = Counter(_TYPE_GROUP.get(m.label, "OTHER") for m, _ in group).most_common(1)[0][0]
            if root.startswith("GPE|"):
                typ = "GPE"
            entities.append(Entity(eid, name, typ, aliases, sorted({m.article for m, _ in group}), refs))
            for m, _ in group:
                ids[(m.article, m.start, m.end)] = eid
        entities.sort(key=lambda e: e.id)
        return Resolution(entities, ids)


class _NameIndex:
    """Multi-word ORG/GPE names (sorted) by initials, by word and by last word, so a short
    name is compared with the few names that can fit, not with all (linear, not quadratic)."""

    def __init__(self, names: list[str], generic: frozenset[str]) -> None:
        self.names = names
        self.forms = [n.split("|", 1)[1] for n in names]
        self.by_initials: dict[str, list[int]] = defaultdict(list)
        self.by_word: dict[str, set[int]] = defaultdict(set)
        self.by_last: dict[str, list[int]] = defaultdict(list)
        for i, form in enumerate(self.forms):
            self.by_initials[_initials(form, generic)].append(i)
            for w in set(re.split(r"[\s-]+", form)):
                self.by_word[w].add(i)
            self.by_last[form.split(" ")[-1]].append(i)


_DEMONYM_ENDINGS = ("ian", "ean", "an", "ese", "ish", "i", "n")


def _derives(demonym: str, place: str) -> bool:
    """Whether a nationality word derives from a place's first name word."""
    place = place.split(" ")[0]
    if " " in demonym or len(place) < 4:
        return False
    for end in _DEMONYM_ENDINGS:
        if demonym.endswith(end):
            stem = demonym[: -len(end)]
            if len(stem) >= 4 and (place == stem or place.startswith(stem) and len(place) - len(stem) <= 2):
                return True
    return False


def _initials(name: str, generic: frozenset[str]) -> str:
    stop = {"of", "and", "the", "for", "al"}
    return "".join(w[0] for w in re.split(r"[\s-]+", name) if w and w not in stop)


def _canonical(group, data: AliasData) -> str:
    root_key = group[0][1]
    for _, k in group:
        typ, form = k.split("|", 1)
        if form in {n.lower() for n, _ in data.groups.values()}:
            return next(n for n, _ in data.groups.values() if n.lower() == form)
    labels = {m.label for m, _ in group}
    preferred = [(m, k) for m, k in group if m.label != "NORP"] if labels - {"NORP"} else group
    forms = Counter(_display(m.text, m.label, data) for m, _ in preferred)
    multi = [(c, len(f), f) for f, c in forms.items() if len(f.split()) >= 2]
    best = max(multi or [(c, len(f), f) for f, c in forms.items()])
    return best[2] or root_key.split("|", 1)[1]


def _display(text: str, label: str, data: AliasData) -> str:
    """A readable form: original casing, without "the", possessive or people's titles."""
    s = unicodedata.normalize("NFKC", text).translate(_QUOTES).strip(" \"'.,;:()[]")
    words = re.sub(r"'s$", "", s).split()
    if words and words[0].lower() == "the":
        words = words[1:]
    while label == "PERSON" and len(words) > 1 and words[0].lower() in data.titles:
        words = words[1:]
    return " ".join(words)


def _slug(name: str) -> str:
    s = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-") or "entity"


def _unique(base: str, used: set[str]) -> str:
    eid, n = base, 2
    while eid in used:
        eid, n = f"{base}-{n}", n + 1
    used.add(eid)
    return eid
