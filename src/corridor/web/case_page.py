"""The case page's context: the plain columns, and the plaintext while the case is open.

Masking is decided here by absence: a sealed value reaches the template only if
the viewer opened the case for work and their role may see that field.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from django.utils.translation import get_language

from corridor.accounts.models import Staff
from corridor.cases import stages
from corridor.cases.access import (
    REVEAL_LIFETIME,
    OpenedCase,
    may_hold_key,
    may_see_links,
    may_see_locations,
)
from corridor.cases.danger import rank
from corridor.cases.dashboards import signals_for
from corridor.cases.models import Case, MilestoneKind, Phase, TimelineEntry
from corridor.cases.risk import targets
from corridor.cases.selectors import CaseDetail, MemberLine
from corridor.cases.services.costs import reporting_currency
from corridor.core import clock
from corridor.core.places import place_name
from corridor.people.models import DocumentFile, IdentityDocument
from corridor.people.selectors import list_documents_by_person, list_files_by_person
from corridor.web import person_facts
from corridor.web.document_panel import DocumentPanel, document_panels
from corridor.web.labels import (
    CORRECTION_KINDS,
    RISK_REASON_LABELS,
    TIMELINE_LABELS,
    label_of,
    word_detail,
)
from corridor.web.staff_names import actor_words


@dataclass(frozen=True)
class PersonView:
    line: MemberLine
    names: list[str]
    fields: dict[str, Any]
    protocol: dict[str, Any]
    check_in_overdue: bool
    # (document, its opened number and issue date, or None while the case is not open)
    documents: list[tuple[IdentityDocument, dict[str, str] | None]]
    # (file, its title, or None while the case is not open)
    files: list[tuple[DocumentFile, str | None]]
    # Expiry warnings and whether the documents are ready (web.document_panel)
    panel: DocumentPanel
    nationality: str  # the stored codes shown by name
    current_country: str
    address_as: str = ""
    gender_identity: str = ""
    document_sex_marker: str = ""
    contacts: list[str] = field(default_factory=list)
    medical: list[str] = field(default_factory=list)
    danger: list[tuple[Any, list[str]]] = field(default_factory=list)
    prospects: list[tuple[Any, list[str]]] = field(default_factory=list)


def case_context(
    *, viewer: Staff, detail: CaseDetail, opened: OpenedCase | None
) -> dict[str, object]:
    """Everything the case template needs, with sealed values only from `opened`."""
    case = detail.case
    now = clock.now()
    lang = "ru" if (get_language() or "en").startswith("ru") else "en"
    documents = list_documents_by_person(line.membership.person_id for line in detail.members)
    files = list_files_by_person(line.membership.person_id for line in detail.members)
    panels = document_panels(
        case, (line.membership.person for line in detail.members), documents, today=now.date()
    )
    people = [
        _with_facts(
            PersonView(
                line=line,
                names=_names(opened.people.get(str(line.membership.person_id), {}))
                if opened
                else [],
                fields=opened.people.get(str(line.membership.person_id), {}) if opened else {},
                protocol=opened.protocols.get(str(line.membership.person_id), {}) if opened else {},
                check_in_overdue=line.protocol is not None
                and line.protocol.check_in_due_at is not None
                and line.protocol.check_in_due_at < now,
                documents=[
                    (document, opened.documents.get(str(document.pk)) if opened else None)
                    for document in documents.get(line.membership.person_id, [])
                ],
                files=[
                    (row, opened.file_titles.get(str(row.pk)) if opened else None)
                    for row in files.get(line.membership.person_id, [])
                ],
                panel=panels[line.membership.person_id],
                nationality=place_name(line.membership.person.nationality, lang),
                current_country=place_name(line.membership.person.current_country, lang),
            ),
            lang,
        )
        for line in detail.members
    ]
    actors = actor_words(entry.actor for entry in detail.timeline)
    return {
        "case": case,
        "detail": detail,
        "opened": opened,
        "people": people,
        # One row per milestone, one column per person: the side column is narrow, a
        # household has a few people and there are six milestones.
        "milestone_rows": [
            (kind, [line.milestones.get(kind.value) for line in detail.members])
            for kind in MilestoneKind
        ],
        "danger": rank(signals_for([case], now=now)[0], today=now.date()),
        "next_phase": _next_phase(detail),
        "risk": _risk(case, detail, opened),
        "tasks": [
            (task, opened.tasks.get(str(task.pk)) if opened else None) for task in detail.tasks
        ],
        "notes": [
            (note, opened.notes.get(str(note.pk)) if opened else None) for note in detail.notes
        ],
        "placements": [
            (placement, opened.addresses.get(str(placement.pk)) if opened else None)
            for placement in detail.placements
        ],
        "legs": [
            (leg, opened.itineraries.get(str(leg.pk)) if opened else None) for leg in detail.legs
        ],
        "expense_total": sum(expense.amount_reporting_minor for expense in detail.expenses),
        "reporting_currency": reporting_currency(),
        "timeline": [
            (
                entry,
                label_of(TIMELINE_LABELS, entry.kind),
                actors.get(entry.actor, ""),
                entry.kind in CORRECTION_KINDS,
            )
            for entry in _worded(detail.timeline)
        ],
        "has_milestones": any(
            on is not None for line in detail.members for on in line.milestones.values()
        ),
        "may_coordinate": may_see_links(viewer),
        "sees_locations": may_see_locations(viewer),
        "holds_key": may_hold_key(viewer, case),
        "is_closed": case.phase == Phase.CLOSED,
        "reveal_minutes": int(REVEAL_LIFETIME.total_seconds() // 60),
    }


def _with_facts(view: PersonView, lang: str) -> PersonView:
    """The person's sealed facts as labelled lines, when they were opened."""
    if not view.fields:
        return view
    person = view.line.membership.person
    return replace(
        view,
        address_as=person_facts.address_label(view.fields),
        gender_identity=person_facts.gender_label(view.fields),
        document_sex_marker=person_facts.marker_label(view.fields),
        contacts=person_facts.contacts(view.fields),
        medical=person_facts.medical(view.fields),
        danger=person_facts.danger(view.fields, lang),
        prospects=person_facts.prospects(person, view.fields, lang),
    )


