"""The data migration that made the two kinds of surge one evacuation night keeps every
night: an UnwrapSurge keeps its id, name and people; a declared cases.Surge becomes a
night with its reason, threshold and times, and no people (history)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from corridor.core import clock

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

BEFORE = [("accounts", "0010_notifications_rota_pages"), ("cases", "0009_work_window")]
AFTER = [("accounts", "0011_one_surge"), ("cases", "0010_surge_moved_to_accounts")]


def test_both_kinds_of_surge_become_nights():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Staff = old.get_model("accounts", "Staff")
    coordinator = Staff.objects.create(username="mig-coordinator", password="!")
    caseworker = Staff.objects.create(username="mig-caseworker", password="!")
    now = clock.now()
    night = old.get_model("accounts", "UnwrapSurge").objects.create(
        name="night-0101", opened_by=coordinator, opened_at=now, ends_at=now + timedelta(hours=3)
    )
    night.members.set([caseworker])
    declared = old.get_model("cases", "Surge").objects.create(
        declared_by=coordinator,
        reason="raid_response",
        threshold=40,
        starts_at=now,
        ends_at=now + timedelta(hours=5),
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Surge = new.get_model("accounts", "Surge")
    kept = Surge.objects.get(pk=night.pk)
    assert (kept.name, kept.threshold, kept.reason) == ("night-0101", 0, "evacuation_night")
    assert list(kept.members.values_list("username", flat=True)) == ["mig-caseworker"]
    moved = Surge.objects.get(name=f"surge-{declared.pk}")
    assert (moved.reason, moved.threshold, moved.opened_by_id) == (
        "raid_response",
        40,
        coordinator.pk,
    )
    assert (moved.opened_at, moved.ends_at, moved.members.count()) == (now, declared.ends_at, 0)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
