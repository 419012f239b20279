"""Domain -> outlet name, as data, for pages crosscheck fetches itself.

Why a table: a fetched page's domain is the most reliable outlet signal there is, but
a domain is not a name ("nytimes.com" is "The New York Times"). The default table is
``data/outlets.json``; a user's JSON file of the same shape extends or overrides it.
A host matches its own entry or its nearest listed parent domain; an unlisted host
gives no name, so the outlet cascade in ``outlet.py`` (site name, footer, byline,
finally the domain itself) decides.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from crosscheck.clean import load_json


@dataclass(frozen=True)
class OutletTable:
    names: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, extra: str | Path | None = None) -> "OutletTable":
        """The packaged table, overridden by ``extra`` (a JSON object domain -> name)."""
        names = {k.lower(): v for k, v in load_json("outlets.json").items() if not k.startswith("_")}
        if extra is not None:
            data = json.loads(Path(extra).read_text(encoding="utf-8"))
            if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
                raise ValueError(f"{extra}: an outlet table is a JSON object of domain -> name")
            names.update({k.lower().removeprefix("www."): v for k, v in data.items() if not k.startswith("_")})
        return cls(names)

    def lookup(self, url: str | None) -> str | None:
        """The outlet for a URL's host or its nearest listed parent domain, else None."""
        host = (urlsplit(url).hostname or "").lower().removeprefix("www.") if url else ""
        labels = host.split(".")
        for i in range(len(labels) - 1 if len(labels) > 1 else 1):
            name = self.names.get(".".join(labels[i:]))
            if name:
                return name
        return None