def _names(fields: dict[str, Any]) -> list[str]:
    """Each name entry as one line: given, patronymic, family."""
    entries = fields.get("names") or []
    lines = []
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict):
            parts = (entry.get("given"), entry.get("patronymic"), entry.get("family"))
            text = " ".join(str(part) for part in parts if part)
            if text:
                lines.append(text)
    return lines


def _next_phase(detail: CaseDetail) -> dict[str, object] | None:
    upcoming = stages.next_phase_needs(detail.facts)
    if upcoming is None:
        return None
    phase, needs = upcoming
    return {
        "phase": phase,
        "needs": [kind.label for kind in needs],
        "missing": stages.missing_for(phase, detail.facts.members),
    }


def _risk(case: Case, detail: CaseDetail, opened: OpenedCase | None) -> dict[str, object] | None:
    if not case.risk_level:
        return None
    to_region, to_country = targets(case.risk_level)
    return {
        "level": case.get_risk_level_display(),
        "score": case.risk_score,
        "to_region": to_region,
        "to_country": to_country,
        "days_open": (clock.today() - case.opened_at.date()).days,
        "assessed_at": detail.assessment.created_at if detail.assessment else None,
        "reasons": [label_of(RISK_REASON_LABELS, code) for code in opened.risk_reasons]
        if opened
        else None,
    }


def _worded(entries: list[TimelineEntry]) -> list[TimelineEntry]:
    """The timeline lines with their details in words, for this page only (never saved):
    the stored detail keeps its codes for exports and the auditor."""
    for entry in entries:
        entry.detail = word_detail(entry.detail)
    return entries
