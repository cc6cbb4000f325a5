"""The plan a caseworker chose for a case: the write.

Plans are computed on demand from the person's sealed facts, so a route change cannot
find the cases a plan would touch without opening everyone's facts. A stored choice
(route ids only, no personal data) is what lets `route_changes` name those cases.
Choosing a plan ends the case's current one; both stay in the history and the audit log.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.cases.models import Case
from corridor.cases.services.timeline import add_timeline_entry
from corridor.core import clock
from corridor.core.actors import Actor
from corridor.core.exceptions import InvalidInput
from corridor.pathways import documents_ready, selectors
from corridor.pathways.models import ChosenPlan
from corridor.pathways.schema import Route, Transit

NOT_A_PLAN = _("That is not a route, or a transit country and a route, of the catalog in force.")
ALREADY_CHOSEN = _("That plan is already the one chosen for this case.")
OBJECT_TYPE = ObjectType.CHOSEN_PLAN


@transaction.atomic
def choose_plan(*, actor: Actor, case: Case, route_ids: Sequence[str]) -> ChosenPlan:
    """Store `route_ids` ((route,) or (transit, route), as the matcher names a plan) as the
    case's chosen plan, ending the one chosen before."""
    transit_id, route_id = _checked(route_ids)
    # Lock the case's row so two choices at once cannot both become current.
    Case.objects.select_for_update().filter(pk=case.pk).first()
    current = ChosenPlan.objects.filter(case=case, ended_at__isnull=True).first()
    if current is not None and current.route_ids == tuple(route_ids):
        raise InvalidInput(str(ALREADY_CHOSEN))
    if current is not None:
        current.ended_at = clock.now()
        current.ended_by = actor.actor_id
        current.save(update_fields=["ended_at", "ended_by"])
    plan = ChosenPlan.objects.create(
        case=case, route_id=route_id, transit_id=transit_id, chosen_by=actor.actor_id
    )
    add_timeline_entry(
        actor=actor,
        case=case,
        kind=EventType.PLAN_CHOSEN.value,
        object_type=OBJECT_TYPE,
        object_id=str(plan.pk),
        detail=str(plan),
    )
    detail: dict[str, str | int] = {"route": route_id, "transit": transit_id}
    if current is not None:
        detail["replaced"] = str(current)
    record_event(
        actor=actor,
        event=EventType.PLAN_CHOSEN,
        object_type=OBJECT_TYPE,
        object_id=str(plan.pk),
        case_id=case.ref,
        detail=detail,
    )
    # The plan decides what documents are needed: it may make the household ready.
    documents_ready.follow_readiness(actor, case)
    return plan


def _checked(route_ids: Sequence[str]) -> tuple[str, str]:
    """(transit id or "", route id) when the ids name a plan of the catalog in force."""
    entries = {entry.id: entry for entry in selectors.list_current_entries()}
    if len(route_ids) == 1 and isinstance(entries.get(route_ids[0]), Route):
        return "", route_ids[0]
    if (
        len(route_ids) == 2
        and isinstance(entries.get(route_ids[0]), Transit)
        and isinstance(entries.get(route_ids[1]), Route)
    ):
        return route_ids[0], route_ids[1]
    raise InvalidInput(str(NOT_A_PLAN))
