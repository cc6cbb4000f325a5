"""The "documents ready" milestone follows the readiness derived from the register and
the chosen plan (pathways/readiness.py), so the phases, the board and the reports count
what the register shows, not only what someone remembered to record.

When: readiness is reached only by a write, never by time passing. Once a plan is chosen
the day documents must be valid on is the next planned journey (or today), and that day
only moves later as time passes, so a document can lapse by itself but never become
valid by itself. Hence no periodic job: `follow_readiness` runs inside the transaction of
every write that can make a household ready — a register entry added, changed or removed
or an original's custody confirmed (people/register.refresh_document_facts, through
`watch_register`), a plan chosen (plan_choices.choose_plan), a journey planned or
cancelled (cases' logistics, through `register_readiness_follower`) — and records the
milestone, through the milestone service and audited, dated the day readiness was reached.

Only forward: a milestone is a step reached on a date, and the reports count the days
between steps; a document lost or lapsing later is shown on the case page (the derived
readiness and the expiry warnings), not written back into history. So a milestone
recorded by hand, before a plan or against it, is never retracted nor re-dated, and
without a plan nothing is recorded: the milestone is set by hand, as before.
"""

from __future__ import annotations

from typing import Any

from corridor.cases.models import Case, Milestone, MilestoneKind, Phase
from corridor.cases.services.progress import record_milestone
from corridor.core import clock
from corridor.core.actors import Actor
from corridor.pathways.readiness import household_readiness
from corridor.people.models import Person

# The audit reason (and timeline words) of a milestone worked out, not recorded by hand.
FROM_REGISTER = "from_register"


def follow_readiness(actor: Actor, case: Case) -> list[Any]:
    """Record "documents ready" for each current member of `case` whose documents are
    ready for its chosen plan and who does not hold it yet; returns their person pks.
    Call inside the transaction of the write that may have made them ready."""
    if case.phase == Phase.CLOSED or case.erased_at is not None:
        return []
    today = clock.today()
    ready = [
        pk for pk, readiness in household_readiness(case, today=today).items() if readiness.ready
    ]
    if not ready:
        return []
    held = Milestone.objects.filter(person_id__in=ready, kind=MilestoneKind.DOCUMENTS_READY)
    recorded: list[Any] = []
    for person in (
        Person.objects.filter(pk__in=ready).exclude(pk__in=held.values("person_id")).order_by("pk")
    ):
        record_milestone(
            actor=actor,
            case=case,
            person=person,
            kind=MilestoneKind.DOCUMENTS_READY,
            reached_on=today,
            reason=FROM_REGISTER,
        )
        recorded.append(person.pk)
    return recorded


def follow_person(actor: Actor, person: Person) -> None:
    """The person's register changed: follow each open case they are a current member of."""
    for case in Case.objects.filter(
        members__person=person, members__left_at__isnull=True, erased_at__isnull=True
    ).exclude(phase=Phase.CLOSED):
        follow_readiness(actor, case)
