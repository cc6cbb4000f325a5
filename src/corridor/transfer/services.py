"""Importing cases from a spreadsheet: check every row first, then write each case in its
own transaction through the services staff use.

    plan = check_import(actor=coordinator, data=raw, filename="list.xlsx", mapping=mapping)
    for outcome in plan.outcomes: print(outcome.as_text())      # the dry run stops here
    result = run_import(actor=coordinator, plan=plan, progress=bar.update)

What this defends against: a half-written case (each case is one transaction: a row the
services refuse leaves nothing), the same person imported twice (rows are compared with
each other, and through the blind indexes with earlier requests and imported cases, and
confirmed on decrypted values as screening confirms them), the same row imported twice
(a keyed row key, kept without the row's content), and personal data at rest in plaintext
(every field is sealed by the service that writes it; the file is never stored).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from collections.abc import Mapping as ReadOnly
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Literal

from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from corridor.accounts.models import Staff
from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.cases.models import Case, ExchangeRate, FundingSource, MilestoneKind, Phase
from corridor.cases.services import costs, logistics, opening, progress, work
from corridor.cases.services.assignment import assign_case, lead_new_case
from corridor.cases.services.insider import check_openings
from corridor.cases.stages import MILESTONE_ORDER
from corridor.core import clock
from corridor.core.actors import Actor
from corridor.core.exceptions import CorridorError, InvalidInput, KeyFailure
from corridor.intake.screening.indexes import index_values
from corridor.intake.screening.normalise import transliterate
from corridor.pathways import applications
from corridor.pathways import selectors as pathway_selectors
from corridor.pathways.models import ApplicationStatus
from corridor.transfer.duplicates import LOOKUP_INDEXES, Accepted, find_duplicate
from corridor.transfer.mapping import Mapping
from corridor.transfer.models import ImportedIndex, ImportedRow
from corridor.transfer.reading import SheetRow, check_columns, headings_of, read_sheet
from corridor.transfer.rows import (
    ApplicationDraft,
    CaseDraft,
    JourneyDraft,
    PlacementDraft,
    Problem,
    read_row,
)
from corridor.vault import keys as vault_keys
from corridor.vault.fields import seal_field
from corridor.vault.providers import key_provider

# The row key: a keyed hash (the blind-index key, its own name), wide enough that two
# different rows never share one, so it is exact where a screening index is not.
ROW_KEY_INDEX = "import_row"
ROW_KEY_BITS = 62

ALREADY_IMPORTED = _("Imported before, as case %(ref)s: nothing to do.")
WRITTEN_MEANWHILE = _("Imported meanwhile by another import of the same file.")
NO_STAFF = _("No active staff account “%(username)s”.")
NO_ROUTE = _("No route “%(route)s” in the catalog in force.")
NO_RATE = _(
    "No exchange rate for %(currency)s on or before %(date)s: an administrator sets one first."
)
NEEDS_STAFF = _("Notes and risk answers are recorded by a staff member: import as one (--as).")


Action = Literal["create", "refused", "duplicate", "imported_before"]


@dataclass
class RowOutcome:
    """What the import does (or did) with one row, and why."""

    row: int
    action: Action
    problems: list[Problem] = field(default_factory=list)
    case_ref: str = ""
    counts: dict[str, int] = field(default_factory=dict)

    def as_text(self) -> str:
        if self.action == "create":
            made = ", ".join(f"{count} {name}" for name, count in self.counts.items() if count)
            done = f"case {self.case_ref}" if self.case_ref else "a case"
            return f"row {self.row}: creates {done} ({made})"
        return "; ".join(problem.as_text() for problem in self.problems)


@dataclass
class ImportPlan:
    """The checked rows: what each will do. Nothing is written until `run_import`."""

    drafts: dict[int, CaseDraft]
    outcomes: list[RowOutcome]
    row_keys: dict[int, int]
    batch: uuid.UUID = field(default_factory=uuid.uuid4)

    def count(self, action: Action) -> int:
        return sum(1 for outcome in self.outcomes if outcome.action == action)

    # For templates, which cannot pass an argument.
    @property
    def count_create(self) -> int:
        return self.count("create")

    @property
    def count_refused(self) -> int:
        return self.count("refused")

    @property
    def count_duplicate(self) -> int:
        return self.count("duplicate")

    @property
    def count_imported_before(self) -> int:
        return self.count("imported_before")


def check_import(
    *, actor: Actor, data: bytes, filename: str, mapping: Mapping, as_staff: Staff | None = None
) -> ImportPlan:
    """Read and check every row; InvalidInput if the file or the mapping cannot be used.

    Reads (and audits, as one event) the facts of earlier requests and imported cases that
    share a blind-index value with a row, to confirm a duplicate; writes nothing else."""
    rows = read_sheet(data, filename=filename, header_row=mapping.header_row)
    check_columns(
        mapping.columns(), headings_of(data, filename=filename, header_row=mapping.header_row)
    )
    today = clock.today()
    drafts = {row.number: read_row(row, mapping, today=today) for row in rows}
    keys = {row.number: _row_key(row, drafts[row.number]) for row in rows}
    _check_references(drafts, as_staff=as_staff)
    outcomes: list[RowOutcome] = []
    accepted = Accepted()
    done = dict(
        ImportedRow.objects.filter(row_key__in=keys.values()).values_list("row_key", "case__ref")
    )
    opened = 0
    for number, draft in drafts.items():
        if keys[number] in done:
            problem = Problem(
                number, "", str(ALREADY_IMPORTED % {"ref": done[keys[number]] or "—"})
            )
            outcomes.append(RowOutcome(number, "imported_before", [problem]))
            if not draft.problems:
                accepted.append(draft)  # a later row repeating it is still a duplicate
            continue
        if draft.problems:
            outcomes.append(RowOutcome(number, "refused", list(draft.problems)))
            continue
        duplicate, looked = find_duplicate(actor, draft, accepted)
        opened += looked
        if duplicate is not None:
            outcomes.append(RowOutcome(number, "duplicate", [duplicate]))
            continue
        accepted.append(draft)
        outcomes.append(RowOutcome(number, "create", counts=_counts(draft)))
    plan = ImportPlan(drafts=drafts, outcomes=outcomes, row_keys=keys)
    record_event(
        actor=actor,
        event=EventType.IMPORT_CHECKED,
        object_type=ObjectType.IMPORT,
        object_id=str(plan.batch),
        detail={
            "rows": len(outcomes),
            "create": plan.count("create"),
            "refused": plan.count("refused"),
            "duplicate": plan.count("duplicate"),
            "imported_before": plan.count("imported_before"),
            "compared": opened,
        },
    )
    if isinstance(actor, Staff):
        # Rows that reached people's requests or others' cases count like searches do.
        check_openings(actor)
    return plan


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    refused: list[RowOutcome] = field(default_factory=list)
    stopped_at: int | None = None  # the row a failure stopped at: run again to resume
    stop_reason: str = ""


def run_import(
    *,
    actor: Actor,
    plan: ImportPlan,
    as_staff: Staff | None = None,
    progress_to: Callable[[int], object] | None = None,
) -> ImportResult:
    """Write every row the plan creates, each case in its own transaction.

    A row the services refuse is rolled back whole and reported; the import goes on. A
    failure of the key service stops the import there: the cases written so far stay,
    and running the same file again skips them (their row keys) and resumes."""
    result = ImportResult()
    for outcome in plan.outcomes:
        if outcome.action != "create":
            if progress_to is not None:
                progress_to(1)
            continue
        draft = plan.drafts[outcome.row]
        try:
            with transaction.atomic():
                case = write_case(actor, draft, as_staff=as_staff)
                remember(actor, case, draft, row_key=plan.row_keys[outcome.row], batch=plan.batch)
                _hand_over(actor, case, draft, as_staff=as_staff)
        except KeyFailure as failure:
            result.stopped_at = outcome.row
            result.stop_reason = str(failure) or failure.kind
            return result
        except (CorridorError, IntegrityError) as problem:
            # IntegrityError: the same row key, written meanwhile by another import.
            message = str(problem) if isinstance(problem, CorridorError) else str(WRITTEN_MEANWHILE)
            refused = RowOutcome(outcome.row, "refused", [Problem(outcome.row, "", message)])
            result.refused.append(refused)
            record_event(
                actor=actor,
                event=EventType.IMPORT_REFUSED_ROW,
                object_type=ObjectType.IMPORT,
                object_id=str(plan.batch),
                detail={"row": outcome.row, "error": type(problem).__name__},
            )
        else:
            outcome.case_ref = case.ref
            result.created.append(case.ref)
        if progress_to is not None:
            progress_to(1)
    return result


def write_case(actor: Actor, draft: CaseDraft, *, as_staff: Staff | None) -> Case:
    """One case through the services: people, assignment, dated steps in date order,
    expenses, notes. Raises the service's own error for anything refused."""
    principal, *others = draft.people
    case = opening.open_case(
        actor=actor,
        principal=principal.data,
        region=draft.region,
        phase=Phase.VERIFICATION,
        next_action=draft.next_action,
        next_action_due=clock.today(),
        opened_on=draft.opened_on,
    )
    if as_staff is not None:
        # The importer leads the case they just opened while they fill it (the key
        # service serves a case's key to the people assigned to it), and hands it to its
        # caseworker last.
        lead_new_case(actor=as_staff, case=case)
    for person in others:
        opening.add_member(actor=actor, case=case, data=person.data, relation=person.relation)
    if draft.risk is not None and as_staff is not None:
        work.assess_risk(actor=as_staff, case=case, answers=draft.risk)
    for _day, _order, step in sorted(_dated_steps(actor, case, draft), key=lambda s: s[:2]):
        step()
    case.refresh_from_db()
    for expense in draft.expenses:
        costs.record_expense(
            actor=actor,
            case=case,
            category=expense.category,
            amount_minor=expense.amount_minor,
            currency=expense.currency,
            spent_on=expense.spent_on,
            funding_source=_funding_source(actor, expense.funding_source),
        )
    if as_staff is not None:
        for body in draft.notes:
            work.add_note(actor=as_staff, case=case, body=body)
    return case


