"""Reading the organisations directory (no personal data: nothing to record on read)."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from corridor.partners.models import KeyProposal, KeyProposalStatus, Organisation, WitnessState


def list_organisations() -> QuerySet[Organisation]:
    return Organisation.objects.filter(removed_at__isnull=True).order_by("name")


def get_organisation(organisation_id: uuid.UUID | str) -> Organisation | None:
    try:
        return Organisation.objects.filter(pk=organisation_id, removed_at__isnull=True).first()
    except (ValueError, TypeError):
        return None


def find_organisation(text: str) -> Organisation | None:
    """By id, referrer code or exact name (what the commands accept)."""
    active = list_organisations()
    try:
        found = active.filter(pk=uuid.UUID(text)).first()
    except ValueError:
        found = None
    return found or active.filter(referrer_code=text).first() or active.filter(name=text).first()


def pending_key_proposals(organisation: Organisation | None = None) -> QuerySet[KeyProposal]:
    proposals = KeyProposal.objects.filter(status=KeyProposalStatus.PENDING).select_related(
        "organisation"
    )
    return proposals.filter(organisation=organisation) if organisation else proposals


def key_history(organisation: Organisation) -> QuerySet[KeyProposal]:
    return KeyProposal.objects.filter(organisation=organisation).order_by("-created_at")


def witness_state(organisation: Organisation) -> WitnessState | None:
    return WitnessState.objects.filter(organisation=organisation).first()
