"""`corridor import cases`: a fictional 2017-style list checked, imported, imported again
and resumed, with every field sealed and every row audited."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from corridor.audit.events import EventType
from corridor.audit.models import AuditEntry
from corridor.cases.models import Case, Expense, Milestone, MilestoneKind, Note, Placement
from corridor.core import clock
from corridor.pathways.models import Application, ApplicationStatus
from corridor.people.models import Person
from corridor.reports.selectors.money import costs as report_costs
from corridor.reports.selectors.people import count_milestone_totals
from corridor.transfer.mapping import parse_mapping
from corridor.transfer.models import ImportedRow
from corridor.transfer.services import check_import, run_import
from tests.cases.conftest import CASE_DB
from tests.factories import (
    EVACUATION_LIST_MAPPING,
    csv_bytes,
    xlsx_bytes,
)

pytestmark = CASE_DB


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("imports", "cases", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_dry_run_names_the_refused_rows_and_the_duplicate_and_writes_nothing(sheet, coordinator):
    """The dry run reports each refused row with its column in words, and the person
    entered twice under two spellings; no case, person or row key is written."""
    listing, workbook, mapping = sheet
    out = run(str(workbook), "--mapping", str(mapping), "--dry-run", "--as", coordinator.username)
    for row, column in listing.refused.items():
        assert f"row {row}, column “{column}”" in out
    assert "“32.13.1988” is not a date" in out
    assert "“не помню” is not a phone number" in out
    later, earlier = listing.duplicate
    assert f"row {later}: The same person as row {earlier} (same " in out
    assert "7 rows: 3 to create, 3 refused, 1 duplicates, 0 imported before." in out
    assert "Dry run: nothing was written." in out
    assert Case.objects.count() == 0
    assert Person.objects.count() == 0
    assert ImportedRow.objects.count() == 0
    assert AuditEntry.objects.filter(event_type=EventType.IMPORT_CHECKED).count() == 1


def test_import_creates_sealed_cases_the_report_counts_and_a_second_run_creates_nothing(
    sheet, coordinator, caseworker
):
    """The import writes the three good rows as cases with their people (sealed),
    milestones, placement, journey, application, expenses and a sealed note; the internal
    report's selectors count them; running the same file again writes nothing."""
    listing, workbook, mapping = sheet
    out = run(str(workbook), "--mapping", str(mapping), "--as", coordinator.username)
    assert "Created 3 cases." in out
    assert Case.objects.count() == listing.created
    first = Case.objects.get(region="RU-CE")
    assert first.opened_at.date() == clock.today() - timedelta(days=400)
    assert first.assignments.filter(staff=caseworker).exists()
    reached = {m.kind: m.reached_on for m in Milestone.objects.filter(case=first)}
    start = clock.today() - timedelta(days=400)
    assert reached == {
        MilestoneKind.OUT_OF_REGION: start + timedelta(days=5),
        MilestoneKind.SAFE_PLACE: start + timedelta(days=9),
        MilestoneKind.DOCUMENTS_READY: start + timedelta(days=60),
        MilestoneKind.VISA_GRANTED: start + timedelta(days=100),
        MilestoneKind.LEFT_COUNTRY: start + timedelta(days=120),
    }
    assert Placement.objects.filter(case=first, shelter_ref="SH-01").exists()
    application = Application.objects.get(case=first)
    assert application.status == ApplicationStatus.GRANTED
    spent = sorted(Expense.objects.filter(case=first).values_list("currency", "amount_minor"))
    assert spent == [("EUR", 25000), ("RUB", 1500050)]
    assert Note.objects.filter(case=first).count() == 1
    # Sealed: the raw columns hold ciphertext, not the names or the note.
    person = first.members.get().person
    assert "Тестов" not in repr(person.names)
    assert Note.objects.get(case=first).body is not None
    assert AuditEntry.objects.filter(event_type=EventType.CASE_IMPORTED).count() == 3
    assert count_milestone_totals(None)[MilestoneKind.OUT_OF_REGION] == 3
    spending = report_costs(None)
    # Roubles at 0.0105 euro cents a kopeck: 15,000.50 and 3,200 roubles; and 250 euros.
    assert spending.by_source["grant-2017"].total_minor == 15751 + 3360
    assert spending.overall.total_minor == 15751 + 3360 + 25000
    again = run(str(workbook), "--mapping", str(mapping), "--as", coordinator.username)
    assert "0 to create" in again
    assert "3 imported before" in again
    assert Case.objects.count() == listing.created


