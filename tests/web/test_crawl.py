"""No 500 anywhere: each role follows every staff link it is shown, from the navigation and
from a case in each distinct state, and no page answers 5xx or renders a missing variable.

The crawler is the Django test client following same-origin links found in the HTML (GET
only, so nothing changes while it walks). Templates render with a marker for every
variable that does not resolve, and a page that shows the marker fails: a typo'd name or a
template reading `counter.items` is caught here before a person meets it.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from datetime import timedelta
from html import unescape
from pprint import pformat
from urllib.parse import urldefrag, urlsplit

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import Resolver404, resolve

from corridor.accounts.roles import Role
from corridor.cases.models import IncidentKind, LegKind, MilestoneKind, TravelMode
from corridor.cases.services import corrections, logistics, safety
from corridor.cases.services.assignment import assign_case
from corridor.core import clock
from corridor.pathways.applications import record_status
from corridor.pathways.models import ApplicationStatus, DenialReason
from tests.cases.conftest import CASE_DB, close_settled
from tests.factories import StaffFactory, new_case, start_application_for
from tests.security.case_fixture import build_case
from tests.web.conftest import client_for

pytestmark = CASE_DB

MARKER = "TEMPLATE-VARIABLE-MISSING"
_HREF = re.compile(r'href="([^"]+)"')
# Where the walk does not go: the portal (another audience), static files, the language
# switch (a form), and a logout (POST only: it would answer 405 and end nothing).
SKIP_PREFIXES = ("/help/", "/static/", "/i18n/", "/logout/")
# Each page pattern once per case state (a case page's links differ by state); lists reached
# with other query strings a few times; in all at most this many pages per role.
# Optional values the templates show through `|default` on purpose (Django renders the
# marker before filters run, so these look missing): a sealed field a person has not
# given, an expense with no funding source, a transit entry of the catalog (no status).
OPTIONAL = re.compile(r"person\.fields\.\w+|expense\.funding_source\.code|entry\.status")
PER_PATTERN = 5
PER_ROLE = 260


def strict_templates() -> list[dict[str, object]]:
    """The project's template settings with the missing-variable marker."""
    templates = [dict(engine) for engine in settings.TEMPLATES]
    for engine in templates:
        engine["OPTIONS"] = {**engine.get("OPTIONS", {}), "string_if_invalid": MARKER + "[%s]"}
    return templates


def links_of(body: str) -> list[str]:
    """Same-origin paths this page links to (no fragments, no other hosts)."""
    found = []
    for raw in _HREF.findall(body):
        href = urldefrag(unescape(raw))[0]
        if (
            href.startswith("/")
            and not href.startswith("//")
            and not href.startswith(SKIP_PREFIXES)
        ):
            found.append(href)
    return found


def pattern_of(path: str) -> str:
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return path
    return f"{match.namespace}:{match.url_name}"


def crawl(client, starts: list[str]) -> tuple[list[tuple[str, int, str]], int]:
    """Walk from `starts`; returns the problems (path, status, what) and the pages seen."""
    queue = deque(starts)
    seen: set[str] = set()
    per_pattern: Counter[str] = Counter()
    problems = []
    while queue and len(seen) < PER_ROLE:
        path = queue.popleft()
        if path in seen:
            continue
        pattern = pattern_of(path)
        if per_pattern[pattern] >= PER_PATTERN and path not in starts:
            continue
        seen.add(path)
        per_pattern[pattern] += 1
        response = client.get(path)
        if response.status_code >= 500:
            problems.append((path, response.status_code, "server error"))
            continue
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        body = response.content.decode()
        names = set(re.findall(re.escape(MARKER) + r"\[([^\]]*)\]", body))
        missing = sorted(name for name in names if not OPTIONAL.fullmatch(name))
        if missing:
            problems.append((path, response.status_code, f"missing {missing}"))
        queue.extend(link for link in links_of(body) if link not in seen)
    return problems, len(seen)


