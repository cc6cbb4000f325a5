"""Requester sessions forget their key when idle; the periodic jobs keep intake tidy and
rotate the intake key pair without losing a box still sealed to an old one."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine

from corridor.audit.events import EventType
from corridor.audit.models import AuditEntry
from corridor.core import clock
from corridor.core.tasks import run_due_jobs
from corridor.intake.jobs import rotate_keys, sweep_portal_rows, sweep_sessions
from corridor.intake.models import Request, RequesterSession, SpentFormToken, ThrottleBucket
from corridor.intake.services.sessions import end_requester_session, resume_requester_session
from corridor.vault.models import DestroyedKey, Purpose, WrappedKey
from corridor.vault.providers import key_provider
from tests.factories import REQUESTER, write

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])


def test_a_session_is_resumed_while_in_use_and_forgotten_when_idle(vault_keys, fast_kdf, settings):
    settings.CORRIDOR_PORTAL_IDLE_MINUTES = 15
    written = write()
    start = clock.now()
    with time_machine.travel(start + timedelta(minutes=10)):
        assert resume_requester_session(written.session.digest) is not None
    with time_machine.travel(start + timedelta(minutes=24)):
        assert resume_requester_session(written.session.digest) is not None
    with time_machine.travel(start + timedelta(minutes=40)):
        assert resume_requester_session(written.session.digest) is None
    assert not RequesterSession.objects.exists()
    assert Request.objects.filter(pk=written.request.pk).exists()


def test_the_sweep_deletes_idle_sessions_with_their_keys(vault_keys, fast_kdf):
    write()
    with time_machine.travel(clock.now() + timedelta(hours=1)):
        sweep_sessions()
    assert not RequesterSession.objects.exists()


def test_leaving_deletes_the_session_and_records_it(vault_keys, fast_kdf):
    written = write()
    assert end_requester_session(actor=REQUESTER, digest=written.session.digest)
    assert not end_requester_session(actor=REQUESTER, digest=written.session.digest)
    assert AuditEntry.objects.filter(event_type=EventType.SIGNED_OUT.value).count() == 1


def test_spent_forms_and_idle_buckets_are_swept(vault_keys, fast_kdf):
    write()
    assert SpentFormToken.objects.exists()
    assert ThrottleBucket.objects.filter(name__contains=":session:").exists()
    with time_machine.travel(clock.now() + timedelta(days=3)):
        sweep_portal_rows()
    assert not SpentFormToken.objects.exists()
    assert not ThrottleBucket.objects.filter(name__contains=":session:").exists()


def test_the_jobs_are_registered_with_the_worker(vault_keys, fast_kdf):
    ran = run_due_jobs()
    assert {"intake.forget_idle_sessions", "intake.sweep_portal_rows"} <= set(ran)
    assert "intake.rotate_intake_keys" in ran


def test_rotation_keeps_every_key_a_stored_box_is_sealed_to(vault_keys, fast_kdf):
    """A month on, a new pair seals new requests; the old private key stays while an
    unopened request needs it, and goes once none does."""
    written = write()
    old = WrappedKey.objects.get(purpose=Purpose.INTAKE, retired_at__isnull=True)
    with time_machine.travel(clock.now() + timedelta(days=31)):
        rotate_keys()
        rotate_keys()
    new = WrappedKey.objects.get(purpose=Purpose.INTAKE, retired_at__isnull=True)
    assert new.id != old.id
    assert WrappedKey.objects.filter(pk=old.pk).exists()
    sealed = bytes(Request.objects.get(pk=written.request.pk).sealed_answers)
    assert json.loads(key_provider().open_intake(sealed, str(written.request.pk)))["story"]
    rotated = AuditEntry.objects.get(event_type=EventType.INTAKE_KEY_ROTATED.value)
    assert rotated.object_id == str(new.id)
    Request.objects.filter(pk=written.request.pk).update(sealed_answers=None, sealed_to=None)
    with time_machine.travel(clock.now() + timedelta(days=32)):
        rotate_keys()
    assert DestroyedKey.objects.filter(pk=old.pk).exists()
    destroyed = AuditEntry.objects.get(event_type=EventType.KEY_DESTROYED.value)
    assert destroyed.object_id == str(old.id)


def test_the_pair_current_at_rotation_is_kept_for_one_more_run(vault_keys, fast_kdf):
    """A request being sealed to the old pair while the job runs is not lost: the old
    private key is destroyed at the earliest on the next run."""
    old = WrappedKey.objects.get(purpose=Purpose.INTAKE, retired_at__isnull=True)
    with time_machine.travel(clock.now() + timedelta(days=31)):
        rotate_keys()
    assert WrappedKey.objects.filter(pk=old.pk).exists()
