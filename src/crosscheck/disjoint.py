"""Disjoint sets (union-find) over 0..n-1, where a set is named by its smallest member.

Why one small module: verification merges claim clusters joined by a relation, and the
Ray engine splits event mentions into connected components of their blocking keys;
both need "the first one wins" roots so their results do not depend on visiting order.
"""

from __future__ import annotations


class DisjointSets:
    """Path-halving union-find; ``union`` keeps the smaller root."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)
