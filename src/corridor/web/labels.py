"""Words for the codes the case pages show: reasons, checklist steps, timeline lines."""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

from django.db import models as django_models
from django.utils.translation import gettext_lazy as _

from corridor.audit.events import EventType
from corridor.cases import models as case_models
from corridor.cases import risk
from corridor.cases.services.safety import STEP_WORDS
from corridor.intake import models as intake_models
from corridor.pathways import models as pathway_models
from corridor.pathways.documents_ready import FROM_REGISTER
from corridor.people import models as people_models

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

REVEAL_REASON_LABELS: dict[str, StrPromise] = {
    "emergency": _("Emergency"),
    "covering_absence": _("Covering for an absent colleague"),
    "supervision": _("Supervision"),
    "incident_response": _("Responding to an incident"),
    "quality_review": _("Quality review"),
}
SETBACK_LABELS: dict[str, StrPromise] = {
    "returned_to_region": _("A person went back to the danger region"),
    "visa_refused": _("A visa or permit was refused"),
    "documents_lost": _("Documents were lost or taken"),
    "placement_ended": _("The safe place was lost"),
    "other_setback": _("Another setback"),
}
# The incident checklist's words live beside the checklist (its refusals name steps too).
STEP_LABELS: dict[str, StrPromise] = dict(STEP_WORDS)
RISK_ANSWER_LABELS: dict[str, StrPromise] = {
    "threat_from_state": _("Threatened by the state (police, security services)"),
    "threat_from_family": _("Threatened by their family"),
    "threat_from_community": _("Threatened by their community"),
    "detained_before": _("Detained before"),
    "location_known": _("Their hiding place is known to the persecutors"),
    "documents_confiscated": _("Documents confiscated"),
    "wanted_or_criminal_case": _("Wanted, or a criminal case opened against them"),
    "health_needs": _("Health needs"),
    "dependants": _("Dependants with them"),
    "online_exposure": _("Exposed online"),
}
# The reason codes a risk assessment stores, worded as the question they came from.
RISK_REASON_LABELS: dict[str, StrPromise] = {
    code: RISK_ANSWER_LABELS[answer] for answer, _points, code in risk.WEIGHTS
}
FLAG_REASON_LABELS: dict[str, StrPromise] = {
    "": _("No reason given"),
    "no_answer": _("No answer on any channel"),
    "reported_by_family": _("Reported by family"),
    "reported_by_partner": _("Reported by a partner organisation"),
    "resolved": _("Resolved"),
    "other": _("Other"),
}
REOPEN_REASON_LABELS: dict[str, StrPromise] = {
    "new_danger": _("New danger"),
    "returned": _("The person came back to us"),
    "closed_by_mistake": _("Closed by mistake"),
}
TIMELINE_LABELS: dict[str, StrPromise] = {
    EventType.CASE_OPENED: _("Case opened"),
    EventType.CASE_REVEALED: _("Opened by a coordinator not assigned to it"),
    EventType.CASE_ASSIGNED: _("Assigned"),
    EventType.CASE_UNASSIGNED: _("Unassigned"),
    EventType.MEMBER_ADDED: _("Person added"),
    EventType.MEMBER_REMOVED: _("Person left the case"),
    EventType.CASE_LINKED: _("Linked to another case"),
    EventType.CASE_UNLINKED: _("Link removed"),
    EventType.MILESTONE_RECORDED: _("Milestone recorded"),
    EventType.PHASE_CHANGED: _("Phase changed"),
    EventType.FLAG_RAISED: _("Flag raised"),
    EventType.FLAG_CLEARED: _("Flag cleared"),
    EventType.CASE_CLOSED: _("Case closed"),
    EventType.CASE_REOPENED: _("Case reopened"),
    EventType.RISK_ASSESSED: _("Risk assessed"),
    EventType.INCIDENT_OPENED: _("Incident opened"),
    EventType.INCIDENT_STEP_DONE: _("Incident step done"),
    EventType.INCIDENT_CLOSED: _("Incident closed"),
    EventType.TASK_ADDED: _("Next action added"),
    EventType.TASK_COMPLETED: _("Action done"),
    EventType.NOTE_ADDED: _("Note added"),
    EventType.EXPENSE_RECORDED: _("Expense recorded"),
    EventType.PLACEMENT_RECORDED: _("Placement recorded"),
    EventType.PLACEMENT_ENDED: _("Placement ended"),
    EventType.TRAVEL_LEG_RECORDED: _("Journey planned"),
    EventType.TRAVEL_LEG_COMPLETED: _("Journey completed"),
    EventType.TRAVEL_LEG_CANCELLED: _("Journey cancelled"),
    EventType.MILESTONE_CORRECTED: _("Milestone date corrected"),
    EventType.MILESTONE_RETRACTED: _("Milestone retracted (recorded by mistake)"),
    EventType.APPLICATION_STARTED: _("Application started"),
    EventType.APPLICATION_STATUS_RECORDED: _("Application status recorded"),
    EventType.APPLICATION_STATUS_RETRACTED: _("Application status withdrawn (recorded by mistake)"),
    EventType.KEPT_AT_CLOSING: _("Kept running when the case closed"),
    EventType.PROTOCOL_STOPPED: _("Contact protocol stopped"),
    EventType.INCIDENT_STEP_SKIPPED: _("Incident step skipped"),
    EventType.INTAKE_RECORDED: _("Answers from their request recorded"),
    EventType.RISK_SEEDED: _("Risk set to critical: in danger now, not yet assessed"),
    EventType.CONSENT_RECORDED: _("What the person agreed to was recorded"),
    EventType.PLAN_CHOSEN: _("Plan chosen"),
}
# Timeline lines that correct an earlier one: the page marks them so they stand out.
CORRECTION_KINDS = frozenset(
    {
        EventType.MILESTONE_CORRECTED,
        EventType.MILESTONE_RETRACTED,
        EventType.APPLICATION_STATUS_RETRACTED,
    }
)


def label_of(labels: dict[str, StrPromise], code: str) -> str:
    """The words for `code`, or the code itself when it has none."""
    return str(labels.get(code, code))


# A code in a timeline detail: `lost_contact`, `left_country`, `granted`, `consent_changed`.
_DETAIL_CODE = re.compile(r"[a-z]+(?:_[a-z0-9]+)*")


@cache
def _choice_words() -> dict[str, StrPromise | str]:
    """Every stored choice code of the case, catalog, people and intake models, with its
    words (the first model to name a code gives the words; their labels agree)."""
    words: dict[str, StrPromise | str] = {}
    for module in (case_models, pathway_models, people_models, intake_models):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, django_models.TextChoices):
                for code, label in value.choices:
                    words.setdefault(str(code), label)
    for labels in (FLAG_REASON_LABELS, REOPEN_REASON_LABELS, RISK_REASON_LABELS):
        for code, reason in labels.items():
            if code:
                words.setdefault(code, reason)
    words.setdefault("consent_changed", _("Consent changed"))
    words.setdefault(FROM_REGISTER, _("worked out from the document register and the plan"))
    return words


def word_detail(detail: str) -> str:
    """A timeline detail with each code in it put into words (dates, arrows, references
    and anything not a known code stay as they are)."""
    if not detail:
        return detail
    words = _choice_words()
    return _DETAIL_CODE.sub(
        lambda match: str(words[match.group(0)]) if match.group(0) in words else match.group(0),
        detail,
    )
