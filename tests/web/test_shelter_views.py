"""The shelter registry's pages and the case page's placement form, through the views."""

from __future__ import annotations

from datetime import timedelta

import pytest

from corridor.audit.models import AuditEntry
from corridor.cases.models import Placement
from corridor.core import clock
from corridor.shelters.models import Shelter
from tests.cases.conftest import CASE_DB
from tests.factories import shelter_for
from tests.security.case_fixture import build_case
from tests.web.conftest import client_for

pytestmark = [CASE_DB, pytest.mark.usefixtures("vault_keys")]


def test_a_coordinator_registers_a_shelter_and_a_caseworker_places_the_household_in_it():
    fx = build_case()
    coordinator = client_for(fx.coordinator)
    registered = coordinator.post(
        "/shelters/",
        {
            "code_name": "sh-33",
            "city": "Tbilisi",
            "region": "GE-TB",
            "address": "Fictional avenue 9",
            "host": "Fictional host",
            "host_contact": "+995 000",
            "capacity": "2",
            "who_may_stay": "anyone",
            "children": "on",
            "nightly_cost": "12.50",
            "currency": "eur",
        },
        follow=True,
    )
    assert "The shelter was registered." in registered.content.decode()
    shelter = Shelter.objects.get(code_name="SH-33")
    assert (shelter.nightly_cost_minor, shelter.currency) == (1250, "EUR")
    page = coordinator.get(f"/shelters/{shelter.pk}/").content.decode()
    assert "Fictional avenue 9" in page
    assert AuditEntry.objects.filter(event_type="shelters.shelter_read").count() == 1
    # Caseworkers never see the registry.
    owner = client_for(fx.owner)
    assert owner.get("/shelters/").status_code == 403
    assert owner.get(f"/shelters/{shelter.pk}/").status_code == 403
    # The case's form offers the shelter without its address.
    form = owner.get(f"/cases/{fx.case.ref}/placements/add/").content.decode()
    assert "SH-33 · Tbilisi · 2 beds" in form
    assert "Fictional avenue 9" not in form
    start = clock.today() + timedelta(days=1)
    placed = owner.post(
        f"/cases/{fx.case.ref}/placements/add/",
        {"shelter": shelter.pk, "starts_on": start.isoformat()},
    )
    assert placed.status_code == 302
    stay = Placement.objects.get(shelter_id=shelter.pk)
    assert stay.beds == 2  # nobody ticked: everyone in the case
    # A third person does not fit on any night: refused with the sentence, nothing saved.
    other = build_case()
    refused = client_for(other.owner).post(
        f"/cases/{other.case.ref}/placements/add/",
        {"shelter": shelter.pk, "starts_on": start.isoformat(), "people": [other.principal.pk]},
    )
    assert refused.status_code == 400
    assert (
        f"SH-33 has 0 free beds on the night of {start.isoformat()}; this placement needs 1."
        in refused.content.decode()
    )
    assert not Placement.objects.filter(case=other.case, shelter_id=shelter.pk).exists()
    # Nor can the full shelter's code be typed as a place outside the registry.
    stays = Placement.objects.filter(case=other.case).count()
    typed = client_for(other.owner).post(
        f"/cases/{other.case.ref}/placements/add/",
        {"shelter_ref": "sh-33", "address": "anywhere", "starts_on": start.isoformat()},
    )
    assert typed.status_code == 400
    assert "sh-33 is a shelter of the registry" in typed.content.decode()
    assert Placement.objects.filter(case=other.case).count() == stays
    board = coordinator.get("/shelters/board/").content.decode()
    assert fx.case.ref in board


def test_marking_compromised_from_the_shelter_page_says_what_was_done():
    fx = build_case()
    shelter = shelter_for(fx.coordinator, "SH-34")
    coordinator = client_for(fx.coordinator)
    empty = coordinator.post(f"/shelters/{shelter.pk}/compromised/", {"reason": ""})
    assert empty.status_code == 400
    done = coordinator.post(
        f"/shelters/{shelter.pk}/compromised/", {"reason": "host questioned"}, follow=True
    )
    assert "Cases flagged: 0. Relocation incidents opened: 0." in done.content.decode()
    shelter.refresh_from_db()
    assert shelter.status == "compromised"
    assert (
        client_for(fx.owner)
        .post(f"/shelters/{shelter.pk}/compromised/", {"reason": "x"})
        .status_code
        == 403
    )
