"""Importing a verified route feed: one coordinator asks, a second agrees, then it applies.

A feed replaces what the organisation knows about sixty routes at once, so it is a
two-person act (accounts.approvals). The approval names the feed's digest: what the
second coordinator granted is exactly what is applied.
"""

from __future__ import annotations

from django.db import transaction

from corridor.accounts import approvals
from corridor.accounts.models import Approval, ApprovalKind, Staff
from corridor.accounts.roles import Role
from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.core.actors import Actor
from corridor.pathways.feed import Feed
from corridor.pathways.services import LoadReport, load_catalog

TARGET_TYPE = ObjectType.FEED

approvals.register_gated_action(
    ApprovalKind.IMPORT_ROUTE_FEED,
    approvals.GatedAction(
        requester_roles=frozenset({Role.COORDINATOR}),
        approver_roles=frozenset({Role.COORDINATOR}),
        # A catalog is never so urgent that one person's word should replace it.
        emergency_allowed=False,
    ),
)


def request_feed_import(*, actor: Staff, feed: Feed) -> Approval:
    """Ask a second coordinator to agree to applying this exact feed."""
    return approvals.request_approval(
        actor=actor,
        kind=ApprovalKind.IMPORT_ROUTE_FEED,
        target_type=TARGET_TYPE,
        target_id=feed.digest,
        payload={"publisher": feed.publisher},
        reason="route_feed",
    )


@transaction.atomic
def apply_feed(*, actor: Actor, requester: Staff, feed: Feed, approval_id: str) -> LoadReport:
    """Apply a feed a second coordinator granted: a new version for each entry it changes
    (alerting the caseworkers of cases on materially changed routes); the organisation's
    pauses and notes, and entries the feed lacks, stay as they are."""
    approval = approvals.authorise(
        actor=requester,
        kind=ApprovalKind.IMPORT_ROUTE_FEED,
        target_type=TARGET_TYPE,
        target_id=feed.digest,
        payload={"publisher": feed.publisher},
        approval_id=approval_id,
    )
    report = load_catalog(actor=actor, entries=feed.entries)
    record_event(
        actor=actor,
        event=EventType.ROUTE_FEED_IMPORTED,
        object_type=TARGET_TYPE,
        object_id=feed.digest,
        detail={
            "publisher": feed.publisher,
            "approval": str(approval.pk),
            "loaded": len(report.loaded),
            "alerted_cases": len({case.ref for case in report.affected}),
        },
    )
    return report
