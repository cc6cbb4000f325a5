"""Dismissing an alert from the dashboard: with a reason, audited, and never by the person
the alert concerns ("No alert can be dismissed by the person it concerns").

The attack: a coordinator suspends a colleague (or activates a standby, or assigns a case
to themselves through break-glass); every coordinator and auditor is alerted, the actor
among them. Before, nothing on any page dismissed an alert; the rule lived in the service
alone. Now the dashboard offers a dismiss form on every alert except those that concern
the viewer, and the endpoint refuses a forged post for one.
"""

from __future__ import annotations

import json

import pytest

from corridor.accounts import services as accounts
from corridor.accounts.models import StaffAlert
from corridor.accounts.roles import Role
from corridor.audit.models import AuditEntry
from tests.accounts.helpers import form_token
from tests.factories import staff_with
from tests.web.conftest import client_for

pytestmark = pytest.mark.django_db

OWN = "This alert is about you; another person must dismiss it."


@pytest.fixture
def suspended():
    """Two coordinators; the first suspends a caseworker: both are alerted."""
    suspender, colleague = staff_with(Role.COORDINATOR), staff_with(Role.COORDINATOR)
    staff_with(Role.COORDINATOR)  # the last two active coordinators are never cut off
    caseworker = staff_with(Role.CASEWORKER)
    accounts.suspend_staff(actor=suspender, staff=caseworker)
    return suspender, colleague, caseworker


def dismiss(client, alert: StaffAlert, reason: str = "dealt_with"):
    token = form_token(client, "/")
    return client.post(
        f"/alerts/{alert.pk}/dismiss/", {"reason": reason, "csrfmiddlewaretoken": token}
    )


def dismissals() -> list[tuple[str, str, dict[str, object]]]:
    rows = AuditEntry.objects.filter(event_type="accounts.alert_dismissed").order_by("seq")
    return [(row.actor, row.reason, json.loads(row.detail or "{}")) for row in rows]


def test_the_person_an_alert_concerns_cannot_dismiss_it(suspended):
    """The suspender sees no dismiss form on the alert about their own act, and a forged
    post is refused: the alert stays open and no dismissal is recorded."""
    suspender, _colleague, _caseworker = suspended
    client = client_for(suspender)
    own = StaffAlert.objects.get(code="account_suspended", staff=suspender)
    page = client.get("/").content.decode()
    assert OWN in page
    assert f"/alerts/{own.pk}/dismiss/" not in page
    response = dismiss(client, own)
    assert response.status_code == 302
    assert OWN in client.get("/").content.decode()
    own.refresh_from_db()
    assert own.dismissed_at is None
    assert dismissals() == []


def test_a_colleague_dismisses_their_alert_with_a_reason_and_it_is_audited(suspended):
    suspender, colleague, caseworker = suspended
    client = client_for(colleague)
    theirs = StaffAlert.objects.get(code="account_suspended", staff=colleague)
    page = client.get("/").content.decode()
    assert f"/alerts/{theirs.pk}/dismiss/" in page
    assert dismiss(client, theirs, reason="expected").status_code == 302
    theirs.refresh_from_db()
    assert theirs.dismissed_at is not None
    assert f'id="alert-{theirs.pk}"' not in client.get("/").content.decode()
    [(actor, reason, detail)] = dismissals()
    assert (actor, reason) == (colleague.actor_id, "expected")
    assert detail == {"alert": str(theirs.pk), "code": "account_suspended"}
    # The suspender's own copy is untouched by the colleague's dismissal.
    own = StaffAlert.objects.get(code="account_suspended", staff=suspender)
    assert own.dismissed_at is None
    assert caseworker.pk == theirs.subject_id


def test_a_dismissal_without_a_reason_or_of_someone_elses_alert_is_refused(suspended):
    suspender, colleague, _caseworker = suspended
    client = client_for(colleague)
    theirs = StaffAlert.objects.get(code="account_suspended", staff=colleague)
    dismiss(client, theirs, reason="")
    page = client.get("/").content.decode()
    assert "Say why you dismiss the alert." in page
    # Another person's copy: the same answer as a missing alert.
    other = StaffAlert.objects.get(code="account_suspended", staff=suspender)
    dismiss(client, other)
    assert "There is no such alert." in client.get("/").content.decode()
    assert StaffAlert.objects.filter(dismissed_at__isnull=False).count() == 0
    assert dismissals() == []


def test_the_dismiss_form_speaks_russian(suspended):
    _suspender, colleague, _caseworker = suspended
    client = client_for(colleague)
    client.cookies["corridor_language"] = "ru"
    page = client.get("/").content.decode()
    assert ">Закрыть</button>" in page
    assert "Почему закрываете?" in page


def test_a_coordinator_refused_a_key_cannot_dismiss_the_alert_about_it():
    """The attack: a coordinator asks for a case key that is not theirs; the key-failure
    alert reaches every coordinator, them included. Their copy names them and has no
    dismiss button; a colleague's copy of the same alert can be dismissed. A second
    refusal of the same person adds no second alert."""
    from corridor.accounts.alerts import dismiss_alert
    from corridor.accounts.key_failures import record_key_failure
    from corridor.core.exceptions import NotAllowed
    from corridor.vault.errors import UnwrapRefused

    prober, colleague = staff_with(Role.COORDINATOR), staff_with(Role.COORDINATOR)
    for _ in range(2):
        refusal = UnwrapRefused("refused", reason="not_allowed", principal=prober.actor_id)
        record_key_failure(actor=prober, failure=refusal, page="case")
    alerts = StaffAlert.objects.filter(code="key_failure_refused")
    assert sorted(alerts.values_list("staff_id", "actor_id")) == sorted(
        [(prober.pk, prober.pk), (colleague.pk, prober.pk)]
    )
    page = client_for(prober).get("/").content.decode()
    assert f"The key service refused {prober.username} a case key." in page
    assert OWN in page
    with pytest.raises(NotAllowed):
        dismiss_alert(actor=prober, alert_id=str(alerts.get(staff=prober).pk), reason="expected")
    dismiss_alert(actor=colleague, alert_id=str(alerts.get(staff=colleague).pk), reason="expected")
    assert dismissals()[0][:2] == (colleague.actor_id, "expected")
