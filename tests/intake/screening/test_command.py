"""`corridor intake list --json` prints exactly the documented fields."""

from __future__ import annotations

import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from corridor.intake.models import Channel, Request
from tests.factories import write
from tests.intake.screening.helpers import screened

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])
STATUSES = {
    "awaiting_screening", "awaiting_unseal", "in_verification", "accepted", "provisional",
    "need_info", "co_verify", "referred_out", "declined", "duplicate", "suspected", "erased",
}  # fmt: skip


def test_intake_list_json_prints_one_array_of_codes(vault_keys, fast_kdf, canary):
    first = screened(f"{canary}", name_to_use="Магомед Хасанов", safe_contact="89281234567")
    second = screened(name_to_use="Magomet Hasanov", safe_contact="+7 928 123-45-67")
    waiting = write("Нужна помощь").request
    out = StringIO()
    call_command("intake", "list", "--json", stdout=out)
    assert canary not in out.getvalue()
    lines = json.loads(out.getvalue())
    assert [line["ref"] for line in lines] == [
        r.reference for r in Request.objects.order_by("received_on", "created_at", "reference")
    ]
    by_ref = {line["ref"]: line for line in lines}
    for line in lines:
        assert set(line) == {"ref", "channel", "status", "flags", "received"}
        assert re.fullmatch(r"RQ-[0-9A-Z]{4}-[0-9A-Z]{4}", line["ref"])
        assert line["channel"] in Channel.values
        assert line["status"] in STATUSES
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", line["received"])
    assert by_ref[second.reference]["flags"] == ["duplicate_name", "duplicate_phone"]
    assert by_ref[first.reference]["flags"] == []
    assert by_ref[waiting.reference]["status"] == "awaiting_screening"


def test_intake_list_needs_json():
    with pytest.raises(CommandError):
        call_command("intake", "list")
