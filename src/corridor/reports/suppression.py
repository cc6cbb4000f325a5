"""Small-cell suppression for additive count tables (pure: no Django, no database).

Defends against a published table pointing to a handful of people: "2 people
from this region left by this route in 2025Q3" narrows a hunt to a family.
Every count from 1 to k-1 is hidden (primary suppression). Hiding it is not
enough when the row and column totals give it back, so further cells are hidden
(secondary suppression) until, for every hidden cell, the values the published
cells still allow include one of at least k.

The allowed values are bounded by interval propagation over every row and
column equation (a row's cells add up to its total; the Total row and column
too), using the bounds of the other hidden cells, not just "at least 0". This
is tighter than the rule the issue states (other hidden cells taken as >= 0),
so a table that passes here passes that rule too. It is not a full linear
programme: docs/security.md lists that as a known limitation.

A grid cell is `(row, column)`; index `len(rows)` is the Total row and
`len(columns)` the Total column.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

TOTAL = "Total"
Cell = tuple[int, int]
CellRef = tuple[str, str, str]  # (table name, row code, column code)
Bound = int | float  # float only for an unbounded (infinite) upper bound

# Propagation converges in a few sweeps on real tables; this bound is a fail-safe.
MAX_SWEEPS = 10_000


class TableInvalid(ValueError):
    """A count table is malformed (shape, negative counts, duplicate or reserved labels)."""


@dataclass(frozen=True)
class CountTable:
    """Counts of people by row and column category; totals are computed, never given."""

    name: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]

    def __post_init__(self) -> None:
        if len(self.counts) != len(self.rows) or any(
            len(line) != len(self.columns) for line in self.counts
        ):
            raise TableInvalid(f"{self.name}: counts do not match the rows and columns")
        labels = [*self.rows, *self.columns]
        if TOTAL in labels or len(set(self.rows)) != len(self.rows):
            raise TableInvalid(f"{self.name}: row labels must be unique and not {TOTAL}")
        if len(set(self.columns)) != len(self.columns):
            raise TableInvalid(f"{self.name}: column labels must be unique")
        for line in self.counts:
            for value in line:
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise TableInvalid(f"{self.name}: counts are non-negative integers")

    @property
    def height(self) -> int:
        """Rows of the full grid, the Total row included."""
        return len(self.rows) + 1

    @property
    def width(self) -> int:
        """Columns of the full grid, the Total column included."""
        return len(self.columns) + 1

    def grid(self) -> list[list[int]]:
        """The counts with their Total column and Total row."""
        lines = [[*line, sum(line)] for line in self.counts]
        totals = [sum(line[j] for line in lines) for j in range(self.width)]
        return [*lines, totals]

    def cell(self, row: str, column: str) -> Cell:
        """The grid cell of a row and column code (`Total` names the totals)."""
        i = len(self.rows) if row == TOTAL else self.rows.index(row)
        j = len(self.columns) if column == TOTAL else self.columns.index(column)
        return (i, j)

    def value(self, cell: Cell) -> int:
        return self.grid()[cell[0]][cell[1]]


@dataclass(frozen=True)
class SuppressedTable:
    """A table and the grid cells that must not be shown."""

    table: CountTable
    hidden: frozenset[Cell]

    def shown(self, cell: Cell) -> int | None:
        """The count, or None where it is suppressed."""
        return None if cell in self.hidden else self.table.value(cell)

    def entries(self) -> Iterator[tuple[str, str, int | None]]:
        """(row code, column code, count or None), rows then Total, columns then Total."""
        grid = self.table.grid()
        row_codes = [*self.table.rows, TOTAL]
        column_codes = [*self.table.columns, TOTAL]
        for i, row in enumerate(row_codes):
            for j, column in enumerate(column_codes):
                yield row, column, None if (i, j) in self.hidden else grid[i][j]


def suppress(table: CountTable, k: int, *, also: Iterable[Cell] = ()) -> frozenset[Cell]:
    """The cells to hide so that no hidden cell can be narrowed below k.

    `also` forces cells hidden (a cell shared with a linked table).
    """
    if k < 1:
        raise TableInvalid("k is at least 1")
    width = table.width
    values = [value for line in table.grid() for value in line]
    lines = _lines(table.height, width)
    hidden = {index for index, value in enumerate(values) if 0 < value < k}
    hidden |= {i * width + j for i, j in also}
    while True:
        bounds = _propagate(values, hidden, lines)
        if bounds is None:
            hidden = set(range(len(values)))  # did not settle: fail closed
            break
        failing = sorted(index for index in hidden if bounds[1][index] < k)
        if not failing:
            break
        more = _next_cells(failing[0], values, hidden, lines, width, k)
        if not more:
            hidden = set(range(len(values)))
            break
        hidden |= more
    return frozenset(divmod(index, width) for index in hidden)


def suppress_linked(
    tables: Sequence[CountTable],
    links: Sequence[tuple[CellRef, CellRef]],
    k: int,
) -> list[SuppressedTable]:
    """Suppress tables that share cells (a margin, or a total equal to another's row) together.

    A linked pair is hidden in both tables or in neither, so one table never
    shows what the other hides. Raises TableInvalid if linked cells differ.
    """
    by_name = {table.name: table for table in tables}
    pairs = []
    for (name_a, row_a, column_a), (name_b, row_b, column_b) in links:
        a, b = by_name[name_a], by_name[name_b]
        cell_a, cell_b = a.cell(row_a, column_a), b.cell(row_b, column_b)
        if a.value(cell_a) != b.value(cell_b):
            raise TableInvalid(f"linked cells differ: {name_a} and {name_b}")
        pairs.append((name_a, cell_a, name_b, cell_b))
    forced: dict[str, set[Cell]] = {table.name: set() for table in tables}
    while True:
        hidden = {table.name: suppress(table, k, also=forced[table.name]) for table in tables}
        grew = False
        for name_a, cell_a, name_b, cell_b in pairs:
            if (cell_a in hidden[name_a]) != (cell_b in hidden[name_b]):
                forced[name_a].add(cell_a)
                forced[name_b].add(cell_b)
                grew = True
        if not grew:
            return [SuppressedTable(table, hidden[table.name]) for table in tables]


def feasible_bounds(
    grid: Sequence[Sequence[int | None]],
) -> dict[Cell, tuple[Bound, Bound]] | None:
    """(lowest, highest) value each hidden (None) cell of a published grid can take.

    `grid` includes the Total row and column. None if the bounds did not settle.
    """
    height, width = len(grid), len(grid[0])
    values = [value or 0 for line in grid for value in line]
    hidden = {i * width + j for i, line in enumerate(grid) for j, v in enumerate(line) if v is None}
    bounds = _propagate(values, hidden, _lines(height, width))
    if bounds is None:
        return None
    low, high = bounds
    return {divmod(index, width): (low[index], high[index]) for index in sorted(hidden)}


Line = tuple[int, tuple[int, ...]]  # (total cell, part cells), flat indices


def _lines(height: int, width: int) -> list[Line]:
    """Every equation of the grid: each row adds up to its Total column cell, each column
    (the Total column too) to its Total row cell."""
    lines: list[Line] = []
    for i in range(height):
        lines.append((i * width + width - 1, tuple(i * width + j for j in range(width - 1))))
    for j in range(width):
        lines.append(((height - 1) * width + j, tuple(i * width + j for i in range(height - 1))))
    return lines


def _propagate(
    values: Sequence[int], hidden: set[int], lines: Sequence[Line]
) -> tuple[list[int], list[Bound]] | None:
    """Lower and upper bounds of every cell given the shown ones, or None if unsettled."""
    low: list[int] = [0 if index in hidden else value for index, value in enumerate(values)]
    high: list[Bound] = [
        math.inf if index in hidden else value for index, value in enumerate(values)
    ]
    active = [line for line in lines if line[0] in hidden or any(p in hidden for p in line[1])]
    for _ in range(MAX_SWEEPS):
        changed = False
        for total, parts in active:
            low_sum = sum(low[p] for p in parts)
            infinite = sum(1 for p in parts if high[p] == math.inf)
            finite_high = sum(high[p] for p in parts if high[p] != math.inf)
            if total in hidden:
                if low_sum > low[total]:
                    low[total], changed = low_sum, True
                if not infinite and finite_high < high[total]:
                    high[total], changed = int(finite_high), True
            for part in parts:
                if part not in hidden:
                    continue
                others_infinite = infinite - (1 if high[part] == math.inf else 0)
                if not others_infinite:
                    others_high = finite_high - (0 if high[part] == math.inf else high[part])
                    floor = low[total] - int(others_high)
                    if floor > low[part]:
                        low[part], changed = floor, True
                if high[total] != math.inf:
                    ceiling = int(high[total]) - (low_sum - low[part])
                    if ceiling < high[part]:
                        high[part], changed = ceiling, True
        if not changed:
            return low, high
    return None


def _next_cells(
    target: int,
    values: Sequence[int],
    hidden: set[int],
    lines: Sequence[Line],
    width: int,
    k: int,
) -> set[int]:
    """Cells to hide next so that `target` can no longer be narrowed below k.

    Tries every rectangle through the target (its row and column, another row and
    another column): four hidden corners let values shift around the rectangle
    without changing any total. The cheapest rectangle (fewest people hidden) that
    lifts the target's bound and breaks no other hidden cell wins. Failing that,
    the smallest shown count in the target's row or column (or anywhere) is hidden,
    so every call hides at least one more cell and the loop ends.
    """
    height = len(values) // width
    i, j = divmod(target, width)
    best: tuple[tuple[int, int, int, int], set[int]] | None = None
    for other_i in range(height):
        for other_j in range(width):
            if other_i == i or other_j == j:
                continue
            corners = {i * width + other_j, other_i * width + j, other_i * width + other_j}
            new = corners - hidden
            if not new:
                continue
            bounds = _propagate(values, hidden | new, lines)
            if bounds is None or bounds[1][target] < k:
                continue
            breaks = sum(1 for index in new if bounds[1][index] < k)
            rank = (
                breaks,
                sum(values[index] for index in new),
                len(new),
                other_i * width + other_j,
            )
            if best is None or rank < best[0]:
                best = (rank, new)
    if best is not None:
        return best[1]
    shown = [index for index in range(len(values)) if index not in hidden]
    near = [index for index in shown if index // width == i or index % width == j]
    for pool in (
        [index for index in near if values[index] > 0],
        [index for index in shown if values[index] > 0],
        shown,
    ):
        if pool:
            return {min(pool, key=lambda index: (values[index], index))}
    return set()
