"""On a caseload written through the real services (encrypted): every report works with the
vault sealed, shows no personal data, and the demo data gives reports something to show."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from corridor.cases.models import Case, Incident, Phase, Placement, TimelineEntry, TravelLeg
from corridor.core import clock
from corridor.core.models import Tally
from corridor.intake.services.messages import send_team_reply
from corridor.intake.services.opening import open_request
from corridor.operations.demo_cases import (
    FAMILY,
    GIVEN_FEMALE,
    GIVEN_MALE,
    DemoStaff,
    build_caseload,
)
from corridor.pathways.models import Application, ApplicationStatus
from corridor.reports import public, services
from corridor.reports.periods import latest_public_year
from tests.accounts.helpers import log_in
from tests.factories import load_shipped_catalog, write
from tests.plugins.cases import CASE_DB
from tests.portal_helpers import fast_kdf  # noqa: F401 - fixture

pytestmark = CASE_DB


@pytest.fixture
def demo_caseload(vault_keys, coordinator, caseworker):
    load_shipped_catalog(coordinator)
    return build_caseload(
        actor=coordinator,
        staff=DemoStaff(coordinator=coordinator, caseworkers=[caseworker]),
        count=40,
    )


def no_names(text: str) -> bool:
    return not any(name in text for name in [*FAMILY, *GIVEN_MALE, *GIVEN_FEMALE])


@pytest.mark.usefixtures("fast_kdf")
def test_every_report_works_with_the_vault_sealed(
    demo_caseload, canary, settings, monkeypatch, coordinator
):
    """keyd is chosen and absent, and opening any sealed value trips the test: reports read
    plain columns only (requests and replies included)."""
    written = write(f"Меня ищут {canary}")
    open_request(actor=coordinator, request_id=written.request.id)
    send_team_reply(actor=coordinator, request_id=written.request.id, text=f"Ответ {canary}")
    # Logged in before keyd goes away: nobody can log in while keyd is sealed.
    client = Client()
    log_in(client, coordinator)
    settings.CORRIDOR_KEY_PROVIDER = "keyd"

    def tripwire(*args, **kwargs):
        raise AssertionError("a report tried to decrypt")

    for target in (
        "corridor.vault.opening.open_envelope",
        "corridor.vault.aead.open_envelope",
        "corridor.vault.keys.data_key",
    ):
        monkeypatch.setattr(target, tripwire)
    today = clock.today()
    for scope in (services.PUBLIC, services.INTERNAL):
        for form in ("csv", "html", "pdf"):
            export = services.check_export(scope=scope, format=form, language="ru", today=today)
            data = services.render_export(export, today=today)
            assert len(data) > 500
            if form != "pdf":
                assert no_names(data.decode("utf-8"))
                assert canary not in data.decode("utf-8")
            if (scope, form) == (services.INTERNAL, "csv"):
                assert b"first_response,portal,replied,1\r\n" in data
    for path in ("/reports/", "/reports/?period=2025", "/reports/public/"):
        response = client.get(path)
        assert response.status_code == 200
        assert no_names(response.content.decode())


def test_the_demo_gives_reports_something_to_show(demo_caseload):
    """Closures, incidents and requests spread over time, and people in the latest year a
    public report may cover."""
    today = clock.today()
    closed = Case.objects.filter(phase=Phase.CLOSED).values_list("closed_at", flat=True)
    assert closed
    assert any(day.date() < today - timedelta(days=30) for day in closed)
    incidents = list(Incident.objects.values_list("created_at", "closed_at"))
    assert any(opened.date() < today - timedelta(days=30) for opened, _closed in incidents)
    assert Tally.objects.filter(name="intake.requests").count() > 20
    year = latest_public_year(today, 6)
    report = public.build_public_report(year, k=3, lag_months=6, today=today)
    assert report.total(public.MILESTONES, "contacted")
    assert report.total(public.REQUESTS, "Total")


def test_the_demo_gives_every_screen_its_branches(demo_caseload):
    """Denials this quarter, incidents open and closed through their checklist, placements,
    planned journeys, corrections and cases closed through the closing checklist."""
    today = clock.today()
    quarter_start = today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
    assert Application.objects.filter(
        status=ApplicationStatus.DENIED, decided_on__gte=quarter_start
    ).exists()
    assert Incident.objects.filter(closed_at__isnull=True).exists()
    closed_incident = Incident.objects.filter(closed_at__isnull=False).first()
    assert closed_incident is not None
    assert closed_incident.outcome_event is not None
    assert Placement.objects.exists()
    assert TravelLeg.objects.filter(completed_on__isnull=True).exists()
    kinds = set(TimelineEntry.objects.values_list("kind", flat=True))
    assert "cases.case_closed" in kinds
    assert kinds & {"cases.milestone_corrected", "cases.milestone_retracted"}


def test_the_demo_s_households_have_ages_that_fit_who_they_are(demo_caseload):
    """A child is younger than the person whose child they are, a partner is an adult, and a
    child under 14 holds no internal passport (Russia issues it at 14)."""
    from corridor.cases.models import CaseMember, Relation
    from corridor.people.models import AgeBand, DocumentKind

    order = [AgeBand.CHILD, AgeBand.TEEN, AgeBand.YOUNG, AgeBand.ADULT, AgeBand.OLDER]
    seen = set()
    for member in CaseMember.objects.exclude(relation=Relation.PRINCIPAL).select_related(
        "person", "case"
    ):
        principal = CaseMember.objects.get(case=member.case, relation=Relation.PRINCIPAL).person
        band = member.person.age_band
        seen.add(member.relation)
        if member.relation == Relation.CHILD:
            assert order.index(band) < order.index(principal.age_band), member.case.reference
        if member.relation == Relation.PARTNER:
            assert band not in (AgeBand.CHILD, AgeBand.TEEN), member.case.reference
        if band == AgeBand.CHILD:
            assert not member.person.documents.filter(kind=DocumentKind.INTERNAL_PASSPORT)
    assert Relation.CHILD in seen