def case_states(coordinator, caseworker):
    """One case in each distinct state: open with everything running (a flag, an open
    incident, a planned journey, a draft application), untouched at intake, arrived with a
    grant, a denial this quarter and corrections, and closed through the checklist."""
    full = build_case()
    intake = new_case(coordinator, given="Intake")
    arrived = new_case(coordinator, given="Arrived", region="RU-CE")
    closed = new_case(coordinator, given="Closed", region="RU-IN")
    for case in (full.case, intake, arrived, closed):
        assign_case(actor=coordinator, case=case, staff=caseworker, lead=False)
        assign_case(
            actor=coordinator,
            case=case,
            staff=coordinator,
            lead=False,
            reason="supervision",
            confirmed_at=clock.now(),
        )
    principal = arrived.members.get().person
    today = clock.today()
    granted = start_application_for(
        caseworker, arrived, people=[principal], started_on=today - timedelta(days=20)
    )
    denied = start_application_for(
        caseworker, arrived, people=[principal], started_on=today - timedelta(days=20)
    )
    for application, status, on in (
        (granted, ApplicationStatus.GRANTED, today - timedelta(days=5)),
        (denied, ApplicationStatus.DENIED, today),
    ):
        record_status(
            actor=caseworker,
            application=application,
            status=ApplicationStatus.SUBMITTED,
            on=today - timedelta(days=10),
        )
        record_status(
            actor=caseworker,
            application=application,
            status=status,
            on=on,
            denial_reason=DenialReason.values[0],
        )
    for kind in (LegKind.EXIT_REGION, LegKind.ARRIVAL):
        leg = logistics.record_travel_leg(
            actor=caseworker,
            case=arrived,
            kind=kind,
            from_place="RU-CE",
            to_place="DE",
            mode=TravelMode.PLANE,
            travel_on=today - timedelta(days=2),
            itinerary="flight",
        )
        logistics.complete_travel_leg(actor=caseworker, leg=leg, on=today - timedelta(days=2))
    arrived_on = principal.milestones.get(kind=MilestoneKind.ARRIVED)
    corrections.correct_milestone(
        actor=caseworker,
        case=arrived,
        milestone=arrived_on,
        reached_on=today - timedelta(days=1),
        reason_text="landed after midnight",
    )
    incident = safety.raise_incident(actor=caseworker, case=arrived, kind=IncidentKind.OTHER)
    for step in safety.CHECKLIST[:-1]:
        safety.complete_incident_step(actor=caseworker, incident=incident, step=step)
    safety.skip_incident_step(
        actor=caseworker, incident=incident, step=safety.CHECKLIST[-1], reason_text="safe now"
    )
    safety.close_incident(actor=caseworker, incident=incident, outcome="all well")
    close_settled(coordinator, closed, "withdrawn")
    return [full.case, intake, arrived, closed]


@pytest.mark.usefixtures("vault_keys")
def test_no_page_any_role_reaches_answers_5xx_or_misses_a_variable():
    coordinator = StaffFactory(roles=[Role.COORDINATOR])
    caseworker = StaffFactory(roles=[Role.CASEWORKER])
    cases = case_states(coordinator, caseworker)
    case_pages = [f"/cases/{case.ref}/" for case in cases]
    problems = {}
    visited = {}
    with override_settings(TEMPLATES=strict_templates()):
        for role in Role:
            staff = {Role.COORDINATOR: coordinator, Role.CASEWORKER: caseworker}.get(role)
            client = client_for(staff or StaffFactory(roles=[role]))
            # A view that raises answers 500 here, as in production, instead of stopping the walk.
            client.raise_request_exception = False
            if role in (Role.COORDINATOR, Role.CASEWORKER):
                # Opened for work, so the pages show their plaintext branches too.
                for case in cases:
                    assert client.post(f"/cases/{case.ref}/open/").status_code == 302
            found, visited[role] = crawl(client, ["/", *case_pages])
            if found:
                problems[role] = found
    assert problems == {}, pformat(problems, width=100)
    # The walk reached far: the coordinator through every case state and the board.
    assert visited[Role.COORDINATOR] > 80
    assert visited[Role.CASEWORKER] > 60
