"""Dashboard and board: render time with 100,000 cases and 1,000,000 timeline entries.

The caseworker's dashboard (their 25 cases by danger) and the coordinator's board (every
open case by phase, the unassigned queue, workload, incidents, people in motion) are each
requested through the full middleware stack as a logged-in person, against a bare page
that lists 50 cases in the same base template (the baseline, measured in the same run).
Goals: p95 < 100 ms, median ratio to the bare page <= 3. The query counts printed are
asserted in tests/web/test_dashboard_queries.py.

The caseload is ten years of an organisation's work: 95% of the cases closed (each still
with its caseworker's assignment and its history), the 5% open led by 100 caseworkers
(50 each; the measured one has 25), 200 open ones unassigned, a tenth of the open ones
flagged, 50 open incidents, about 100 journeys a day, one open next action and a contact
protocol per open case. Rows hold plain columns only (sealed fields empty): no page here
decrypts. Django's test client keeps one database connection, as a pooled server would.

    .venv/bin/python -m bench.bench_dashboards [--smoke]
"""

from __future__ import annotations

import itertools
import random
import time
import uuid
from datetime import timedelta

from bench import _harness

FULL_CASES, FULL_TIMELINE = 100_000, 1_000_000
SMOKE_CASES, SMOKE_TIMELINE = 2_000, 20_000
CASEWORKERS = 100
OPEN_SHARE = 0.05
MINE = 25
PASSWORD = "bench password that is long enough 7"  # noqa: S105 - a throwaway bench account
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
TIMELINE_SQL = (
    "INSERT INTO cases_timelineentry (case_id, at, kind, actor, object_type, object_id, detail) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s)"
)


def reference(number: int) -> str:
    chars = "".join(CROCKFORD[(number >> shift) & 31] for shift in range(35, -1, -5))
    return f"CR-{chars[:4]}-{chars[4:]}"


def staff_member(username: str, role: str):  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import Group
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from corridor.accounts.models import Staff

    staff = Staff(username=username)
    staff.set_password(PASSWORD)
    staff.save()
    staff.groups.add(Group.objects.get_or_create(name=role)[0])
    TOTPDevice.objects.create(user=staff, name="totp", confirmed=True)
    return staff


