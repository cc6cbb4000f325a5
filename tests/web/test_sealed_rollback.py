"""No rollback of sealed values: a whole old row copied back with SQL is refused
on read, with an audit event and an alert, and `corridor audit verify` names it."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection

from corridor.accounts.models import StaffAlert
from corridor.audit.models import AuditEntry, SealedDigest
from corridor.cases.services import safety
from corridor.people.access import PROTOCOL_FIELDS
from corridor.people.models import Channel, ContactProtocol
from corridor.vault.errors import StaleSealedValue
from tests.cases.conftest import CASE_DB
from tests.web.conftest import client_for

pytestmark = [CASE_DB, pytest.mark.usefixtures("vault_keys")]
TABLE = ContactProtocol._meta.db_table


def change_duress_word(fx, word: str) -> ContactProtocol:
    """The owner edits the protocol as the case page does, only the duress word changing."""
    return safety.set_protocol(
        actor=fx.owner,
        case=fx.case,
        person=fx.principal,
        channel=Channel.SIGNAL,
        every_hours=24,
        safe_hours=fx.canaries["safe_hours"],
        if_someone_else_answers=fx.canaries["if_someone_else_answers"],
        check_in_word=fx.canaries["check_in_word"],
        duress_word=word,
    )


def copy_row(pk) -> dict[str, object]:
    """Every column of the protocol's row, as someone with a SQL prompt would save it."""
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(TABLE)
        # A constant table name; the id is a parameter.
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [pk.hex])  # noqa: S608
        names = [column[0] for column in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


def restore_row(pk, row: dict[str, object]) -> None:
    """Write every column of an old copy back over the row (the rollback attack)."""
    quote = connection.ops.quote_name
    columns = [name for name in row if name != "id"]
    assignments = ", ".join(f"{quote(name)} = %s" for name in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            # The table's own quoted column names, read back from it; values are parameters.
            f"UPDATE {quote(TABLE)} SET {assignments} WHERE id = %s",  # noqa: S608
            [*(row[name] for name in columns), pk.hex],
        )


def verify() -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("audit", "verify", stdout=out)
    except SystemExit as exited:
        return int(exited.code or 0), out.getvalue()
    return 0, out.getvalue()


def open_case_page(client, fx):
    assert client.post(f"/cases/{fx.case.ref}/open/").status_code == 302
    return client.get(f"/cases/{fx.case.ref}/")


@pytest.fixture
def rolled_back(fx):
    """The duress word was «дождь», was changed to «гроза», and the old row copied back."""
    protocol = change_duress_word(fx, "дождь")
    old = copy_row(protocol.pk)
    change_duress_word(fx, "гроза")
    restore_row(protocol.pk, old)
    return fx, protocol


def test_normal_edits_keep_opening_and_verify_passes(fx):
    client = client_for(fx.owner)
    for word in ("дождь", "гроза", "туман"):
        change_duress_word(fx, word)
        page = open_case_page(client, fx)
        assert page.status_code == 200
        assert word in page.content.decode()
    protocol = ContactProtocol.objects.get(person=fx.principal)
    assert SealedDigest.objects.filter(row_id=protocol.pk, field="duress_word").count() == 1
    code, out = verify()
    assert (code, out.startswith("verified ")) == (0, True), out
    assert not StaffAlert.objects.filter(code="stale_value").exists()


def test_a_restored_old_row_fails_to_open_with_an_event_and_an_alert(rolled_back):
    fx, protocol = rolled_back
    client = client_for(fx.owner)
    assert client.post(f"/cases/{fx.case.ref}/open/").status_code == 302
    page = client.get(f"/cases/{fx.case.ref}/")
    # The integrity failure page: 503 with its sentence, never the old value.
    assert page.status_code == 503
    assert "integrity check" in page.content.decode()
    event = AuditEntry.objects.get(event_type="vault.stale_value_refused")
    assert (event.actor, event.object_type, event.object_id) == (
        fx.owner.actor_id,
        "people.contactprotocol",
        str(protocol.pk),
    )
    # The whole row is old: every protocol field was re-sealed by the edit, and the first
    # one opened is refused (the event names it and the old ciphertext's digest, no value).
    ((field, digest),) = event.detail_values.items()
    assert field in PROTOCOL_FIELDS
    assert digest == getattr(ContactProtocol.objects.get(pk=protocol.pk), field).digest
    alerted = set(StaffAlert.objects.filter(code="stale_value").values_list("staff", flat=True))
    assert fx.coordinator.pk in alerted


def test_verify_names_the_rolled_back_row_and_field(rolled_back):
    _fx, protocol = rolled_back
    code, out = verify()
    assert code == 1
    assert (
        f"FAIL sealed model=people.contactprotocol row={protocol.pk} "
        "field=duress_word reason=stale_value"
    ) in out.splitlines()


def test_rewriting_the_index_too_opens_but_verify_still_fails(rolled_back):
    """The read trusts the index; the index is checked against the hash-chained log."""
    fx, protocol = rolled_back
    restored = ContactProtocol.objects.get(pk=protocol.pk)
    for field in PROTOCOL_FIELDS:
        SealedDigest.objects.filter(row_id=protocol.pk, field=field).update(
            digest=getattr(restored, field).digest
        )
    page = open_case_page(client_for(fx.owner), fx)
    assert "дождь" in page.content.decode()  # the documented limit of the read check
    code, out = verify()
    assert code == 1
    lines = out.splitlines()
    prefix = f"FAIL sealed model=people.contactprotocol row={protocol.pk} field=duress_word"
    assert f"{prefix} reason=index_mismatch" in lines
    assert f"{prefix} reason=stale_value" in lines


def test_an_access_function_refuses_the_old_value_outside_the_web(rolled_back):
    """The check is in open_field itself, so the worker and commands are refused too."""
    from corridor.cases.services._base import case_key
    from corridor.people.access import access_protocol_fields

    fx, protocol = rolled_back
    with pytest.raises(StaleSealedValue) as refused:
        access_protocol_fields(
            actor=fx.owner,
            protocol=ContactProtocol.objects.get(pk=protocol.pk),
            key=case_key(fx.owner, fx.case),
            fields=PROTOCOL_FIELDS,
            case_ref=fx.case.ref,
        )
    assert refused.value.row_id == str(protocol.pk)
    assert refused.value.field in PROTOCOL_FIELDS


def test_a_blanked_field_stays_blank_and_a_blanked_column_fails_verify(fx):
    """Blanking is a write: the old value cannot come back; blanking by SQL is found."""
    from corridor.cases.services._base import case_key
    from corridor.people.access import access_protocol_fields

    protocol = change_duress_word(fx, "дождь")
    old = copy_row(protocol.pk)
    protocol.duress_word = None
    protocol.save()
    assert SealedDigest.objects.get(row_id=protocol.pk, field="duress_word").digest == ""
    restore_row(protocol.pk, old)
    with pytest.raises(StaleSealedValue):
        access_protocol_fields(
            actor=fx.owner,
            protocol=ContactProtocol.objects.get(pk=protocol.pk),
            key=case_key(fx.owner, fx.case),
            fields=["duress_word"],
            case_ref=fx.case.ref,
        )
    change_duress_word(fx, "гроза")
    assert verify()[0] == 0
    ContactProtocol.objects.filter(pk=protocol.pk).update(duress_word=None)
    code, out = verify()
    assert code == 1
    assert (
        f"FAIL sealed model=people.contactprotocol row={protocol.pk} "
        "field=duress_word reason=missing_value"
    ) in out.splitlines()
