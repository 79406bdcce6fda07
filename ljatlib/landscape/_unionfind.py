"""Disjoint sets of minima (union-find): which minima stored transition states join."""


class DisjointSets:
    """Union-find over hashable items, with path halving.

    Examples
    --------
    >>> sets = DisjointSets()
    >>> sets.union(1, 2); sets.union(3, 4)
    >>> sets.joined(1, 2), sets.joined(2, 3)
    (True, False)
    """

    def __init__(self, items=()):
        self._parent = {}
        for item in items:
            self.find(item)

    def find(self, item):
        """The representative of ``item``'s set (a new set if ``item`` is new)."""
        parent = self._parent
        parent.setdefault(item, item)
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    def union(self, a, b):
        """Join the sets of ``a`` and ``b``."""
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self._parent[ra] = rb

    def joined(self, a, b):
        return self.find(a) == self.find(b)