def fill(cases: int, timeline: int) -> tuple[object, object]:
    """Write the caseload in bulk; return (a caseworker with 25 open cases, a coordinator)."""
    from django.db import connection, transaction

    from corridor.cases import models as m
    from corridor.core import clock
    from corridor.people.models import ContactProtocol, Person

    rng = random.Random(7)
    now = clock.now()
    today = now.date()
    coordinator = staff_member("bench-coordinator", "coordinator")
    mine = staff_member("bench-caseworker", "caseworker")
    workers = [staff_member(f"bench-worker-{n}", "caseworker") for n in range(CASEWORKERS)]
    open_phases = [p for p in m.Phase.values if p != m.Phase.CLOSED]
    levels = list(m.RiskLevel.values)
    with transaction.atomic():
        rows = []
        for number in range(cases):
            closed = number >= cases * OPEN_SHARE
            opened = now - timedelta(days=rng.randint(0, 900))
            rows.append(
                m.Case(
                    ref=reference(number + 1),
                    phase=m.Phase.CLOSED if closed else rng.choice(open_phases),
                    opened_at=opened,
                    closed_at=opened + timedelta(days=30) if closed else None,
                    closure_reason=m.ClosureReason.SAFE if closed else "",
                    risk_level=rng.choice(levels),
                    risk_score=rng.randint(0, 100),
                )
            )
        m.Case.objects.bulk_create(rows, batch_size=5000)
        all_cases = list(m.Case.objects.order_by("ref").values_list("id", "phase"))
        open_ids = [pk for pk, phase in all_cases if phase != m.Phase.CLOSED]
        persons = [Person(id=uuid.uuid4()) for _ in all_cases]
        Person.objects.bulk_create(persons, batch_size=5000)
        m.CaseMember.objects.bulk_create(
            [
                m.CaseMember(case_id=case_id, person_id=person.pk, relation=m.Relation.PRINCIPAL)
                for (case_id, _phase), person in zip(all_cases, persons, strict=True)
            ],
            batch_size=5000,
        )
        unassigned = set(open_ids[: len(open_ids) // 25])
        owners = itertools.cycle(workers)
        assignments = []
        for index, (case_id, _phase) in enumerate(all_cases):
            if case_id in unassigned:
                continue
            staff = mine if len(unassigned) <= index < len(unassigned) + MINE else next(owners)
            assignments.append(m.CaseAssignment(case=m.Case(pk=case_id), staff=staff, lead=True))
        m.CaseAssignment.objects.bulk_create(assignments, batch_size=5000)
        for assignment in assignments:
            assignment.case.lead_id = assignment.staff_id
        m.Case.objects.bulk_update(
            [assignment.case for assignment in assignments], ["lead"], batch_size=5000
        )
        person_of = {
            case_id: person.pk for (case_id, _p), person in zip(all_cases, persons, strict=True)
        }
        ContactProtocol.objects.bulk_create(
            [
                ContactProtocol(
                    id=uuid.uuid4(),
                    person_id=person_of[case_id],
                    channel="signal",
                    check_in_due_at=now + timedelta(hours=rng.randint(-3, 48)),
                )
                for case_id in open_ids
            ],
            batch_size=5000,
        )
        m.Task.objects.bulk_create(
            [
                m.Task(case_id=case_id, due_on=today + timedelta(days=rng.randint(-10, 20)))
                for case_id in open_ids
            ],
            batch_size=5000,
        )
        flagged = rng.sample(open_ids, len(open_ids) // 10)
        m.CaseFlag.objects.bulk_create(
            [
                m.CaseFlag(case_id=case_id, flag=rng.choice(m.Flag.values), raised_by="bench")
                for case_id in flagged
            ],
            batch_size=5000,
        )
        m.Incident.objects.bulk_create(
            [
                m.Incident(
                    case_id=case_id,
                    kind=rng.choice(m.IncidentKind.values),
                    opened_by="bench",
                    checklist=[{"step": "coordinator_informed", "done_at": "", "done_by": ""}],
                )
                for case_id in rng.sample(open_ids, 50)
            ]
        )
        m.TravelLeg.objects.bulk_create(
            [
                m.TravelLeg(
                    case_id=case_id,
                    kind=m.LegKind.EXIT_REGION,
                    from_place="RU-CE",
                    to_place="RU-MOW",
                    mode="bus",
                    travel_on=today + timedelta(days=rng.randint(-5, 5)),
                )
                for case_id in rng.sample(open_ids, min(1100, len(open_ids) // 4))
            ],
            batch_size=5000,
        )
        ids = [case_id.hex for case_id, _phase in all_cases]
        batch: list[tuple[object, ...]] = []
        with connection.cursor() as cursor:
            for number in range(timeline):
                batch.append(
                    (ids[number % len(ids)], now, "cases.note_added", "staff:1", "", "", "")
                )
                if len(batch) == 20_000:
                    cursor.executemany(TIMELINE_SQL, batch)
                    batch.clear()
            if batch:
                cursor.executemany(TIMELINE_SQL, batch)
    return mine, coordinator


def logged_in(staff):  # type: ignore[no-untyped-def]
    """A test client through the real password and TOTP steps."""
    import re

    from django.test import Client
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    token = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

    def csrf(path: str) -> str:
        match = token.search(client.get(path).content.decode())
        return match.group(1) if match else ""

    client.post(
        "/", {"username": staff.username, "password": PASSWORD, "csrfmiddlewaretoken": csrf("/")}
    )
    device = TOTPDevice.objects.get(user=staff)
    code = f"{totp(device.bin_key, step=30, t0=0, digits=6):06d}"
    response = client.post(
        "/login/verify/", {"code": code, "csrfmiddlewaretoken": csrf("/login/verify/")}
    )
    assert response.status_code == 302, response.content[:200]
    return client


def timed_page(label: str, client, path: str, repeat: int) -> _harness.Timing:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    # Read now: the next request's start empties Django's query log.
    count = len(queries.captured_queries)
    assert response.status_code == 200, (path, response.status_code)
    timing = _harness.measure(label, lambda: client.get(path), repeat=repeat)
    print(
        f"{label}: p95 {timing.p95 * 1000:.1f} ms, median {timing.median * 1000:.1f} ms, "
        f"{count} queries"
    )
    return timing


def main(argv: list[str] | None = None) -> None:
    args = _harness.parser(__doc__.splitlines()[0]).parse_args(argv)
    cases, timeline = (SMOKE_CASES, SMOKE_TIMELINE) if args.smoke else (FULL_CASES, FULL_TIMELINE)
    _harness.setup_django()
    from django.conf import settings
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    # One connection for the whole run, as under a pooled server (and as Django's tests do).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    # The bare list page lives in a URLconf of its own beside the real one.
    settings.ROOT_URLCONF = "bench.dashboard_urls"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    started = time.perf_counter()
    mine, coordinator = fill(cases, timeline)
    seconds = time.perf_counter() - started
    print(f"wrote {cases} cases and {timeline} timeline entries in {seconds:.1f} s")
    repeat = 10 if args.smoke else 100
    worker_client, coordinator_client = logged_in(mine), logged_in(coordinator)
    bare = timed_page("bare 50-row list", coordinator_client, "/bench/bare-list/", repeat)
    dashboard = timed_page("caseworker dashboard", worker_client, "/", repeat)
    board = timed_page("coordinator board", coordinator_client, "/board/", repeat)
    for subject in (dashboard, board):
        _harness.report(subject, bare, unit="page", goal="<= 3.00")
        verdict = "ok" if subject.p95 < 0.1 else "OVER"
        print(f"{subject.label}: p95 {subject.p95 * 1000:.1f} ms | goal < 100 ms | {verdict}")


if __name__ == "__main__":
    main()
