"""Shared helpers for benchmarks: a throwaway Django environment, timing, ratio lines."""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass


def setup_django(*, migrate: bool = True) -> str:
    """Configure Django with the test settings in a fresh data dir; return that dir.

    The databases are files (not in-memory), migrated once, so a benchmark sees
    the same storage as a real installation.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "corridor.config.settings.test")
    import django
    from django.conf import settings

    django.setup()
    data_dir = str(settings.CORRIDOR_DATA_DIR)
    if migrate:
        from django.core.management import call_command

        for alias in settings.DATABASES:
            call_command("migrate", database=alias, interactive=False, verbosity=0)
    return data_dir


def parser(description: str) -> argparse.ArgumentParser:
    result = argparse.ArgumentParser(description=description)
    result.add_argument("--smoke", action="store_true", help="tiny sizes: prove it runs")
    return result


@dataclass(frozen=True)
class Timing:
    label: str
    seconds: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def p95(self) -> float:
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure(label: str, action: Callable[[], object], *, repeat: int) -> Timing:
    """Run `action` `repeat` times and keep each duration."""
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - started)
    return Timing(label, seconds)


def interleaved(
    first: tuple[str, Callable[[], object]],
    second: tuple[str, Callable[[], object]],
    *,
    repeat: int,
) -> tuple[Timing, Timing]:
    """Alternate the two runs, so load from other processes falls on both alike."""
    runs: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for (label, action), seconds in zip((first, second), runs, strict=True):
            seconds.extend(measure(label, action, repeat=1).seconds)
    return Timing(first[0], runs[0]), Timing(second[0], runs[1])


def report(subject: Timing, baseline: Timing, *, unit: str = "call", goal: str = "") -> None:
    """Print one line: both medians and the ratio, with the goal it is judged against."""
    ratio = subject.median / baseline.median if baseline.median else float("inf")
    print(
        f"{subject.label}: {subject.median * 1e6:.1f} us/{unit} | "
        f"{baseline.label}: {baseline.median * 1e6:.1f} us/{unit} | "
        f"ratio {ratio:.2f}" + (f" | goal {goal}" if goal else "")
    )


def scratch_dir(prefix: str = "corridor-bench-") -> str:
    return tempfile.mkdtemp(prefix=prefix)
