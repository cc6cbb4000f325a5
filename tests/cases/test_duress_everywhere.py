"""Duress on every channel: the duress and check-in words are heard in the person's portal
thread as well as in what staff record, in any form of the word, in Latin letters and with
one typo in a long word; the words are stored only as keyed hashes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection

from corridor.accounts.models import StaffAlert
from corridor.audit.events import EventType
from corridor.audit.models import AuditEntry
from corridor.cases.models import Case, Incident, IncidentKind, Relation
from corridor.cases.services import safety
from corridor.intake.models import Message, Request
from corridor.intake.services.messages import send_requester_message
from corridor.people.models import Channel, ContactProtocol
from corridor.vault.errors import KeydUnreachable
from tests.factories import REQUESTER, new_token, write
from tests.portal_helpers import fast_kdf  # noqa: F401

pytestmark = [
    pytest.mark.django_db(databases=["default", "keystore"]),
    pytest.mark.usefixtures("fast_kdf"),
]


def principal_of(case: Case):
    return case.members.get(relation=Relation.PRINCIPAL).person


@pytest.fixture
def thread(open_case, coordinator):
    """A case whose principal's protocol has «лимон» as the duress word, and the portal
    thread of the request that opened it."""

    def make(*, portal_counts: bool = False, duress_word: str = "лимон"):
        case = open_case()
        safety.set_protocol(
            actor=coordinator,
            case=case,
            person=principal_of(case),
            channel=Channel.SIGNAL,
            every_hours=24,
            check_in_word="ясное небо",
            duress_word=duress_word,
            portal_counts_as_check_in=portal_counts,
        )
        written = write()
        Request.objects.filter(pk=written.request.pk).update(case=case)
        return case, written

    return make


def say(written, text: str) -> Message:
    return send_requester_message(
        actor=REQUESTER,
        session=written.session,
        holder=written.holder,
        text=text,
        form_token=new_token(),
    )


def duress_incidents(case: Case) -> int:
    return Incident.objects.filter(case=case, kind=IncidentKind.DURESS).count()


@pytest.mark.parametrize("text", ["Всё хорошо, купил лимон", "ЛИМОНЫ", "kupil limon", "лимрн"])
def test_the_duress_word_in_a_portal_message_opens_an_incident(thread, text):
    case, written = thread()
    say(written, text)
    assert duress_incidents(case) == 1
    # A code of its own, ranked with "in danger now" above other incidents.
    assert StaffAlert.objects.filter(code="duress_heard", case_ref=case.ref).exists()
    # The message itself is kept.
    assert Message.objects.filter(request_id=written.request.pk).count() == 1


def test_a_typo_in_a_four_letter_duress_word_is_not_heard(thread):
    case, written = thread(duress_word="кофе")
    say(written, "выпил кафе")
    assert duress_incidents(case) == 0
    say(written, "выпил кофе")
    assert duress_incidents(case) == 1


def test_an_ordinary_portal_message_opens_nothing(thread):
    case, written = thread()
    say(written, "Спасибо, всё хорошо")
    assert duress_incidents(case) == 0


def test_a_portal_message_counts_as_a_check_in_only_when_the_protocol_says_so(thread, time_machine):
    time_machine.move_to("2026-03-01 12:00:00Z", tick=False)
    case, written = thread(portal_counts=True)
    other_case, other_written = thread(portal_counts=False)
    time_machine.shift(timedelta(hours=20))
    say(written, "Спасибо, всё хорошо")
    say(other_written, "Спасибо, всё хорошо")
    counted = ContactProtocol.objects.get(person=principal_of(case))
    not_counted = ContactProtocol.objects.get(person=principal_of(other_case))
    assert counted.check_in_due_at.isoformat().startswith("2026-03-03T08:00")
    assert not_counted.check_in_due_at.isoformat().startswith("2026-03-02T12:00")


def test_the_check_in_word_in_a_portal_message_counts_as_a_check_in(thread, time_machine):
    time_machine.move_to("2026-03-01 12:00:00Z", tick=False)
    case, written = thread(portal_counts=False)
    time_machine.shift(timedelta(hours=20))
    say(written, "Ясного неба вам")
    protocol = ContactProtocol.objects.get(person=principal_of(case))
    assert protocol.check_in_due_at.isoformat().startswith("2026-03-03T08:00")


def test_a_staff_recorded_contact_hears_the_word_in_any_form(thread, coordinator):
    case, _written = thread()
    incident = safety.record_contact(
        actor=coordinator, case=case, person=principal_of(case), words="Передал ЛИМОНЫ"
    )
    assert incident is not None
    assert incident.kind == IncidentKind.DURESS


def test_a_message_keyd_cannot_hash_is_kept_and_the_coordinators_told(thread, monkeypatch):
    case, written = thread()

    def unreachable(*args: object, **kwargs: object) -> int:
        raise KeydUnreachable("keyd is down")

    from corridor.vault.providers import key_provider

    monkeypatch.setattr(type(key_provider()), "indexes", unreachable)
    say(written, "купил лимон")
    assert Message.objects.filter(request_id=written.request.pk).count() == 1
    assert StaffAlert.objects.filter(code="portal_words_unheard", case_ref=case.ref).exists()
    # The key failure itself is in the audit log, named by the work it stopped.
    unavailable = AuditEntry.objects.filter(event_type=EventType.KEYS_UNAVAILABLE.value)
    assert [entry.detail_values.get("work") for entry in unavailable] == ["portal:hear_message"]


def test_the_words_are_in_no_table_as_plaintext(thread):
    """Canary search: the words, their lemmas and their Latin spelling, in every table."""
    case, written = thread(duress_word="лимонами")
    say(written, "ЛИМОНЫ")
    assert duress_incidents(case) == 1
    dumped = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - names from the schema
            dumped.append(repr(cursor.fetchall()))
    everything = "\n".join(dumped).lower()
    for needle in ("лимон", "limon", "ясное", "ясный", "небо"):
        assert needle not in everything
