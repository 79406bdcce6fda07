import doctest

from ljatlib.landscape import _unionfind
from ljatlib.landscape._unionfind import DisjointSets


def test_unions_are_transitive_and_new_items_stand_alone():
    sets = DisjointSets(range(5))
    sets.union(0, 1)
    sets.union(3, 4)
    sets.union(1, 4)
    assert sets.joined(0, 3) and not sets.joined(2, 0)
    assert sets.find("new") == "new"


def test_docstring_example():
    assert doctest.testmod(_unionfind).failed == 0
