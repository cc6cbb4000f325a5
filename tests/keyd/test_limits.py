"""The hourly window keyd counts unwraps in."""

from __future__ import annotations

import pytest

from corridor.vault.keyd.limits import SlidingWindow

pytestmark = pytest.mark.pure


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_events_leave_the_window_after_an_hour():
    clock = Clock()
    window = SlidingWindow(clock=clock)
    for _ in range(3):
        window.add("staff:1", clock())
        clock.now += 600
    assert window.count("staff:1", clock()) == 3
    clock.now += 1800.0 + 1  # the first event is now more than an hour old
    assert window.count("staff:1", clock()) == 2
    assert window.count("staff:2", clock()) == 0


def test_idle_keys_are_forgotten_and_counted_as_zero():
    clock = Clock()
    window = SlidingWindow(clock=clock)
    window.add(("unwrap", 99), clock())
    clock.now += 3601
    window.forget_idle(clock())
    assert window.count(("unwrap", 99), clock()) == 0
    window.add("staff:1", clock())
    clock.now += 3601
    assert window.count("staff:1", clock()) == 0
