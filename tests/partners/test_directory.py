"""The organisations directory: keys are installed only by a second coordinator who
compared the fingerprint, and the fingerprint reads the same to both organisations."""

from __future__ import annotations

import base64
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from corridor.accounts.roles import Role
from corridor.audit.events import EventType
from corridor.audit.models import AuditEntry
from corridor.core.actors import cli_actor
from corridor.core.exceptions import InvalidInput, NotAllowed
from corridor.partners import services
from corridor.partners.fingerprints import KeyMalformed, as_digits, as_words, fingerprint
from corridor.partners.models import KeyProposalStatus, Organisation
from corridor.vault import signing
from tests.factories import staff_with
from tests.keys import vault_keys  # noqa: F401

SIGN, SEAL = bytes(range(32)), bytes(range(32, 64))
OTHER_SIGN = bytes(range(64, 96))


def test_the_fingerprint_reads_the_same_words_and_digits_every_time():
    """Pinned values: a change to how words or digits are drawn would make two
    organisations read different fingerprints for the same keys."""
    printed = fingerprint(SIGN, SEAL)
    assert as_words(printed) == [
        "эпатаж", "майонез", "посадка", "упругий",
        "растение", "живопись", "опечатка", "кормушка",
    ]  # fmt: skip
    assert as_digits(printed) == [
        "29336", "23151", "99751", "96730", "26369", "18319",
        "70734", "66802", "31952", "01844", "26570", "17774",
    ]  # fmt: skip
    changed = fingerprint(OTHER_SIGN, SEAL)
    assert as_words(changed) != as_words(printed)
    assert as_digits(changed) != as_digits(printed)
    with pytest.raises(KeyMalformed):
        fingerprint(SIGN[:31], SEAL)


@pytest.fixture
def organisation(db) -> Organisation:
    return services.add_organisation(
        actor=cli_actor(), name="Rainbow Railroad", kind="ngo", country="CA",
        referrer_code="rainbow_railroad",
    )  # fmt: skip


def _propose(organisation, proposer, signing_key=SIGN):
    return services.propose_keys(
        actor=proposer,
        proposer=proposer,
        organisation_id=organisation.pk,
        signing_key=signing_key,
        encryption_key=SEAL,
        corridor_url="https://corridor.example.org",
    )


@pytest.mark.django_db
def test_keys_are_installed_only_by_a_second_coordinator_who_checked_the_fingerprint(
    organisation,
):
    first, second = staff_with(Role.COORDINATOR), staff_with(Role.COORDINATOR)
    caseworker = staff_with(Role.CASEWORKER)
    proposal = _propose(organisation, first)

    with pytest.raises(NotAllowed):
        services.approve_keys(actor=first, proposal_id=proposal.pk, checked_how="video_call")
    with pytest.raises(NotAllowed):
        services.approve_keys(actor=caseworker, proposal_id=proposal.pk, checked_how="in_person")
    with pytest.raises(InvalidInput):
        services.approve_keys(actor=second, proposal_id=proposal.pk, checked_how="")
    organisation.refresh_from_db()
    assert not organisation.runs_corridor

    services.approve_keys(actor=second, proposal_id=proposal.pk, checked_how="video_call")
    organisation.refresh_from_db()
    proposal.refresh_from_db()
    assert bytes(organisation.signing_key) == SIGN
    assert organisation.corridor_url == "https://corridor.example.org"
    assert (proposal.status, proposal.checked_by, proposal.checked_how) == (
        KeyProposalStatus.INSTALLED, second.actor_id, "video_call",
    )  # fmt: skip
    installed = AuditEntry.objects.get(event_type=EventType.PARTNER_KEYS_INSTALLED)
    assert installed.actor == second.actor_id
    assert installed.detail_values["proposed_by"] == first.actor_id
    # Approved once: it cannot be approved again.
    with pytest.raises(InvalidInput):
        services.approve_keys(actor=second, proposal_id=proposal.pk, checked_how="in_person")


@pytest.mark.django_db
def test_a_key_change_keeps_the_old_keys_until_a_second_coordinator_approves(organisation):
    first, second = staff_with(Role.COORDINATOR), staff_with(Role.COORDINATOR)
    services.approve_keys(
        actor=second, proposal_id=_propose(organisation, first).pk, checked_how="in_person"
    )
    change = _propose(organisation, second, signing_key=OTHER_SIGN)
    organisation.refresh_from_db()
    assert bytes(organisation.signing_key) == SIGN  # still the approved ones
    with pytest.raises(NotAllowed):
        services.approve_keys(actor=second, proposal_id=change.pk, checked_how="video_call")
    services.refuse_keys(actor=first, proposal_id=change.pk)
    organisation.refresh_from_db()
    assert bytes(organisation.signing_key) == SIGN


@pytest.mark.django_db(databases=["default", "keystore"])
def test_whoami_prints_the_audit_signing_key_not_a_second_one(vault_keys, tmp_path):  # noqa: F811
    out = StringIO()
    call_command("partners", "whoami", stdout=out)
    lines = dict(line.split(": ", 1) for line in out.getvalue().splitlines())
    printed = base64.b64decode(lines["signing key (Ed25519)"])
    assert printed == signing.current_public_key()
    assert list(signing.public_keys()) == [signing.fingerprint(printed)]
    assert len(lines["words"].split()) == 8
    assert len(lines["digits"].split()) == 12

    # What whoami printed is what `partners add --keys` reads; without a proposer it stops.
    keys = tmp_path / "keys.txt"
    keys.write_text(out.getvalue())
    with pytest.raises(CommandError) as refused:
        call_command("partners", "add", "Some NGO", "--kind", "ngo", "--country", "AM",
                     "--keys", str(keys))  # fmt: skip
    assert refused.value.returncode == 2
    assert not Organisation.objects.exists()


@pytest.mark.django_db
def test_partners_add_list_and_remove_from_the_terminal():
    out = StringIO()
    call_command("partners", "add", "UNHCR Yerevan", "--kind", "un_agency", "--country", "AM",
                 "--referrer-code", "unhcr", stdout=out)  # fmt: skip
    call_command("partners", "list", stdout=out)
    assert out.getvalue().splitlines()[-1].endswith("un_agency AM unhcr no keys UNHCR Yerevan")
    with pytest.raises(CommandError) as bad_country:
        call_command("partners", "add", "Nowhere", "--kind", "ngo", "--country", "XX")
    assert bad_country.value.returncode == 2
    call_command("partners", "remove", "unhcr", stdout=out)
    listed = StringIO()
    call_command("partners", "list", stdout=listed)
    assert listed.getvalue() == ""
    with pytest.raises(CommandError) as unknown:
        call_command("partners", "remove", "unhcr")
    assert unknown.value.returncode == 2
    assert AuditEntry.objects.filter(event_type=EventType.ORGANISATION_REMOVED).count() == 1
