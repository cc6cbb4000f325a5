"""A full disk, recognised wherever it surfaces: staff and requesters get a 503 with a sentence,
the log names the cause, the worker's retry bookkeeping and the free-space alert hold.

The process drill (a real tmpfs filled under a running worker and server) is
tests/test_disk_full_drill.py; these tests cover each part with a real SQLITE_FULL.
"""

from __future__ import annotations

import errno
import json
import logging
import sqlite3
import sys
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, OperationalError
from django.test import Client
from django.utils import translation
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from psycopg.errors import DiskFull

from corridor.accounts.models import StaffAlert
from corridor.accounts.roles import Role
from corridor.config.env import read_env
from corridor.core import leases
from corridor.core.disk_full import is_disk_full
from corridor.core.leases import Lease, settle_own_tasks
from corridor.core.logging import JsonFormatter
from corridor.core.retries import RetryPolicy
from corridor.operations import free_space
from tests import sample_tasks
from tests.factories import staff_with
from tests.portal_helpers import STORY, Requester
from tests.web.conftest import client_for

STAFF_SENTENCE = "The server&#x27;s disk is full; nothing you entered was lost."
STAFF_SENTENCE_RU = "Диск сервера заполнен; ничего из введённого вами не потеряно."


def sqlite_full() -> OperationalError:
    """A real SQLITE_FULL, wrapped the way Django wraps it."""
    database = sqlite3.connect(":memory:")
    database.execute("CREATE TABLE t (b BLOB)")
    pages = database.execute("PRAGMA page_count").fetchone()[0]
    database.execute(f"PRAGMA max_page_count = {pages}")
    try:
        database.execute("INSERT INTO t VALUES (zeroblob(100000))")
    except sqlite3.OperationalError as raw:
        try:
            raise OperationalError(*raw.args) from raw
        except OperationalError as wrapped:
            return wrapped
    raise AssertionError("SQLite took a row larger than its page limit")


def raiser(error: BaseException):
    def fail(*args: object, **kwargs: object) -> None:
        raise error

    return fail


# ---------------------------------------------------------------- recognising it
@pytest.mark.pure
def test_every_kind_of_full_disk_is_recognised_and_nothing_else():
    try:
        raise DatabaseError("could not extend file") from DiskFull("could not extend file")
    except DatabaseError as wrapped:
        postgres = wrapped
    assert is_disk_full(sqlite_full())
    shm, read = (
        sqlite3.OperationalError("disk I/O error"),
        sqlite3.OperationalError("disk I/O error"),
    )
    shm.sqlite_errorcode, read.sqlite_errorcode = 4874, 266  # IOERR_SHMSIZE, IOERR_READ
    assert is_disk_full(shm)
    assert not is_disk_full(read)
    assert is_disk_full(OSError(errno.ENOSPC, "No space left on device"))
    assert is_disk_full(OSError(errno.EDQUOT, "Disk quota exceeded"))
    assert is_disk_full(postgres)
    assert not is_disk_full(OperationalError("database is locked"))
    assert not is_disk_full(OSError(errno.EACCES, "Permission denied"))
    assert not is_disk_full(ValueError("database or disk is full"))
    assert not is_disk_full(None)


@pytest.mark.pure
def test_the_log_names_the_cause_without_the_errors_text():
    error = sqlite_full()
    record = logging.LogRecord(
        "django.request",
        logging.ERROR,
        __file__,
        1,
        "Internal Server Error",
        None,
        (type(error), error, error.__traceback__),
    )
    line = json.loads(JsonFormatter().format(record))
    assert (line["exception"], line["cause"]) == ("OperationalError", "disk full")
    assert "database or disk is full" not in json.dumps(line)


# ---------------------------------------------------------------- pages
@pytest.mark.django_db(databases={"default", "keystore"})
def test_a_staff_page_that_fails_on_a_full_disk_answers_503_with_the_sentence(
    monkeypatch, vault_keys
):
    """In a view (the dashboard's read) and outside one (the session's last-seen write)."""
    client = client_for(staff_with(Role.COORDINATOR))
    client.raise_request_exception = False
    monkeypatch.setattr("corridor.accounts.oncall.waiting_alerts", raiser(sqlite_full()))
    in_view = client.get("/")
    monkeypatch.setattr("corridor.accounts.sessions.touch", raiser(sqlite_full()))
    in_middleware = client.get("/", HTTP_ACCEPT_LANGUAGE="ru")
    assert in_view.status_code == in_middleware.status_code == 503
    assert STAFF_SENTENCE in in_view.content.decode()
    assert in_middleware["Cache-Control"].startswith("no-store")


@pytest.mark.django_db(databases={"default", "keystore"})
def test_the_staff_sentence_in_russian(monkeypatch, vault_keys, settings):
    client = client_for(staff_with(Role.CASEWORKER))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    monkeypatch.setattr("corridor.accounts.oncall.waiting_alerts", raiser(sqlite_full()))
    response = client.get("/")
    assert response.status_code == 503
    assert STAFF_SENTENCE_RU in response.content.decode()