def test_a_file_cut_half_way_resumes_where_it_stopped(sheet, coordinator):
    """The first half imported, then the whole file: only the second half's rows are new,
    and a later row repeating a person from the first half is refused as a duplicate."""
    listing, workbook, mapping = sheet
    half = workbook.with_name("half.xlsx")
    half.write_bytes(xlsx_bytes(listing.headings, listing.rows[:2]))
    run(str(half), "--mapping", str(mapping), "--as", coordinator.username)
    assert Case.objects.count() == 2
    out = run(str(workbook), "--mapping", str(mapping), "--as", coordinator.username)
    assert "2 imported before" in out
    assert "row 4: The same person as row 2 (same " in out
    assert Case.objects.count() == listing.created


def test_a_person_already_imported_or_already_asking_is_found_across_alphabets(sheet, coordinator):
    """A later file naming, in Latin, a person imported earlier in Cyrillic is refused as
    a duplicate of that case; a person who already wrote through the portal with the same
    phone in another format is refused as a duplicate of the request."""
    from corridor.core.actors import WORKER
    from corridor.intake.services.screening import screen_request
    from tests.factories import receive_request

    listing, workbook, mapping = sheet
    first = workbook.with_name("first.xlsx")
    first.write_bytes(xlsx_bytes(listing.headings, listing.rows[:1]))
    run(str(first), "--mapping", str(mapping), "--as", coordinator.username)
    later = workbook.with_name("later.xlsx")
    later.write_bytes(xlsx_bytes(listing.headings, [listing.rows[2], listing.rows[1]]))
    request = receive_request(full_name="Зарема Примерова", phone="8 928 444-55-66")
    screen_request(actor=WORKER, request_id=request.pk)
    request.refresh_from_db()
    out = run(str(later), "--mapping", str(mapping), "--dry-run", "--as", coordinator.username)
    case = Case.objects.get()
    assert f"row 2: The same person as case {case.ref} already imported (same " in out
    assert f"row 3: The same person as request {request.reference} already here (same " in out


def test_a_row_the_services_refuse_leaves_no_half_written_case(sheet, coordinator):
    """A row that passes the checks but that a service refuses while writing (its
    caseworker's account closed meanwhile) is rolled back whole; the others are written."""
    _listing, workbook, _mapping = sheet
    mapping_text = EVACUATION_LIST_MAPPING
    plan = check_import(
        actor=coordinator,
        data=workbook.read_bytes(),
        filename="list.xlsx",
        mapping=parse_mapping(mapping_text),
        as_staff=coordinator,
    )
    # The first row's application names a route withdrawn after the check.
    draft = plan.drafts[2]
    draft.applications[0] = type(draft.applications[0])(
        **{**draft.applications[0].__dict__, "route_id": "no-such-route"}
    )
    before = Person.objects.count()
    result = run_import(actor=coordinator, plan=plan, as_staff=coordinator)
    assert [outcome.row for outcome in result.refused] == [2]
    assert len(result.created) == 2
    assert Person.objects.count() == before + 2
    assert not Case.objects.filter(region="RU-CE").exists()


def test_csv_with_semicolons_reads_like_the_workbook(sheet, coordinator, tmp_path):
    """The same list saved as CSV (semicolons, dates as text) gives the same dry run."""
    listing, _workbook, mapping = sheet
    path = tmp_path / "list.csv"
    path.write_bytes(csv_bytes(listing.headings, listing.rows))
    out = run(str(path), "--mapping", str(mapping), "--dry-run", "--as", coordinator.username)
    assert "7 rows: 3 to create, 3 refused, 1 duplicates, 0 imported before." in out


def test_a_mapping_naming_a_missing_column_is_refused_in_words(sheet, coordinator, tmp_path):
    _listing, workbook, _mapping = sheet
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(EVACUATION_LIST_MAPPING.replace('"Телефон"', '"Тел."'), encoding="utf-8")
    with pytest.raises(CommandError) as failure:
        run(str(workbook), "--mapping", str(wrong), "--dry-run")
    assert "The file has no column called: Тел." in str(failure.value)
    assert failure.value.returncode == 2


