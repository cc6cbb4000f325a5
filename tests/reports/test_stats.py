"""Medians from histograms, means and shares."""

from __future__ import annotations

import random

import pytest

from corridor.reports import stats

pytestmark = pytest.mark.pure


def test_median_of_a_histogram_equals_the_median_of_its_values():
    rng = random.Random(7)
    for _ in range(300):
        values = [rng.randint(0, 30) for _ in range(rng.randint(1, 40))]
        histogram: dict[int, int] = {}
        for value in values:
            histogram[value] = histogram.get(value, 0) + 1
        assert stats.median_of_histogram(histogram) == stats.median(values)


def test_empty_figures_have_no_median_mean_or_share():
    assert stats.median_of_histogram({}) is None
    assert stats.median_of_histogram({3: 0}) is None
    assert stats.median([]) is None
    assert stats.mean(10, 0) is None
    assert stats.share(3, 0) is None


def test_means_shares_and_the_k_guard():
    assert stats.mean(10, 4) == 2.5
    assert stats.share(1, 4) == 25
    assert stats.median([4, 1, 3]) == 3
    assert stats.at_least_k(4, 12.5, 5) is None
    assert stats.at_least_k(5, 12.5, 5) == 12.5
