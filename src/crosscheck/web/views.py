"""Plain-data layouts for the pages: the co-occurrence graph, the events histogram, paging.

Why server-side geometry: the entity page's small graph and bar chart are fixed drawings,
so they are computed here and drawn as inline SVG by the templates (every label escaped
by Jinja), with no script needed to see them.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlencode

GRAPH_SIZE = 360
LABEL_ROOM = 90  # horizontal room for node labels outside the ring
VERDICT_TEXT = {"corroborated": "corroborated", "single-source": "single source", "contested": "contested"}


def graph_layout(graph: dict, size: int = GRAPH_SIZE) -> dict:
    """The entity in the middle, its co-occurring entities on a circle around it."""
    nodes = graph["nodes"]
    if not nodes:
        return {"size": size, "width": size + 2 * LABEL_ROOM, "nodes": [], "edges": []}
    c = size / 2
    margin = LABEL_ROOM  # room for labels left and right of the ring
    ring = size * 0.36
    top = max((n["weight"] for n in nodes[1:]), default=1) or 1
    placed = {}
    for i, n in enumerate(nodes):
        if i == 0:
            x, y, r = c, c, 16.0
        else:
            angle = 2 * math.pi * (i - 1) / max(len(nodes) - 1, 1) - math.pi / 2
            x, y = c + ring * math.cos(angle), c + ring * math.sin(angle)
            r = 5 + 9 * math.sqrt(n["weight"] / top)
        anchor = "middle" if i == 0 or abs(x - c) < 1 else ("start" if x > c else "end")
        dx = 0 if anchor == "middle" else (r + 4 if anchor == "start" else -(r + 4))
        dy = r + 14 if i == 0 else (4 if anchor != "middle" else (-(r + 4) if y < c else r + 14))
        placed[n["id"]] = {**n, "x": round(x + margin, 1), "y": round(y, 1), "r": round(r, 1), "anchor": anchor,
                           "lx": round(x + dx + margin, 1), "ly": round(y + dy, 1)}
    heaviest = max((e["weight"] for e in graph["edges"]), default=1) or 1
    edges = [{"x1": placed[e["source"]]["x"], "y1": placed[e["source"]]["y"], "x2": placed[e["target"]]["x"],
              "y2": placed[e["target"]]["y"], "w": round(0.8 + 4 * e["weight"] / heaviest, 2),
              "weight": e["weight"], "title": f"{placed[e['source']]['name']} – {placed[e['target']]['name']}"}
             for e in graph["edges"] if e["source"] in placed and e["target"] in placed]
    return {"size": size, "width": size + 2 * margin, "nodes": list(placed.values()), "edges": edges}


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    x: float
    y: float
    w: float
    h: float


def histogram(events: list[dict], width: int = 640, height: int = 90) -> dict:
    """Dated events per month (per year when they span more than six years)."""
    dates = [e["date"] for e in events if e.get("date")]
    if not dates:
        return {"bars": [], "width": width, "height": height, "undated": len(events)}
    years = sorted({int(d[:4]) for d in dates})
    by_year = years[-1] - years[0] > 6
    keys = [d[:4] if by_year or len(d) < 7 else d[:7] for d in dates]
    counts = Counter(keys)
    labels = _periods(sorted(counts), by_year)
    top = max(counts.values())
    step = width / len(labels)
    bars = [Bar(k, counts.get(k, 0), round(i * step + 1, 1), round(height - counts.get(k, 0) / top * (height - 14), 1),
                round(max(step - 2, 1), 1), round(counts.get(k, 0) / top * (height - 14), 1))
            for i, k in enumerate(labels)]
    return {"bars": bars, "width": width, "height": height, "undated": len(events) - len(dates),
            "first": labels[0], "last": labels[-1]}


def _periods(keys: list[str], by_year: bool) -> list[str]:
    """Every period between the first and the last key, so gaps show as gaps."""
    if by_year:
        return [str(y) for y in range(int(keys[0][:4]), int(keys[-1][:4]) + 1)]
    months = [k for k in keys if len(k) == 7]
    if not months:
        return keys
    (y, m), (y2, m2) = map(int, months[0].split("-")), map(int, months[-1].split("-"))
    out = []
    while (y, m) <= (y2, m2):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return sorted(set(out) | {k for k in keys if len(k) == 4})


def pager(total: int, limit: int, offset: int, query: dict[str, str]) -> dict:
    """Previous/next links that keep the other query parameters."""
    def link(off: int) -> str:
        return "?" + urlencode({**query, "offset": off, "limit": limit})

    return {"total": total, "first": offset + 1 if total else 0, "last": min(offset + limit, total),
            "prev": link(max(offset - limit, 0)) if offset > 0 else None,
            "next": link(offset + limit) if offset + limit < total else None}
