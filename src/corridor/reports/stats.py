"""Medians, means and shares for report tables (pure).

Durations come from the database as histograms (days -> how many people), so a
median over a hundred thousand people is computed from a few hundred rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def median_of_histogram(histogram: Mapping[int, int] | Mapping[float, int]) -> float | None:
    """The median of values given as {value: how many}, or None when there are none."""
    total = sum(count for count in histogram.values() if count > 0)
    if total == 0:
        return None
    middle = (total - 1) / 2  # position of the median, halfway between two when even
    below, above = int(middle), int(middle + 0.5)
    seen = 0
    lower: float | None = None
    for value, count in sorted(histogram.items()):
        if count <= 0:
            continue
        if lower is None and seen + count > below:
            lower = value
        if seen + count > above:
            assert lower is not None  # noqa: S101 - below <= above, so lower was set first
            return (lower + value) / 2
        seen += count
    raise AssertionError("unreachable: the counts add up to total")


def merge_histograms(histograms: Iterable[Mapping[int, int]]) -> dict[int, int]:
    """Several {value: how many} added together."""
    merged: dict[int, int] = {}
    for histogram in histograms:
        for value, count in histogram.items():
            merged[value] = merged.get(value, 0) + count
    return merged


def median(values: Iterable[float]) -> float | None:
    """The median of plain values, or None when there are none."""
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


def mean(total: float, count: int) -> float | None:
    return total / count if count else None


def share(part: int, whole: int) -> float | None:
    """part / whole as a percentage, or None when the whole is empty."""
    return 100 * part / whole if whole else None


def at_least_k(count: int, value: float | None, k: int) -> float | None:
    """`value` if it was computed over at least k people; otherwise None (suppressed)."""
    return value if count >= k else None
