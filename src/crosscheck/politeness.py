"""How hard crosscheck may hit a site: the politeness defaults, in one place.

Why apart from ``fetch.py``: the CLI shows these defaults in its help without
importing httpx (the ``fetch`` extra), and the README documents the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

USER_AGENT = "crosscheck/0.1 (news storyline builder; honours robots.txt)"
ROBOTS_AGENT = "crosscheck"  # the name robots.txt rules are matched against


@dataclass(frozen=True)
class Politeness:
    """How hard crosscheck may hit a site. Defaults are documented in the README."""

    user_agent: str = USER_AGENT
    rate_per_host: float = 1.0  # request starts per second per host; 0 turns the limit off
    concurrency_per_host: int = 2
    concurrency: int = 16  # across all hosts
    timeout_s: float = 20.0  # one attempt, connect to last byte
    retries: int = 3  # after the first attempt
    backoff_s: float = 1.0  # first retry waits this long, then twice as long each time
    max_backoff_s: float = 60.0  # Retry-After and backoff never wait longer
    max_bytes: int = 5_000_000  # per response body
    max_redirects: int = 5
    robots: bool = True
