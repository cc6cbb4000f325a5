"""Erasing a case erases the requests accepted into it: answers, thread, index entries,
bands, codename and keys go in the same transaction; assignments and drafts end; keyd
refuses the keys of erased cases and requests. The drill tries every key left in the key
store against every ciphertext the case and its request ever had."""

from __future__ import annotations

import secrets
import uuid

import pytest

from corridor.accounts import approvals
from corridor.accounts.drafts import stash_draft
from corridor.accounts.models import ApprovalKind, Draft
from corridor.accounts.roles import Role
from corridor.audit.events import EventType
from corridor.audit.models import AuditEntry
from corridor.cases.models import Case, CaseAssignment
from corridor.cases.services import erasure
from corridor.core.actors import WORKER
from corridor.intake.models import (
    Codename,
    IndexEntry,
    Message,
    NarrativeBand,
    Outcome,
    Request,
    Status,
)
from corridor.intake.services.codenames import sign_in_with_codename
from corridor.intake.services.decisions import record_decision
from corridor.intake.services.opening import open_request
from corridor.intake.services.screening import screen_request
from corridor.intake.unwrap_policy import request_unwrap_policy
from corridor.vault import keys as vault_keys
from corridor.vault.aead import field_associated_data
from corridor.vault.errors import VaultError
from corridor.vault.fields import Sealed, sealed_field_names
from corridor.vault.keyd.policy import UnwrapRequest
from corridor.vault.models import Purpose, WrappedKey
from tests.factories import REQUESTER, new_digest, staff_with, write
from tests.plugins.cases import CASE_DB
from tests.portal_helpers import fast_kdf  # noqa: F401

pytestmark = [CASE_DB, pytest.mark.usefixtures("fast_kdf")]

STORY = (
    "Родственники ищут меня после того как я ушла из дома, угрожают расправой, "
    "мне нужно уехать из Грозного как можно скорее вместе с дочерью"
)


@pytest.fixture
def accepted(vault_keys):
    """A portal request, screened, opened and accepted into a case a coordinator leads."""
    coordinator = staff_with(Role.COORDINATOR)
    verifier = staff_with(Role.VERIFIER)
    written = write(story=STORY, full_name="Хеда Умарова", phone="89281234567")
    screen_request(actor=WORKER, request_id=written.request.pk)
    open_request(actor=verifier, request_id=written.request.pk)
    request = record_decision(
        actor=coordinator,
        request_id=written.request.pk,
        outcome=Outcome.ACCEPT,
        methods=["call_held"],
    )
    case = Case.objects.get(pk=request.case_id)
    return coordinator, written, request, case


