"""Closing through the checklist, reopening by coordinators only, and closing an incident
only with its outcome and every step done or skipped with a reason."""

from __future__ import annotations

from datetime import timedelta

import pytest

from corridor.audit.models import AuditEntry, ReasonNote
from corridor.cases.access import access_incident_notes
from corridor.cases.closing import ClosingUnaccounted, Disposition
from corridor.cases.models import Incident, Phase
from corridor.cases.selectors import list_running
from corridor.cases.services import closing, safety
from corridor.cases.services.openings import open_case_for_work
from corridor.core import clock
from corridor.core.exceptions import InvalidInput, NotAllowed
from corridor.pathways.selectors import list_running_applications
from corridor.people.models import ContactProtocol
from tests.cases.conftest import CASE_DB
from tests.security.case_fixture import build_case

pytestmark = [CASE_DB, pytest.mark.usefixtures("vault_keys")]


def events_since(seq: int) -> list[str]:
    return list(
        AuditEntry.objects.filter(seq__gt=seq).order_by("seq").values_list("event_type", flat=True)
    )


def last_seq() -> int:
    entry = AuditEntry.objects.order_by("-seq").first()
    return entry.seq if entry else 0


def test_closing_is_refused_while_anything_runs_unaccounted_and_names_it():
    fx = build_case()
    running = [*list_running(fx.case), *list_running_applications(fx.case.pk)]
    assert sorted(item.kind for item in running) == [
        "application",
        "incident",
        "journey",
        "placement",
        "task",
        "task",
    ]
    before = last_seq()
    with pytest.raises(ClosingUnaccounted) as refused:
        closing.close_case(actor=fx.owner, case=fx.fresh(), reason="withdrawn")
    assert "Placement SH-01 since" in str(refused.value)
    assert "Incident: Safe house raided" in str(refused.value)
    # Kept without a reason is not accounted for; an incident cannot be ended from here.
    almost = {item.key: Disposition(end=item.endable, reason="") for item in running}
    with pytest.raises(ClosingUnaccounted, match="Incident"):
        closing.close_case(
            actor=fx.owner,
            case=fx.fresh(),
            reason="withdrawn",
            dispositions=almost,
            also_running=list_running_applications(fx.case.pk),
        )
    forced = {item.key: Disposition(end=True) for item in running}
    with pytest.raises(ClosingUnaccounted, match="cannot be ended from here"):
        closing.close_case(
            actor=fx.owner,
            case=fx.fresh(),
            reason="withdrawn",
            dispositions=forced,
            also_running=list_running_applications(fx.case.pk),
        )
    assert fx.fresh().phase != Phase.CLOSED
    assert events_since(before) == []


def test_closing_ends_or_keeps_each_thing_and_stops_the_contact_protocol(time_machine):
    fx = build_case()
    pending = list_running_applications(fx.case.pk)
    running = [*list_running(fx.case), *pending]
    settled = {
        item.key: Disposition(end=item.endable, reason="" if item.endable else "partner's now")
        for item in running
    }
    closing.close_case(
        actor=fx.owner,
        case=fx.fresh(),
        reason="referred_out",
        dispositions=settled,
        also_running=pending,
        sharing_confirmed=True,
    )
    case = fx.fresh()
    assert (case.phase, case.closure_reason) == (Phase.CLOSED, "referred_out")
    fx.placement.refresh_from_db()
    fx.leg.refresh_from_db()
    assert fx.placement.ends_on == clock.today()
    assert fx.leg.cancelled_on == clock.today()
    assert fx.leg.completed_on is None
    assert not case.tasks.filter(done_at__isnull=True).exists()
    kept = AuditEntry.objects.filter(event_type="cases.kept_at_closing")
    assert sorted(entry.object_type for entry in kept) == ["cases.incident", "pathways.application"]
    assert ReasonNote.objects.filter(case_id=case.ref).count() == 2
    assert AuditEntry.objects.filter(event_type="cases.protocol_stopped").count() == 1
    # Stopped: long past its interval, the closed case raises no missed check-in.
    time_machine.move_to(clock.now() + timedelta(days=5))
    assert safety.raise_missed_check_ins() == 0
    assert [item.kind for item in list_running(case)] == ["incident"]  # kept open