@pytest.mark.django_db(databases={"default", "keystore"})
def test_the_portal_refuses_a_request_it_cannot_store_clearly_in_russian_first(
    monkeypatch, vault_keys
):
    """A requester whose request cannot be stored is told to keep the text and come back;
    a database error that is not a full disk is still an ordinary 500."""
    person = Requester(client=Client(raise_request_exception=False))
    monkeypatch.setattr(
        "corridor.portal.views.receive_portal_request", raiser(OSError(errno.ENOSPC, "full"))
    )
    refused = person.send_request()
    page = refused.content.decode()
    assert refused.status_code == 503
    assert "Скопируйте то, что вы написали" in page
    assert STORY not in page
    monkeypatch.setattr(
        "corridor.portal.views.receive_portal_request",
        raiser(OperationalError("database is locked")),
    )
    assert person.send_request().status_code == 500


# ---------------------------------------------------------------- the worker's bookkeeping
@pytest.mark.pure
def test_a_policy_that_never_gives_up_waits_at_most_its_longest():
    policy = RetryPolicy(
        attempts=sys.maxsize, first_wait=timedelta(seconds=2), longest_wait=timedelta(seconds=30)
    )
    assert [policy.wait_after(n) for n in (1, 2, 3)] == [
        timedelta(seconds=2),
        timedelta(seconds=8),
        timedelta(seconds=30),
    ]
    assert policy.wait_after(10**6) == timedelta(seconds=30)


@pytest.mark.django_db
def test_tasks_a_live_worker_could_not_record_are_queued_again():
    """A task left RUNNING by this worker (its outcome could not be written) and one FAILED
    whose retry could not be queued run again; another live worker's task is left alone."""
    ids = []
    for item in ("mine-running", "mine-failed", "theirs"):
        ids.append(sample_tasks.commit_once.enqueue(item).id)
    DBTaskResult.objects.filter(pk=ids[0]).update(
        status=TaskResultStatus.RUNNING, worker_ids=["w1"]
    )
    DBTaskResult.objects.filter(pk=ids[1]).update(status=TaskResultStatus.FAILED, worker_ids=["w1"])
    DBTaskResult.objects.filter(pk=ids[2]).update(
        status=TaskResultStatus.RUNNING, worker_ids=["w2"]
    )
    assert settle_own_tasks("w1", failed_ids=[ids[1]]) == 2
    statuses = dict(DBTaskResult.objects.values_list("pk", "status"))
    assert [statuses[i] for i in map(type(next(iter(statuses))), ids)] == [
        TaskResultStatus.READY,
        TaskResultStatus.READY,
        TaskResultStatus.RUNNING,
    ]


@pytest.mark.django_db
def test_a_worker_starting_on_a_full_disk_runs_without_its_lease_until_it_can_write(monkeypatch):
    monkeypatch.setattr(leases, "renew", raiser(sqlite_full()))
    with Lease("w1") as lease:
        assert lease.taken is False
    monkeypatch.setattr(leases, "renew", raiser(OperationalError("database is locked")))
    with pytest.raises(OperationalError):
        Lease("w1").__enter__()


# ---------------------------------------------------------------- the free-space alert
@pytest.mark.django_db
def test_low_free_space_alerts_coordinators_and_administrators_once(monkeypatch, settings):
    coordinator = staff_with(Role.COORDINATOR)
    admin = staff_with(Role.ADMIN)
    staff_with(Role.CASEWORKER)
    settings.CORRIDOR_FREE_SPACE_ALERT_BYTES = 100 * 1024**2
    monkeypatch.setattr(free_space, "free_bytes", lambda: 200 * 1024**2)
    free_space.check_free_space()
    assert not StaffAlert.objects.exists()
    monkeypatch.setattr(free_space, "free_bytes", lambda: 50 * 1024**2)
    free_space.check_free_space()
    free_space.check_free_space()
    alerted = sorted(StaffAlert.objects.filter(code="disk_low").values_list("staff_id", flat=True))
    assert alerted == sorted([coordinator.pk, admin.pk])


@pytest.mark.pure
def test_the_threshold_is_read_from_the_environment():
    assert read_env({"CORRIDOR_ENV": "demo"}, secret_key_file=False).free_space_alert_mb == 2048
    env = read_env(
        {"CORRIDOR_ENV": "demo", "CORRIDOR_FREE_SPACE_ALERT_MB": "500"}, secret_key_file=False
    )
    assert env.free_space_alert_mb == 500
    with pytest.raises(ImproperlyConfigured):
        read_env(
            {"CORRIDOR_ENV": "demo", "CORRIDOR_FREE_SPACE_ALERT_MB": "lots"}, secret_key_file=False
        )


@pytest.fixture(autouse=True)
def _english():
    translation.activate("en")