def erase(coordinator, case: Case) -> None:
    """Erase with two coordinators, and run what waits for the commit (the key destruction)."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        _erase(coordinator, case)


def _erase(coordinator, case: Case) -> None:
    approval = approvals.request_approval(
        actor=coordinator,
        kind=ApprovalKind.ERASE_CASE,
        target_type="cases.case",
        target_id=str(case.pk),
        reason="retention",
    )
    approvals.grant_approval(actor=staff_with(Role.COORDINATOR), approval_id=str(approval.pk))
    erasure.erase_case(actor=coordinator, case=case, approval_id=str(approval.pk))


def asks(staff, request: Request, key_id) -> bool:
    return request_unwrap_policy(
        UnwrapRequest(
            principal=staff.actor_id, case_id=str(request.pk), key_id=key_id, database="default"
        )
    )


def test_erasing_a_case_erases_the_request_accepted_into_it(accepted):
    """Before, the case's erasure left the request's answers, thread, index entries,
    bands and a codename that still signed in."""
    coordinator, _written, request, case = accepted
    request.refresh_from_db()
    request_key = request.key_id
    assert request.answers is not None
    assert IndexEntry.objects.filter(request=request).exists()
    assert NarrativeBand.objects.filter(request=request).exists()

    erase(coordinator, case)

    request.refresh_from_db()
    assert request.status == Status.ERASED
    assert (request.answers, request.facts, request.key_id) == (None, None, None)
    assert not Message.objects.filter(request=request).exclude(body=None, for_requester=None)
    assert not IndexEntry.objects.filter(request=request).exists()
    assert not NarrativeBand.objects.filter(request=request).exists()
    assert not Codename.objects.filter(request=request, retired_on__isnull=True).exists()
    assert not WrappedKey.objects.filter(pk=request_key).exists()
    assert AuditEntry.objects.filter(
        event_type=EventType.REQUEST_ERASED.value, object_id=str(request.pk), case_id=case.ref
    ).exists()


def test_erasing_a_case_ends_its_assignments_and_shreds_drafts_about_it(accepted):
    coordinator, _written, request, case = accepted
    assert CaseAssignment.objects.filter(case=case, ended_at__isnull=True).exists()
    stash_draft(staff=coordinator, form_path=f"/cases/{case.ref}/notes/", fields={"text": "x"})
    stash_draft(staff=coordinator, form_path=f"/requests/{request.pk}/reply/", fields={"t": "y"})
    stash_draft(staff=coordinator, form_path="/cases/new/", fields={"text": "kept"})

    erase(coordinator, case)

    assert not CaseAssignment.objects.filter(case=case, ended_at__isnull=True).exists()
    assert list(Draft.objects.values_list("form_path", flat=True)) == ["/cases/new/"]


def test_erasing_a_case_leaves_no_file_of_its_people(accepted, settings):
    """Attack: after the erasure, read a passport scan out of the data dir."""
    from pathlib import Path

    from corridor.cases.access import case_key
    from corridor.people.document_files import attach_file
    from corridor.people.models import DocumentFile

    coordinator, _written, _request, case = accepted
    person = case.members.first().person
    attach_file(
        actor=coordinator,
        person=person,
        key=case_key(coordinator, case),
        data=b"CANARY passport scan",
        title="passport",
        case_ref=case.ref,
    )
    files = Path(settings.CORRIDOR_DATA_DIR) / "files"
    assert [path for path in files.iterdir() if not path.name.startswith(".")]

    erase(coordinator, case)

    assert not DocumentFile.objects.exists()
    assert list(files.iterdir()) == []


def test_keyd_refuses_a_request_key_once_its_case_is_erased(accepted):
    """A request row that still names its key (restored from a backup, or written back by
    someone with the database) opens nothing for the erased case's former team."""
    coordinator, _written, request, case = accepted
    request.refresh_from_db()
    assert asks(coordinator, request, request.key_id)
    Case.objects.filter(pk=case.pk).update(erased_at=case.created_at)
    assert not asks(coordinator, request, request.key_id)
    Case.objects.filter(pk=case.pk).update(erased_at=None)
    Request.objects.filter(pk=request.pk).update(status=Status.ERASED)
    assert not asks(coordinator, request, request.key_id)


def _ciphertexts(*rows) -> list[tuple[str, str, uuid.UUID, bytes]]:
    """Every sealed value of these rows: model, field, row id, envelope."""
    found = []
    for row in rows:
        for name in sealed_field_names(type(row)):
            value = getattr(row, name)
            if isinstance(value, Sealed):
                found.append((row._meta.label_lower, name, row.pk, bytes(value._envelope)))
    return found


def test_drill_no_key_left_opens_anything_of_an_erased_case_or_its_request(accepted):
    """After erasure: every data key left in the key store fails on every ciphertext the
    case, its people and its request had; no index entry or band is left; the codename
    no longer signs in."""
    coordinator, written, request, case = accepted
    request.refresh_from_db()
    case.refresh_from_db()
    people = [member.person for member in case.members.select_related("person")]
    messages = list(Message.objects.filter(request=request))
    sealed = _ciphertexts(case, request, *people, *messages)
    assert len(sealed) >= 3
    before = set(WrappedKey.objects.filter(purpose=Purpose.DATA).values_list("pk", flat=True))

    erase(coordinator, case)

    left = set(WrappedKey.objects.filter(purpose=Purpose.DATA).values_list("pk", flat=True))
    assert left < before
    for key_id in left:
        key = vault_keys.data_key(key_id, for_actor=WORKER.actor_id, case_id=None)
        for model_label, field, row_id, envelope in sealed:
            associated = field_associated_data(
                model_label=model_label, field=field, row_id=row_id, dek_id=key.key_id
            )
            # The envelope names its key; try the cipher itself, not only the header check.
            with pytest.raises(Exception):  # noqa: B017,PT011 - any failure to open will do
                key.cipher.decrypt(envelope[17:29], envelope[29:], associated)
    for _model, _field, _row, envelope in sealed:
        with pytest.raises(VaultError):
            vault_keys.data_key(
                uuid.UUID(bytes=envelope[1:17]), for_actor=WORKER.actor_id, case_id=None
            )
    assert not IndexEntry.objects.filter(request=request).exists()
    assert not NarrativeBand.objects.filter(request=request).exists()
    session = sign_in_with_codename(
        actor=REQUESTER,
        attempt_digest=new_digest(),
        session_digest=new_digest(),
        holder=secrets.token_bytes(32),
        typed=written.codename,
    )
    assert session is None