def _hand_over(actor: Actor, case: Case, draft: CaseDraft, *, as_staff: Staff | None) -> None:
    """The caseworker the sheet names leads the case from now on."""
    if not draft.caseworker or (as_staff is not None and draft.caseworker == as_staff.username):
        return
    staff = Staff.objects.filter(username=draft.caseworker, is_active=True).first()
    if staff is None:  # closed since the check
        raise InvalidInput(str(NO_STAFF % {"username": draft.caseworker}))
    assign_case(actor=actor, case=case, staff=staff)


def _dated_steps(
    actor: Actor, case: Case, draft: CaseDraft
) -> list[tuple[date, int, Callable[[], object]]]:
    """Placements, journeys, applications and milestones as (day, order, write): written
    in the order they happened, so each milestone finds the ones it needs."""
    order = {kind: number for number, kind in enumerate(MILESTONE_ORDER)}
    steps: list[tuple[date, int, Callable[[], object]]] = []
    for placement in draft.placements:
        write: Callable[[], object] = partial(_placement, actor, case, placement)
        steps.append((placement.starts_on, order[MilestoneKind.SAFE_PLACE], write))
    for journey in draft.journeys:
        write = partial(_journey, actor, case, journey)
        steps.append((journey.travel_on, order[MilestoneKind.LEFT_COUNTRY], write))
    for application in draft.applications:
        write = partial(_application, actor, case, application)
        day = application.decided_on or application.started_on
        steps.append((day, order[MilestoneKind.VISA_GRANTED], write))
    for kind, reached in draft.milestones:
        steps.append((reached, order[kind], partial(_milestone, actor, case, kind, reached)))
    return steps


