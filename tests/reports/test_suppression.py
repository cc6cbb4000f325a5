"""Small-cell suppression: no count from 1 to k-1 shown, and none recoverable from the totals."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor.reports.suppression import (
    TOTAL,
    CountTable,
    SuppressedTable,
    TableInvalid,
    feasible_bounds,
    suppress,
    suppress_linked,
)

pytestmark = pytest.mark.pure


def table(counts, name="t") -> CountTable:
    return CountTable(
        name=name,
        rows=tuple(f"r{i}" for i in range(len(counts))),
        columns=tuple(f"c{j}" for j in range(len(counts[0]))),
        counts=tuple(tuple(line) for line in counts),
    )


def published(result: SuppressedTable) -> list[list[int | None]]:
    t = result.table
    return [[result.shown((i, j)) for j in range(t.width)] for i in range(t.height)]


def naive_upper_bound(grid: list[list[int | None]], i: int, j: int) -> float:
    """The issue's rule, written independently: from the cell's row and column alone, with
    every other hidden cell taken as >= 0, the largest value the cell can have."""
    height, width = len(grid), len(grid[0])
    lines = [
        [(i, c) for c in range(width)],  # the row; its last cell is the total
        [(r, j) for r in range(height)],  # the column; its last cell is the total
    ]
    best = math.inf
    for line in lines:
        *parts, total = line
        values = [grid[r][c] for r, c in line]
        if (i, j) == total:
            if all(grid[r][c] is not None for r, c in parts):
                best = min(best, sum(grid[r][c] for r, c in parts))
        elif values[-1] is not None:
            shown = sum(grid[r][c] or 0 for r, c in parts if (r, c) != (i, j))
            best = min(best, values[-1] - shown)
    return best


def check_safe(result: SuppressedTable, k: int) -> None:
    grid = published(result)
    true = result.table.grid()
    for i, line in enumerate(grid):
        for j, value in enumerate(line):
            if value is not None:
                assert not 0 < value < k, (i, j, value)
                assert value == true[i][j]
            else:
                assert naive_upper_bound(grid, i, j) >= k, (i, j)
    bounds = feasible_bounds(grid)
    assert bounds is not None
    for (i, j), (low, high) in bounds.items():
        assert high >= k, (i, j, low, high)
        assert low <= true[i][j] <= high


def test_counts_below_k_are_hidden_and_zeros_shown():
    result = SuppressedTable(table([[0, 12], [3, 40]]), suppress(table([[0, 12], [3, 40]]), 5))
    grid = published(result)
    assert grid[0][0] == 0
    assert grid[1][0] is None
    check_safe(result, 5)


def test_a_lone_hidden_cell_in_a_row_takes_a_second_with_it():
    """3 alone hidden in its row would be the row total minus the rest: more must go."""
    counts = [[3, 10], [8, 12], [20, 9]]
    result = SuppressedTable(table(counts), suppress(table(counts), 5))
    assert len(result.hidden) >= 4
    check_safe(result, 5)


def test_a_hidden_cell_pinned_by_its_column_does_not_give_its_neighbour_away():
    """The naive rule would accept hiding 3 and 9 in one row if 9 is the only hidden cell of
    its column; then 9 is known exactly and 3 = 12 - 9. Propagation sees through it."""
    counts = [[3, 9], [20, 30]]
    result = SuppressedTable(table(counts), suppress(table(counts), 5))
    bounds = feasible_bounds(published(result))
    assert bounds is not None
    assert bounds[(0, 0)][1] >= 5
    check_safe(result, 5)


def test_propagation_catches_what_the_row_and_column_rule_misses():
    """Hiding 12, 9 and 3 in an L: each has two hidden cells in one of its lines, so the
    row-and-column rule passes; but 12 and 9 are pinned by their other lines, so the 3 is
    known exactly. The bounds used here say so, and suppress() never publishes that."""
    counts = [[20, 12, 8], [9, 3, 8]]
    t = table(counts)
    grid = [list(line) for line in t.grid()]
    for i, j in ((0, 1), (1, 0), (1, 1)):
        grid[i][j] = None
    assert all(naive_upper_bound(grid, i, j) >= 5 for i, j in ((0, 1), (1, 0), (1, 1)))
    bounds = feasible_bounds(grid)
    assert bounds is not None
    assert bounds[(1, 1)] == (3, 3)
    check_safe(SuppressedTable(t, suppress(t, 5)), 5)


def test_a_single_column_hides_the_row_total_with_its_only_cell():
    counts = [[2], [30], [25]]
    result = SuppressedTable(table(counts), suppress(table(counts), 5))
    assert {(0, 0), (0, 1)} <= result.hidden
    check_safe(result, 5)


def test_a_table_whose_grand_total_is_small_hides_everything_that_is_not_zero():
    counts = [[1, 0], [2, 1]]
    result = SuppressedTable(table(counts), suppress(table(counts), 5))
    assert all(value == 0 for row in published(result) for value in row if value is not None)
    check_safe(result, 5)


def test_linked_tables_hide_a_shared_margin_in_both():
    """Two tables with the same Total row: what one hides, the other hides too."""
    by_country = table([[3, 20], [9, 10]], name="a")
    by_route = table([[6, 14], [6, 16]], name="b")
    links = [(("a", TOTAL, c), ("b", TOTAL, c)) for c in ("c0", "c1", TOTAL)]
    first, second = suppress_linked([by_country, by_route], links, 5)
    for column in ("c0", "c1", TOTAL):
        cell_a, cell_b = by_country.cell(TOTAL, column), by_route.cell(TOTAL, column)
        assert (cell_a in first.hidden) == (cell_b in second.hidden)
    check_safe(first, 5)
    check_safe(second, 5)


def test_linking_cells_with_different_counts_is_a_mistake():
    with pytest.raises(TableInvalid, match="differ"):
        suppress_linked(
            [table([[5]], name="a"), table([[6]], name="b")],
            [(("a", TOTAL, TOTAL), ("b", TOTAL, TOTAL))],
            5,
        )


@pytest.mark.parametrize(
    ("rows", "columns", "counts"),
    [
        (("a",), ("x",), ((1, 2),)),
        (("a", "a"), ("x",), ((1,), (2,))),
        ((TOTAL,), ("x",), ((1,),)),
        (("a",), ("x", "x"), ((1, 2),)),
        (("a",), ("x",), ((-1,),)),
        (("a",), ("x",), ((1.5,),)),
        (("a",), ("x",), ((True,),)),
    ],
)
def test_malformed_tables_are_refused(rows, columns, counts):
    with pytest.raises(TableInvalid):
        CountTable(name="t", rows=rows, columns=columns, counts=counts)


def test_k_must_be_positive():
    with pytest.raises(TableInvalid):
        suppress(table([[1]]), 0)


def test_entries_list_rows_then_totals():
    result = SuppressedTable(table([[5, 6]]), frozenset())
    assert list(result.entries()) == [
        ("r0", "c0", 5),
        ("r0", "c1", 6),
        ("r0", TOTAL, 11),
        (TOTAL, "c0", 5),
        (TOTAL, "c1", 6),
        (TOTAL, TOTAL, 11),
    ]


small_counts = st.integers(min_value=0, max_value=60).map(lambda n: n if n % 3 else n // 6)
tables = st.integers(min_value=1, max_value=7).flatmap(
    lambda rows: st.integers(min_value=1, max_value=5).flatmap(
        lambda columns: st.lists(
            st.lists(small_counts, min_size=columns, max_size=columns),
            min_size=rows,
            max_size=rows,
        )
    )
)


@pytest.mark.slow
@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(counts=tables, k=st.integers(min_value=3, max_value=10))
def test_no_random_table_shows_or_gives_away_a_small_count(counts, k):
    """Over random tables: nothing from 1 to k-1 is shown, and every hidden cell's feasible
    interval (from its row and column totals, and with propagation) reaches k."""
    result = SuppressedTable(table(counts), suppress(table(counts), k))
    check_safe(result, k)


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=tables, k=st.integers(min_value=3, max_value=8), data=st.data())
def test_random_linked_tables_agree_on_their_shared_margin(first, k, data):
    """Two tables sharing a Total row (same column sums): shared cells hidden together."""
    sums = [sum(line[j] for line in first) for j in range(len(first[0]))]
    split = [data.draw(st.integers(min_value=0, max_value=s)) for s in sums]
    second = [split, [s - part for s, part in zip(sums, split, strict=True)]]
    a, b = table(first, name="a"), table(second, name="b")
    columns = [*a.columns, TOTAL]
    links = [(("a", TOTAL, c), ("b", TOTAL, c)) for c in columns]
    result_a, result_b = suppress_linked([a, b], links, k)
    for column in columns:
        assert (a.cell(TOTAL, column) in result_a.hidden) == (
            b.cell(TOTAL, column) in result_b.hidden
        )
    check_safe(result_a, k)
    check_safe(result_b, k)