def test_a_saved_mapping_is_reused_by_name(sheet, coordinator):
    _listing, workbook, mapping = sheet
    run(
        str(workbook),
        "--mapping",
        str(mapping),
        "--dry-run",
        "--save-mapping",
        "list-2017",
        "--as",
        coordinator.username,
    )
    out = run(str(workbook), "--mapping", "list-2017", "--dry-run", "--as", coordinator.username)
    assert "3 to create" in out


def test_with_the_key_ledger_enforced_the_importer_fills_then_hands_over(
    sheet, settings, coordinator, caseworker
):
    """With keyd's rules (the file provider runs the same gatekeeper): the coordinator
    leads each new case while filling it, then its caseworker leads it; a later row
    repeating a person whose case the coordinator may no longer open is refused as a
    possible duplicate, never imported twice."""
    from corridor.cases.models import CaseAssignment
    from corridor.vault.ledger import acting_with
    from tests.ledger_helpers import keyd_log_in

    listing, _workbook, _mapping = sheet
    settings.CORRIDOR_KEY_LEDGER_ENFORCED = True
    ticket = keyd_log_in(coordinator)
    keyd_log_in(caseworker)
    mapping = parse_mapping(EVACUATION_LIST_MAPPING)
    first = xlsx_bytes(listing.headings, listing.rows[:1])
    with acting_with(ticket):
        plan = check_import(
            actor=coordinator, data=first, filename="a.xlsx", mapping=mapping, as_staff=coordinator
        )
        result = run_import(actor=coordinator, plan=plan, as_staff=coordinator)
    assert result.stopped_at is None
    assert len(result.created) == 1
    case = Case.objects.get()
    lead = CaseAssignment.objects.get(case=case, lead=True, ended_at__isnull=True)
    assert lead.staff == caseworker
    again = [["B-1", *listing.rows[0][1:]]]
    with acting_with(ticket):
        plan = check_import(
            actor=coordinator,
            data=xlsx_bytes(listing.headings, again),
            filename="b.xlsx",
            mapping=mapping,
            as_staff=coordinator,
        )
    assert plan.count("duplicate") == 1
    said = plan.outcomes[0].as_text()
    assert "Perhaps the same person as a request or case you may not open" in said
    # A sheet of guessed phones must not list who is here: no reference, and the probe
    # counts toward the insider alert like a search beyond one's own cases.
    assert case.ref not in said
    assert AuditEntry.objects.filter(
        event_type=EventType.SEARCH_BEYOND, actor=coordinator.actor_id
    ).exists()


def test_erasing_an_imported_case_forgets_its_row_and_its_indexes(sheet, coordinator):
    """Erasure leaves nothing saying the person was on the sheet: the row key and the
    blind indexes of the imported case are gone, and checking the sheet again no longer
    names the erased case as "imported before"."""
    from django.test import TestCase

    from corridor.accounts import approvals
    from corridor.accounts.models import ApprovalKind
    from corridor.accounts.roles import Role
    from corridor.cases.services import erasure
    from corridor.transfer.models import ImportedIndex
    from tests.factories import staff_with

    _listing, workbook, mapping = sheet
    run(str(workbook), "--mapping", str(mapping), "--as", coordinator.username)
    case = Case.objects.get(region="RU-CE")
    row = ImportedRow.objects.get(case=case)
    assert ImportedIndex.objects.filter(row=row).exists()
    approval = approvals.request_approval(
        actor=coordinator,
        kind=ApprovalKind.ERASE_CASE,
        target_type="cases.case",
        target_id=str(case.pk),
        reason="retention",
    )
    approvals.grant_approval(actor=staff_with(Role.COORDINATOR), approval_id=str(approval.pk))
    with TestCase.captureOnCommitCallbacks(execute=True):
        erasure.erase_case(actor=coordinator, case=case, approval_id=str(approval.pk))
    assert not ImportedRow.objects.filter(pk=row.pk).exists()
    assert not ImportedIndex.objects.filter(row_id=row.pk).exists()
    again = run(str(workbook), "--mapping", str(mapping), "--as", coordinator.username, "--dry-run")
    assert "2 imported before" in again
    assert case.ref not in again