def _placement(actor: Actor, case: Case, placement: PlacementDraft) -> None:
    logistics.record_placement(
        actor=actor,
        case=case,
        shelter_ref=placement.shelter_ref,
        address=placement.address,
        starts_on=placement.starts_on,
        ends_on=placement.ends_on,
    )


def _journey(actor: Actor, case: Case, journey: JourneyDraft) -> None:
    """A journey that already happened: recorded completed, reaching its milestones (a
    planned one from an export stays planned, or cancelled on the day it was)."""
    leg = logistics.record_travel_leg(
        actor=actor,
        case=case,
        kind=journey.kind,
        from_place=journey.from_place,
        to_place=journey.to_place,
        mode=journey.mode,
        travel_on=journey.travel_on,
        itinerary=journey.itinerary,
        completed_on=journey.travel_on if journey.completed else None,
    )
    if journey.cancelled_on is not None and not journey.completed:
        logistics.cancel_travel_leg(actor=actor, leg=leg, on=journey.cancelled_on)


def _milestone(actor: Actor, case: Case, kind: MilestoneKind, reached_on: date) -> None:
    """The step for every person in the case who has not reached it yet (a placement or a
    journey may have recorded it already)."""
    for membership in case.members.filter(left_at__isnull=True).select_related("person"):
        if not membership.person.milestones.filter(kind=kind).exists():
            progress.record_milestone(
                actor=actor, case=case, person=membership.person, kind=kind, reached_on=reached_on
            )


