"""The auditor's "who touched this object" finds every event about an object, whichever
spelling of its kind the event was recorded under."""

from __future__ import annotations

import pytest

from corridor.accounts.roles import Role
from corridor.audit import selectors
from corridor.audit.events import EventType
from corridor.audit.models import AuditEntry
from corridor.core.actors import SystemActor
from tests.audit.helpers import record_legacy
from tests.cases.conftest import CASE_DB
from tests.factories import staff_with
from tests.web.conftest import client_for

pytestmark = [CASE_DB, pytest.mark.usefixtures("vault_keys")]


def test_a_login_recorded_as_staff_and_a_later_one_as_accounts_staff_both_appear():
    caseworker = staff_with(Role.CASEWORKER)
    auditor = staff_with(Role.AUDITOR)
    # A failed login recorded before object types were an enum: kind `staff`.
    record_legacy(
        actor=SystemActor("anonymous"),
        event=EventType.LOGIN_FAILED,
        object_type="staff",
        object_id=str(caseworker.pk),
    )
    client_for(caseworker)  # a real login now: kind `accounts.staff`
    kinds = set(
        AuditEntry.objects.filter(object_id=str(caseworker.pk)).values_list(
            "object_type", flat=True
        )
    )
    assert {"staff", "accounts.staff"} <= kinds

    for spelling in ("staff", "accounts.staff"):
        touches = selectors.count_touches_for_object(
            object_type=spelling, object_id=str(caseworker.pk)
        )
        assert {t.actor for t in touches} >= {"system:anonymous", caseworker.actor_id}

    page = client_for(auditor).get(
        "/audit/touches/", {"object_type": "accounts.staff", "object_id": str(caseworker.pk)}
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "system:anonymous" in html
    assert caseworker.actor_id in html
