"""The portal's promise, kept: a person asks to delete everything, a message in their thread
says when, the worker carries it out after the promised delay, and until then the person
or a coordinator can cancel it. A request already in a case opens a two-person erasure
task for the case instead of being erased alone."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

import pytest
import time_machine
from django.utils.translation import gettext_lazy as _
from django_tasks_db.models import DBTaskResult

from corridor.accounts.models import StaffAlert
from corridor.accounts.roles import Role
from corridor.cases.models import Case, Task
from corridor.core import clock
from corridor.core.actors import WORKER
from corridor.core.exceptions import NotAllowed
from corridor.intake.models import Author, Message, Outcome, Request, Status
from corridor.intake.services import deletion
from corridor.intake.services.codenames import sign_in_with_codename
from corridor.intake.services.decisions import record_decision
from corridor.intake.services.opening import open_request
from corridor.intake.services.screening import screen_request
from tests.factories import REQUESTER, new_digest, staff_with
from tests.portal_helpers import ru

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])
DELETION_TOKEN = re.compile(
    r'action="/help/deletion/"[^>]*>\s*<input type="hidden" name="form_token" value="([^"]+)"'
)


def ask(person, *, confirm: bool = True, action: str = ""):
    page = person.get("thread/").content.decode()
    match = DELETION_TOKEN.search(page)
    assert match, "the conversation page has no deletion form"
    data = {"form_token": match.group(1)}
    if confirm:
        data["confirm"] = "yes"
    if action:
        data["action"] = action
    return person.client.post("/help/deletion/", data)


def signs_in(codename: str) -> bool:
    session = sign_in_with_codename(
        actor=REQUESTER,
        attempt_digest=new_digest(),
        session_digest=new_digest(),
        holder=secrets.token_bytes(32),
        typed=codename,
    )
    return session is not None


def test_asking_plans_the_deletion_tells_the_thread_and_queues_the_delayed_job(
    person, django_capture_on_commit_callbacks
):
    codename = person.write_and_get_codename()
    with django_capture_on_commit_callbacks(execute=True):
        response = ask(person)
    assert response.status_code == 303
    request = Request.objects.get()
    due = request.deletion_due_at
    assert due is not None
    assert timedelta(days=7) - timedelta(minutes=1) < due - clock.now() <= timedelta(days=7)
    job = DBTaskResult.objects.get(task_path__endswith="carry_out_deletion_task")
    assert job.run_after == due
    assert job.args_kwargs["args"] == [str(request.pk)]
    page = person.get("thread/").content.decode()
    assert ru(_("Cancel the deletion")) in page
    assert Message.objects.filter(request=request, author=Author.TEAM).count() == 1
    # The team's message about it, in Russian, in the thread.
    assert "Если вас заставили попросить об этом, отмените удаление" in page

    # Not before the day: nothing happens.
    assert deletion.carry_out_deletion(request_id=request.pk) == ""
    assert signs_in(codename)
    with time_machine.travel(due + timedelta(seconds=1), tick=False):
        assert deletion.carry_out_deletion(request_id=request.pk) == "erased"
    request.refresh_from_db()
    assert request.status == Status.ERASED
    assert request.answers is None
    assert not signs_in(codename)


def test_asking_without_ticking_the_box_plans_nothing(person):
    person.write_and_get_codename()
    response = ask(person, confirm=False)
    assert response.status_code == 303
    assert "deletion=unconfirmed" in response["Location"]
    assert Request.objects.get().deletion_due_at is None


def test_the_person_can_cancel_within_the_delay_and_nothing_is_deleted(person):
    codename = person.write_and_get_codename()
    ask(person)
    request = Request.objects.get()
    due = request.deletion_due_at
    assert ask(person, confirm=False, action="cancel").status_code == 303
    request.refresh_from_db()
    assert request.deletion_due_at is None
    with time_machine.travel(due + timedelta(days=1), tick=False):
        assert deletion.carry_out_deletion(request_id=request.pk) == ""
    assert Request.objects.get().status != Status.ERASED
    assert signs_in(codename)
    assert ru(_("Ask to delete everything")) in person.get("thread/").content.decode()


def test_a_coordinator_can_cancel_and_a_verifier_cannot(person):
    person.write_and_get_codename()
    ask(person)
    request = Request.objects.get()
    with pytest.raises(NotAllowed):
        deletion.cancel_deletion(actor=staff_with(Role.VERIFIER), request_id=request.pk)
    deletion.cancel_deletion(actor=staff_with(Role.COORDINATOR), request_id=request.pk)
    assert Request.objects.get().deletion_due_at is None


def test_a_request_in_a_case_opens_a_two_person_erasure_task_instead(person):
    """The worker does not erase a case alone: the case's lead gets the task, every
    coordinator an alert, and the case is untouched until two of them erase it."""
    coordinator = staff_with(Role.COORDINATOR)
    other = staff_with(Role.COORDINATOR)
    person.write_and_get_codename()
    request = Request.objects.get()
    screen_request(actor=WORKER, request_id=request.pk)
    open_request(actor=coordinator, request_id=request.pk)
    record_decision(
        actor=coordinator, request_id=request.pk, outcome=Outcome.ACCEPT, methods=["call_held"]
    )
    ask(person)
    request.refresh_from_db()
    case = Case.objects.get(pk=request.case_id)
    with time_machine.travel(request.deletion_due_at + timedelta(seconds=1), tick=False):
        assert deletion.carry_out_deletion(request_id=request.pk) == "case_task"
        assert deletion.carry_out_deletion(request_id=request.pk) == ""  # once only
    case.refresh_from_db()
    assert case.erased_at is None
    assert Request.objects.get().status != Status.ERASED
    task = Task.objects.get(case=case, done_at__isnull=True, assignee=coordinator)
    assert task.due_on <= clock.today() + timedelta(days=7)
    alerted = set(
        StaffAlert.objects.filter(code=deletion.ALERT_CODE, case_ref=case.ref).values_list(
            "staff_id", flat=True
        )
    )
    assert {coordinator.pk, other.pk} <= alerted


# The worker closes its connection when it stops, which a test inside a transaction
# cannot survive on PostgreSQL.
@pytest.mark.django_db(transaction=True, databases=["default", "keystore"])
def test_the_worker_carries_it_out_on_the_promised_day_and_not_before(
    vault_keys, fast_kdf, time_machine
):
    """Through the real queue: the task queued when the person asked is not taken before
    the day, then erases the request."""
    from django.core.management import call_command
    from django.utils import timezone

    from tests.factories import new_token, write

    time_machine.move_to(timezone.now(), tick=False)
    written = write("Нужна помощь")
    due = deletion.ask_for_deletion(
        actor=REQUESTER, session=written.session, form_token=new_token()
    )
    time_machine.move_to(due - timedelta(hours=1), tick=False)
    call_command("worker", burst=True)
    job = DBTaskResult.objects.get(task_path__endswith="carry_out_deletion_task")
    assert job.status == "READY"
    assert Request.objects.get(pk=written.request.pk).status != Status.ERASED

    time_machine.move_to(due + timedelta(minutes=1), tick=False)
    call_command("worker", burst=True)
    job.refresh_from_db()
    assert job.status == "SUCCESSFUL"
    assert Request.objects.get(pk=written.request.pk).status == Status.ERASED
    assert not signs_in(written.codename)