def _application(actor: Actor, case: Case, draft: ApplicationDraft) -> None:
    """The application as started (and handed in), then its outcome on the day decided."""
    people = [m.person for m in case.members.filter(left_at__isnull=True).select_related("person")]
    outcome = draft.outcome
    started = applications.start_application(
        actor=actor,
        case=case,
        route_id=draft.route_id,
        authority=draft.authority,
        people=people,
        reference_number=draft.reference_number,
        started_on=draft.started_on,
        submitted=outcome not in (None, ApplicationStatus.DRAFT),
    )
    if outcome is not None and outcome not in (
        ApplicationStatus.DRAFT,
        ApplicationStatus.SUBMITTED,
    ):
        applications.record_status(
            actor=actor,
            application=started,
            status=outcome,
            on=draft.decided_on or draft.started_on,
        )


def _funding_source(actor: Actor, written: str) -> FundingSource | None:
    """The funding source the sheet names (by code or name); a new one is added."""
    if not written:
        return None
    found = FundingSource.objects.filter(code=written).first()
    found = found or FundingSource.objects.filter(name=written).first()
    if found is not None:
        return found
    code = slugify(transliterate(written))[:40] or "imported"
    return costs.add_funding_source(actor=actor, code=code, name=written[:120])


def remember(
    actor: Actor,
    case: Case,
    draft: CaseDraft,
    *,
    row_key: int,
    batch: uuid.UUID,
    history: ReadOnly[str, str | int] | None = None,
) -> None:
    """The row key, and the row's facts sealed under the case's key (who can decrypt:
    whoever may have the case's key), with their blind indexes for later duplicates.
    `history`: a moved case's audit summary from the installation it left."""
    key = vault_keys.data_key(case.key_id or "", for_actor=actor.actor_id, case_id=str(case.pk))
    row = ImportedRow(row_key=row_key, case=case, batch=batch)
    seal_field(row, "facts", draft.facts.as_json(), key=key)
    row.save()
    ImportedIndex.objects.bulk_create(
        ImportedIndex(row=row, name=name, value=value)
        for name, value in sorted(index_values(draft.facts))
        if name in LOOKUP_INDEXES
    )
    record_event(
        actor=actor,
        event=EventType.CASE_IMPORTED,
        object_type=ObjectType.CASE,
        object_id=str(case.pk),
        case_id=case.ref,
        detail={"row": draft.row, "batch": str(batch), **(history or {})},
    )


def _row_key(row: SheetRow, draft: CaseDraft) -> int:
    """A keyed hash of the sheet's own reference, or of the whole row without one."""
    if draft.reference:
        value = f"ref|{' '.join(draft.reference.split()).casefold()}"
    else:
        cells = {name: row.text(name) for name in sorted(row.cells)}
        value = "row|" + json.dumps(cells, ensure_ascii=False, sort_keys=True)
    return key_provider().index(ROW_KEY_INDEX, value.encode("utf-8"), bits=ROW_KEY_BITS)


def _check_references(drafts: dict[int, CaseDraft], *, as_staff: Staff | None) -> None:
    """What a row names that must already exist: staff, routes, exchange rates."""
    usernames = {draft.caseworker for draft in drafts.values() if draft.caseworker}
    known = set(
        Staff.objects.filter(username__in=usernames, is_active=True).values_list(
            "username", flat=True
        )
    )
    routes: set[str] | None = None
    for draft in drafts.values():
        if draft.caseworker and draft.caseworker not in known:
            draft.problems.append(
                Problem(draft.row, "", str(NO_STAFF % {"username": draft.caseworker}))
            )
        if as_staff is None and (draft.notes or draft.risk is not None):
            draft.problems.append(Problem(draft.row, "", str(NEEDS_STAFF)))
        if draft.applications and routes is None:
            routes = {entry.id for entry in pathway_selectors.list_current_entries()}
        for application in draft.applications:
            if routes is not None and application.route_id and application.route_id not in routes:
                draft.problems.append(
                    Problem(draft.row, "", str(NO_ROUTE % {"route": application.route_id}))
                )
        for expense in draft.expenses:
            if (
                expense.currency != costs.reporting_currency()
                and not ExchangeRate.objects.filter(
                    currency=expense.currency, as_of__lte=expense.spent_on
                ).exists()
            ):
                message = NO_RATE % {
                    "currency": expense.currency,
                    "date": expense.spent_on.isoformat(),
                }
                draft.problems.append(Problem(draft.row, "", str(message)))


def _counts(draft: CaseDraft) -> dict[str, int]:
    return {
        "people": len(draft.people),
        "milestones": len(draft.milestones),
        "expenses": len(draft.expenses),
        "placements": len(draft.placements),
        "journeys": len(draft.journeys),
        "applications": len(draft.applications),
        "notes": len(draft.notes),
    }