def test_only_a_coordinator_reopens_and_the_protocol_starts_again(time_machine):
    fx = build_case()
    pending = list_running_applications(fx.case.pk)
    closing.close_case(
        actor=fx.owner,
        case=fx.fresh(),
        reason="withdrawn",
        dispositions={
            item.key: Disposition(end=item.endable, reason="kept")
            for item in [*list_running(fx.case), *pending]
        },
        also_running=pending,
    )
    time_machine.move_to(clock.now() + timedelta(days=30), tick=False)
    with pytest.raises(NotAllowed, match="Only a coordinator"):
        closing.reopen_case(actor=fx.owner, case=fx.fresh(), reason="new_danger")
    assert fx.fresh().phase == Phase.CLOSED
    closing.reopen_case(actor=fx.coordinator, case=fx.fresh(), reason="new_danger")
    case = fx.fresh()
    assert case.phase != Phase.CLOSED
    assert case.reopened_count == 1
    protocol = ContactProtocol.objects.get(person=fx.principal)
    assert protocol.check_in_due_at == clock.now() + timedelta(hours=24)
    assert safety.raise_missed_check_ins() == 0


def test_an_incident_closes_only_with_an_outcome_and_every_step_settled():
    fx = build_case()
    incident = fx.incident
    with pytest.raises(InvalidInput, match="Write what came of the incident"):
        safety.close_incident(actor=fx.owner, incident=incident, outcome=" ")
    with pytest.raises(InvalidInput, match="Still open: Coordinator informed; Person contacted"):
        safety.close_incident(actor=fx.owner, incident=incident, outcome="safe")
    for step in safety.CHECKLIST[:-1]:
        safety.complete_incident_step(actor=fx.owner, incident=incident, step=step)
    with pytest.raises(InvalidInput, match="Say why"):
        safety.skip_incident_step(
            actor=fx.owner, incident=incident, step="relocation_decided", reason_text=""
        )
    with pytest.raises(InvalidInput, match="Still open: Relocation decided"):
        safety.close_incident(actor=fx.owner, incident=incident, outcome="safe")
    safety.skip_incident_step(
        actor=fx.owner,
        incident=incident,
        step="relocation_decided",
        reason_text="the flat was never found",
    )
    with pytest.raises(InvalidInput, match="already done or skipped"):
        safety.complete_incident_step(actor=fx.owner, incident=incident, step="relocation_decided")
    safety.close_incident(actor=fx.owner, incident=incident, outcome="raid was elsewhere")
    incident = Incident.objects.get(pk=incident.pk)
    assert incident.closed_at is not None
    closed = AuditEntry.objects.get(seq=incident.outcome_event)
    assert closed.event_type == "cases.incident_closed"
    assert "raid was elsewhere" not in closed.detail
    with pytest.raises(InvalidInput, match="already closed"):
        safety.close_incident(actor=fx.owner, incident=incident, outcome="again")


def test_the_incident_words_open_only_while_the_case_is_open_for_work():
    fx = build_case()
    incident = fx.incident
    for step in safety.CHECKLIST[:-1]:
        safety.complete_incident_step(actor=fx.owner, incident=incident, step=step)
    safety.skip_incident_step(
        actor=fx.owner, incident=incident, step="relocation_decided", reason_text="no need"
    )
    safety.close_incident(actor=fx.owner, incident=incident, outcome="all well")
    incident.refresh_from_db()
    assert access_incident_notes(fx.owner, incident, session_key="browser-1") is None
    open_case_for_work(actor=fx.owner, case=fx.fresh(), session_key="browser-1", reason="")
    before = last_seq()
    notes = access_incident_notes(fx.owner, incident, session_key="browser-1")
    assert notes == {"relocation_decided": "no need", "outcome": "all well"}
    assert events_since(before) == ["audit.reason_note_read", "audit.reason_note_read"]
