"""The report's verification views: per-event badges and "Where sources disagree".

Why here: ``render.py`` turns the storyline dict into the page; this module turns the
verification part of that dict (claims, relations, clusters, event verdicts) into
plain view data: a badge per event ("corroborated by 3", "single source", "contested")
that opens onto the sentences on each side, and one entry per contested claim cluster
with both sides' sentences, each linked to its highlighted place in the article.
"""

from __future__ import annotations

import html
from typing import Any, Callable, Mapping

from crosscheck.export_claims import Records

ClaimLookup = Mapping[str, dict] | Records  # claim id -> claim record

QuoteKey = Callable[[str, int, int], str]  # (article anchor, start, end) -> element id
MODALITY = {"asserted": "states", "reported": "reports", "alleged": "alleges", "denied": "denies",
            "hoped-planned": "expects / plans", "questioned": "asks / doubts"}


def _quote(c: dict, anchors: Mapping[str, str], titles: Mapping[str, str], originals: Mapping[str, str],
           key: QuoteKey) -> dict[str, Any]:
    anchor = anchors.get(c["article"], "")
    start, end = c["sentence_start"], c["sentence_end"]
    who = "in its own voice" if c["attribution_kind"] == "outlet" else f"citing {c['attributed_to']}"
    origin = c.get("origin") or ""
    relay = f" (origin: {origin})" if origin and origin != c.get("outlet") else ""
    return {
        "claim": c["id"], "article": c["article"], "anchor": anchor, "start": start, "end": end,
        "key": key(anchor, start, end), "text": html.unescape(originals.get(c["article"], "")[start:end] or c["text"]),
        "outlet": c.get("outlet") or "unknown outlet", "who": who + relay,
        "modality": MODALITY.get(c["modality"], c["modality"]),
        "article_title": titles.get(c["article"]) or c["article"],
    }


def _side(title: str, ids: list[str], claims: ClaimLookup, make) -> dict[str, Any]:
    quotes: dict[str, dict] = {}
    for i in ids:  # two claims of one sentence show the sentence once
        c = claims.get(i)
        if c is not None:
            q = make(c)
            quotes.setdefault(q["key"], q)
    return {"title": title, "quotes": list(quotes.values())}


def _claims(data: dict) -> ClaimLookup:
    """Claim id -> claim record: looked up in place when the view's claims are lazy
    (``storyline_to_dict(lazy=True)``), else indexed."""
    found = data["claims"]
    return found if isinstance(found, Records) else {c["id"]: c for c in found}


def event_badges(data: dict, anchors, titles, originals, key: QuoteKey) -> dict[str, dict]:
    """Event id -> {label, css, explanation, sides} for events that have a verdict."""
    claims = _claims(data)

    def make(c):
        return _quote(c, anchors, titles, originals, key)

    out = {}
    for ev in data["events"]:
        v = ev.get("verdict")
        if not v:
            continue
        n = v["independent_sources"]
        label = {"contested": "contested", "single-source": "single source"}.get(v["status"], f"corroborated by {n}")
        sides = [_side("Backing: " + (", ".join(v["supporting"]) or "—"), v["supporting_claims"], claims, make)]
        if v["disputing_claims"]:
            sides.append(_side("Disputing: " + ", ".join(v["disputing"]), v["disputing_claims"], claims, make))
        out[ev["id"]] = {"label": label, "css": v["status"], "explanation": v["explanation"], "sides": sides}
    return out


def disagreements(data: dict, anchors, titles, originals, key: QuoteKey) -> list[dict]:
    """One entry per contested claim cluster: both sides' sentences and the reasons."""
    claims = _claims(data)
    reasons: dict[str, list[str]] = {}
    for r in data["relations"]:
        if r["type"] == "contradicts":
            cluster = (claims.get(r["claims"][0]) or {}).get("cluster")
            reasons.setdefault(cluster, []).append(r["explanation"])

    def make(c):
        return _quote(c, anchors, titles, originals, key)

    out = []
    for cl in data["claim_clusters"]:
        v = cl["verdict"]
        if v["status"] != "contested":
            continue
        out.append({
            "id": cl["id"], "label": cl["label"], "explanation": v["explanation"], "reasons": reasons.get(cl["id"], []),
            "sides": [_side(", ".join(v["supporting"]), v["supporting_claims"], claims, make),
                      _side(", ".join(v["disputing"]), v["disputing_claims"], claims, make)],
        })
    return out


def claim_quotes(views: list[dict], badges: Mapping[str, dict]) -> list[dict]:
    """Every sentence the verification views link to (to highlight in the articles)."""
    quotes = [q for d in views for side in d["sides"] for q in side["quotes"]]
    quotes += [q for b in badges.values() for side in b["sides"] for q in side["quotes"]]
    return quotes
