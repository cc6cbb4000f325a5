"""Matching a case by reference: the facts come from the case, opened and audited."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from corridor.audit.models import AuditEntry
from corridor.cases.access import case_key
from corridor.cases.models import Relation
from corridor.cases.risk import RiskAnswers
from corridor.cases.services import work
from corridor.pathways import services as pathway_services
from corridor.pathways.catalog_files import read_catalog
from corridor.people.inputs import PersonInput
from corridor.people.services import update_person
from tests.cases.conftest import CASE_DB

pytestmark = CASE_DB


@pytest.fixture
def catalog(coordinator):
    pathway_services.load_catalog(actor=coordinator, entries=[f.entry for f in read_catalog()])


def matches(*args: str) -> list[dict]:
    out = io.StringIO()
    call_command("pathways", "match", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_a_case_inside_russia_without_passport_gets_gar_closed_and_a_plan_open(
    open_case, coordinator, catalog
):
    """The GAR route names the outside-the-country rule; a plan through a third country opens."""
    case = open_case()
    principal = case.members.get(relation=Relation.PRINCIPAL).person
    update_person(
        actor=coordinator,
        person=principal,
        key=case_key(coordinator, case),
        data=PersonInput(has_internal_passport=True, profile_tags=["lgbt"], ties=["DE"]),
        version=principal.version,
    )
    work.assess_risk(actor=coordinator, case=case, answers=RiskAnswers(threat_from_state=True))
    results = matches(case.ref)
    gar = next(r for r in results if r["route_ids"] == ["ca-gar"])
    assert gar["verdict"] == "ineligible"
    assert any("outside" in reason for reason in gar["reasons"])
    open_plans = [r for r in results if len(r["route_ids"]) > 1 and r["verdict"] != "ineligible"]
    assert open_plans
    assert AuditEntry.objects.filter(event_type="people.person_opened", case_id=case.ref).exists()


def test_an_unknown_case_or_both_inputs_exit_2(catalog):
    with pytest.raises(CommandError) as unknown:
        matches("CR-0000-0000")
    assert unknown.value.returncode == 2
    with pytest.raises(CommandError) as both:
        matches("CR-0000-0000", "--facts", "-")
    assert both.value.returncode == 2
