"""The custody log of an original: it counts only once both sides have signed it off."""

from __future__ import annotations

import pytest
from django.db import connection

from corridor.accounts.roles import Role
from corridor.audit.models import AuditEntry
from corridor.cases.access import case_key
from corridor.core.exceptions import AppendOnlyViolation, InvalidInput
from corridor.people import custody, register
from corridor.people.models import (
    CustodyConfirmation,
    CustodyHandover,
    DocumentWhereabouts,
    HolderKind,
)
from tests.factories import register_document, staff_with
from tests.plugins.cases import CASE_DB


@CASE_DB
def test_a_handover_to_a_caseworker_counts_only_once_they_confirm(open_case, caseworker):
    """The person gives their passport to a caseworker: recorded by one account, confirmed by
    the receiving one; until then the register still says it is with the person."""
    case = open_case()
    colleague = staff_with(Role.CASEWORKER)
    passport = register_document(caseworker, case)
    key = case_key(caseworker, case)

    with pytest.raises(InvalidInput, match="tick that they confirmed"):
        custody.record_handover(
            actor=caseworker, document=passport, key=key, to_kind=HolderKind.CASEWORKER,
            to_staff=colleague,
        )  # fmt: skip
    handover = custody.record_handover(
        actor=caseworker,
        document=passport,
        key=key,
        to_kind=HolderKind.CASEWORKER,
        to_staff=colleague,
        giver_person_confirmed=True,
        case_ref=case.ref,
    )
    passport.refresh_from_db()
    assert passport.whereabouts == DocumentWhereabouts.WITH_PERSON
    assert custody.current_holder(passport) is None

    with pytest.raises(InvalidInput, match="another staff account"):
        custody.confirm_handover(actor=caseworker, handover=handover)
    with pytest.raises(InvalidInput, match="Only the caseworker it was handed to"):
        custody.confirm_handover(actor=staff_with(Role.CASEWORKER), handover=handover)
    custody.confirm_handover(actor=colleague, handover=handover, case_ref=case.ref)

    passport.refresh_from_db()
    assert passport.whereabouts == DocumentWhereabouts.WITH_US
    assert custody.current_holder(passport) == custody.Holder(
        kind=HolderKind.CASEWORKER, staff_id=colleague.pk
    )
    with pytest.raises(InvalidInput, match="already signed off"):
        custody.confirm_handover(actor=staff_with(Role.COORDINATOR), handover=handover)
    events = list(
        AuditEntry.objects.filter(event_type__startswith="people.custody")
        .order_by("seq")
        .values_list("event_type", "object_id")
    )
    assert events == [
        ("people.custody_handover_recorded", str(handover.pk)),
        ("people.custody_handover_confirmed", str(handover.pk)),
    ]


@CASE_DB
def test_handing_back_to_the_person_needs_the_person_to_confirm(open_case, caseworker):
    case = open_case()
    passport = register_document(caseworker, case, whereabouts="with_us")
    key = case_key(caseworker, case)
    handover = custody.record_handover(
        actor=caseworker, document=passport, key=key, to_kind=HolderKind.PERSON
    )
    with pytest.raises(InvalidInput, match="tick that they confirmed"):
        custody.confirm_handover(actor=caseworker, handover=handover)
    # The person's own sign-off, recorded by staff: the recorder may write it down.
    custody.confirm_handover(actor=caseworker, handover=handover, person_confirmed=True)
    passport.refresh_from_db()
    assert passport.whereabouts == DocumentWhereabouts.WITH_PERSON
    assert handover.from_kind == HolderKind.OFFICE


@CASE_DB
def test_a_courier_handover_needs_a_second_account_and_its_note_is_sealed(open_case, caseworker):
    case = open_case()
    passport = register_document(caseworker, case, whereabouts="with_us")
    key = case_key(caseworker, case)
    handover = custody.record_handover(
        actor=caseworker,
        document=passport,
        key=key,
        to_kind=HolderKind.COURIER,
        to_note="CANARY-courier Ivanov",
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_note FROM people_custodyhandover")
        assert b"CANARY" not in repr(cursor.fetchall()).encode()
    with pytest.raises(InvalidInput, match="still waiting"):
        custody.record_handover(
            actor=caseworker, document=passport, key=key, to_kind=HolderKind.OFFICE
        )
    with pytest.raises(InvalidInput, match="another staff account"):
        custody.confirm_handover(actor=caseworker, handover=handover)
    custody.confirm_handover(actor=staff_with(Role.COORDINATOR), handover=handover)
    assert custody.current_holder(passport).kind == HolderKind.COURIER


@CASE_DB
def test_the_log_is_append_only_and_keeps_its_document(open_case, caseworker):
    case = open_case()
    passport = register_document(caseworker, case, whereabouts="with_us")
    handover = custody.record_handover(
        actor=caseworker,
        document=passport,
        key=case_key(caseworker, case),
        to_kind=HolderKind.PERSON,
    )
    custody.confirm_handover(actor=caseworker, handover=handover, person_confirmed=True)
    handover.handed_on = handover.handed_on.replace(year=2000)
    with pytest.raises(AppendOnlyViolation):
        handover.save()
    with pytest.raises(AppendOnlyViolation):
        CustodyHandover.objects.filter(pk=handover.pk).delete()
    passport.refresh_from_db()
    with pytest.raises(InvalidInput, match="custody log"):
        register.remove_document(actor=caseworker, document=passport, version=passport.version)
    # Erasing the person still takes the log with their documents.
    register.blank_documents(passport.person)
    assert not CustodyHandover.objects.exists()
    assert not CustodyConfirmation.objects.exists()
