"""Recording what the person agreed to, and asking it before anything leaves.

record_consent(actor=staff, case=case, keep=True, share="ask", source="staff",
               reason_text="They called and changed their mind")
check_case_sharing(actor=staff, case=case, purpose="case_referred_out", confirmed=False)
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from corridor.accounts.models import Staff
from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.cases.consent import SharingRefused, check_sharing
from corridor.cases.models import Case, ConsentSource, SharingChoice, SharingConsent
from corridor.cases.services._base import case_key, log, touch
from corridor.cases.services.timeline import add_timeline_entry
from corridor.core import clock
from corridor.core.actors import Actor
from corridor.core.exceptions import InvalidInput

SHARE_INVALID = _("Choose whether the person's data may be shared: yes, ask first, or no.")
REASON_NEEDED = _("Say why the answer changes: the person's own words, or how they told you.")
NOT_CHANGED = _("That is already the answer on record.")
REASON_LIMIT = 2000


def current_consent(case: Case) -> SharingConsent | None:
    """The answer in force (the latest), or None if the person was never asked."""
    return SharingConsent.objects.filter(case=case).order_by("-recorded_at", "-id").first()


def consent_history(case: Case) -> list[SharingConsent]:
    return list(SharingConsent.objects.filter(case=case).order_by("-recorded_at", "-id"))


@transaction.atomic
def record_consent(
    *,
    actor: Actor,
    case: Case,
    keep: bool,
    share: str,
    source: ConsentSource,
    reason_text: str = "",
) -> SharingConsent:
    """A new answer in force; earlier ones stay as its history. A change by staff needs
    a reason, sealed under the case's key in the audit log's reason notes."""
    if share not in SharingChoice.values:
        raise InvalidInput(str(SHARE_INVALID))
    reason = reason_text.strip()[:REASON_LIMIT]
    if source == ConsentSource.STAFF and not reason:
        raise InvalidInput(str(REASON_NEEDED))
    previous = current_consent(case)
    if (
        source == ConsentSource.STAFF
        and previous is not None
        and (previous.keep, previous.share) == (keep, share)
    ):
        raise InvalidInput(str(NOT_CHANGED))
    consent = SharingConsent.objects.create(
        case=case,
        keep=keep,
        share=share,
        source=source,
        recorded_by=actor if isinstance(actor, Staff) else None,
        recorded_at=clock.now(),
    )
    touch(case)
    detail: dict[str, str | int] = {"share": share, "keep": int(keep), "source": source}
    if reason:
        # The reason's words go to the sealed side table; the leaf holds only the code.
        record_event(
            actor=actor,
            event=EventType.CONSENT_RECORDED,
            object_type=ObjectType.CASE,
            object_id=str(case.pk),
            case_id=case.ref,
            reason="consent_changed",
            reason_text=reason,
            reason_key=case_key(actor, case),
            detail=detail,
        )
        add_timeline_entry(
            actor=actor,
            case=case,
            kind=EventType.CONSENT_RECORDED.value,
            object_type=ObjectType.CASE,
            object_id=str(case.pk),
            detail="consent_changed",
        )
    else:
        log(actor=actor, case=case, event=EventType.CONSENT_RECORDED, detail=detail)
    return consent


def check_case_sharing(*, actor: Actor, case: Case, purpose: str, confirmed: bool) -> None:
    """SharingRefused (recorded in a transaction of its own) unless the person's answer
    allows sending their data out for `purpose` (a code); a confirmed "ask me first" is
    recorded in the caller's transaction."""
    consent = current_consent(case)
    share = consent.share if consent is not None else SharingChoice.ASK
    try:
        check_sharing(share, confirmed=confirmed)
    except SharingRefused:
        with transaction.atomic():
            record_event(
                actor=actor,
                event=EventType.SHARING_REFUSED,
                object_type=ObjectType.CASE,
                object_id=str(case.pk),
                case_id=case.ref,
                reason=purpose,
                detail={"share": share},
            )
        raise
    if share == SharingChoice.ASK:
        record_event(
            actor=actor,
            event=EventType.SHARING_CONFIRMED,
            object_type=ObjectType.CASE,
            object_id=str(case.pk),
            case_id=case.ref,
            reason=purpose,
        )
