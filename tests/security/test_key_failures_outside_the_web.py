"""Key and integrity failures met by the worker and by commands are audited and alerted
as a page's are.

Before this change a task or a command that met a sealed, unreachable or refusing key
service, or a stored value that failed its check, wrote no audit event and raised no
alert: the worker logged a line and the command ended in a traceback. The key provider
(the file provider, as in every such test) is made to fail in each of the four ways.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from corridor.accounts.key_failures import alert_code
from corridor.accounts.models import StaffAlert
from corridor.accounts.roles import Role
from corridor.audit.models import AuditEntry
from corridor.core.commands import KEY_FAILURE_EXIT, CorridorCommand
from corridor.core.models import ParkedWork
from corridor.core.tasks import TaskFailed
from corridor.intake.services import screening
from corridor.vault.errors import DecryptionFailed, KeydUnreachable, UnwrapRefused, VaultSealed
from corridor.vault.providers.file import FileKeyProvider
from tests.factories import staff_with, write
from tests.portal_helpers import fast_kdf  # noqa: F401 - fixture
from tests.web.test_key_failures import EVENTS, KINDS, fail_provider

pytestmark = [
    pytest.mark.django_db(databases=["default", "keystore"]),
    pytest.mark.usefixtures("vault_keys", "fast_kdf"),
]


def failure_events(kind: str) -> list[tuple[str, str, dict[str, object]]]:
    event_type, _reason = EVENTS[kind]
    rows = AuditEntry.objects.filter(event_type=event_type).order_by("seq")
    return [(row.actor, row.reason, json.loads(row.detail or "{}")) for row in rows]


def open_alerts(kind: str) -> list[str]:
    alerts = StaffAlert.objects.filter(code=alert_code(kind), dismissed_at__isnull=True)
    return sorted(alert.staff.username for alert in alerts)


@pytest.mark.parametrize("kind", KINDS)
def test_a_worker_task_that_meets_a_key_failure_is_audited_and_alerted_once(kind, monkeypatch):
    """Given a new request and a coordinator, when the screening task meets the failure
    twice, then each run writes the event (by the worker, naming the work) and the
    coordinator has one alert, not two; a sealed service parks the work as before."""
    coordinator = staff_with(Role.COORDINATOR)
    request = write("Нужна помощь").request
    fail_provider(monkeypatch, kind)
    for _ in range(2):
        if kind in ("sealed", "unavailable"):
            screening.screen_request_task.call(str(request.pk))  # parked, not failed
        else:
            with pytest.raises(TaskFailed):
                screening.screen_request_task.call(str(request.pk))
    _event_type, reason = EVENTS[kind]
    work = screening.PARKED_KIND if kind in ("sealed", "unavailable") else "screen_request_task"
    assert failure_events(kind) == [("system:worker", reason, {"work": work})] * 2
    assert open_alerts(kind) == [coordinator.username]
    parked = ParkedWork.objects.filter(object_id=str(request.pk)).exists()
    assert parked == (kind in ("sealed", "unavailable"))


def test_a_periodic_job_that_meets_a_key_failure_is_audited(monkeypatch):
    """The screening sweep (a periodic job) meets a refusal: audited with the job's name,
    the coordinators alerted, the other jobs still run."""
    from corridor.core.tasks import run_due_jobs

    coordinator = staff_with(Role.COORDINATOR)
    write("Нужна помощь")
    fail_provider(monkeypatch, "refused")
    ran = run_due_jobs()
    works = [detail["work"] for _actor, _reason, detail in failure_events("refused")]
    assert works, "no job met the refusal"
    assert all(isinstance(work, str) and work not in ran for work in works)
    assert open_alerts("refused") == [coordinator.username]


COMMAND_FAILURES = {
    "sealed": VaultSealed("keyd is sealed"),
    "unavailable": KeydUnreachable("keyd is not running"),
    "refused": UnwrapRefused("refused", reason="not_allowed"),
    "integrity": DecryptionFailed("the head key's check failed"),
}


@pytest.mark.parametrize("kind", KINDS)
def test_a_command_that_meets_a_key_failure_is_audited_alerted_and_says_so(kind, monkeypatch):
    """`corridor audit head` against a key service that fails: exit 3 and one sentence,
    the event by the operator naming the command, the coordinators alerted."""
    coordinator = staff_with(Role.COORDINATOR)

    def sign_tree_head(self, **kwargs):  # type: ignore[no-untyped-def]
        raise COMMAND_FAILURES[kind]

    monkeypatch.setattr(FileKeyProvider, "sign_tree_head", sign_tree_head)
    with pytest.raises(CommandError) as refused:
        call_command("audit", "head", stdout=StringIO())
    assert refused.value.returncode == KEY_FAILURE_EXIT
    assert "key service" in str(refused.value) or "integrity check" in str(refused.value)
    [(actor, reason, detail)] = failure_events(kind)
    assert actor.startswith("system:cli:")
    assert (reason, detail) == (EVENTS[kind][1], {"work": "command:audit"})
    assert open_alerts(kind) == [coordinator.username]


def test_every_command_goes_through_the_key_failure_base():
    """A new command that derives from BaseCommand would let a key failure pass unrecorded."""
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("corridor."):
            continue
        try:
            package = importlib.import_module(f"{config.name}.management.commands")
        except ModuleNotFoundError:
            continue
        for module in pkgutil.iter_modules(package.__path__):
            command = importlib.import_module(f"{package.__name__}.{module.name}").Command
            found.append((module.name, issubclass(command, CorridorCommand)))
    assert len(found) >= 10
    assert [name for name, ok in found if not ok] == []
