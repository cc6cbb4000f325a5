"""Places typed by name on the case forms that predate the person editor: opening a case,
adding a household member, planning a journey. Codes are stored; names are shown."""

from __future__ import annotations

from datetime import timedelta

import pytest

from corridor.cases.access import case_key
from corridor.cases.models import Case, Relation
from corridor.core import clock
from corridor.people.access import access_person_fields
from tests.cases.conftest import CASE_DB
from tests.web.conftest import client_for

pytestmark = [CASE_DB, pytest.mark.usefixtures("vault_keys")]


def opened_client(fx):
    client = client_for(fx.owner)
    assert client.post(f"/cases/{fx.case.ref}/open/").status_code == 302
    return client


def test_a_new_case_takes_its_region_and_where_the_person_is_by_name(fx):
    client = client_for(fx.coordinator)
    page = client.get("/cases/new/").content.decode()
    assert '<datalist id="place-names">' in page
    assert '<option value="Chechnya">' in page
    response = client.post(
        "/cases/new/",
        {
            "given_cyrl": "Иса",
            "sex": "male",
            "age_band": "18-29",
            "region": "Чечня",
            "nationality": "Россия",
            "current_country": "Грозный",
            "location_detail": "у родственников",
            "has_internal_passport": "yes",
            "next_action": "позвонить",
            "next_action_due": clock.today(),
        },
    )
    assert response.status_code == 302, response.content[:800]
    case = Case.objects.order_by("-opened_at").first()
    assert case.region == "RU-CE"
    person = case.members.get(relation=Relation.PRINCIPAL).person
    assert (person.nationality, person.current_country) == ("RU", "RU")
    assert person.documents.get().issuing_country == "RU"
    fields = access_person_fields(
        actor=fx.coordinator,
        person=person,
        key=case_key(fx.coordinator, case),
        fields=("location_detail",),
        case_ref=case.ref,
    )
    # Only the country is a plain fact: the city is kept, sealed, named in the page language.
    assert fields["location_detail"] == "Grozny (Chechnya). у родственников"


def test_a_misspelt_region_comes_back_with_a_suggestion_and_no_case(fx):
    client = client_for(fx.coordinator)
    count = Case.objects.count()
    response = client.post(
        "/cases/new/",
        {
            "given_cyrl": "Иса",
            "sex": "male",
            "age_band": "18-29",
            "region": "Дагестн",
            "next_action": "позвонить",
            "next_action_due": clock.today(),
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "We did not find" in body
    assert "Dagestan" in body
    assert "Иса" in body  # what was typed stays in the form
    assert Case.objects.count() == count


def test_a_journey_is_planned_between_places_typed_by_name(fx):
    client = opened_client(fx)
    url = f"/cases/{fx.case.ref}/legs/add/"
    form = {
        "kind": "exit_region",
        "from_place": "Грозный",
        "to_place": "Yerevan",
        "mode": "bus",
        "travel_on": clock.today() + timedelta(days=1),
    }
    before = set(fx.case.legs.values_list("pk", flat=True))
    typo = client.post(url, {**form, "to_place": "Yerevvan"})
    assert typo.status_code == 400
    assert "Perhaps: Yerevan" in typo.content.decode()
    assert set(fx.case.legs.values_list("pk", flat=True)) == before
    assert client.post(url, form).status_code == 302
    leg = fx.case.legs.exclude(pk__in=before).get()
    assert (leg.from_place, leg.to_place) == ("RU-CE", "AM-ER")
    page = client.get(f"/cases/{fx.case.ref}/").content.decode()
    assert "Chechnya → Yerevan" in page
