"""Markdown tables: the one helper behind every table the book and the tools print."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence


def _cell(value):
    return str(value).replace("|", r"\|").replace("\n", " ")


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A Markdown (pipe) table.

    Parameters
    ----------
    header : sequence of str
        Column titles (Markdown and MyST math allowed).
    rows : iterable of sequences
        One sequence of cells per row, each as long as ``header``; cells are
        formatted with ``str`` (format numbers before), ``|`` is escaped.

    Returns
    -------
    str

    Examples
    --------
    >>> print(markdown_table(["H", "minima"], [[1, 59], [2, "—"]]))
    | H | minima |
    |---|---|
    | 1 | 59 |
    | 2 | — |
    """
    header = [_cell(h) for h in header]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for i, row in enumerate(rows):
        row = list(row)
        if len(row) != len(header):
            raise ValueError(f"row {i} has {len(row)} cells, the header {len(header)}")
        lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
    return "\n".join(lines)
