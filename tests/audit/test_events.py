"""Event codes are stable: grouped by app, never renamed, never removed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from corridor.audit.events import EventType

pytestmark = pytest.mark.pure
RELEASED = Path(__file__).with_name("released_event_codes.txt")


def test_no_released_code_is_renamed_or_removed():
    """Every code ever released still exists: old leaves must stay readable.

    Add a new code to released_event_codes.txt when you add it to the enum.
    """
    released = RELEASED.read_text(encoding="utf-8").split()
    assert sorted(set(released) - {event.value for event in EventType}) == []
    assert sorted({event.value for event in EventType} - set(released)) == []


def test_codes_are_app_dot_name_and_match_their_member():
    """Each code is `<app>.<snake_case>` and the member is named after the second part."""
    for event in EventType:
        assert re.fullmatch(r"[a-z]+\.[a-z_]+", event.value), event
        assert event.name == event.value.partition(".")[2].upper()


def test_the_issue_groups_are_present():
    """The accounts, vault and audit groups hold the codes other apps build against."""
    groups = {event.group for event in EventType}
    assert {"accounts", "vault", "audit"} <= groups
    assert EventType("accounts.login_succeeded") is EventType.LOGIN_SUCCEEDED
    assert EventType("audit.tree_head_signed").group == "audit"
