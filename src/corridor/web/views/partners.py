"""The organisations directory for coordinators: whom we refer to or receive from,
their keys (installed only by a second coordinator) and our own fingerprint."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from corridor.accounts.roles import Role
from corridor.accounts.selectors import staff_names
from corridor.core.exceptions import CorridorError
from corridor.core.places import country_name
from corridor.partners import selectors, services
from corridor.partners.fingerprints import as_digits, as_words, fingerprint
from corridor.partners.identity import our_identity, read_identity
from corridor.partners.models import Organisation
from corridor.pathways import selectors as pathways_selectors
from corridor.web.decorators import current_staff, role_required
from corridor.web.partner_forms import ApproveKeysForm, OrganisationForm, ProposeKeysForm

ADDED = _("The organisation was added to the directory.")
REMOVED = _("The organisation was taken out of the directory; its keys are no longer trusted.")
PROPOSED = _(
    "The keys were proposed. A second coordinator must compare the fingerprint with the "
    "organisation and approve them."
)
INSTALLED = _("The keys are installed.")
REFUSED = _("The proposed keys were refused.")


def _lang() -> str:
    return "ru" if (get_language() or "en").startswith("ru") else "en"


def _printed(organisation: Organisation) -> dict[str, list[str]] | None:
    if not organisation.runs_corridor:
        return None
    printed = fingerprint(
        bytes(organisation.signing_key or b""), bytes(organisation.encryption_key or b"")
    )
    return {"words": as_words(printed), "digits": as_digits(printed)}


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(Role.COORDINATOR)
def directory(request: HttpRequest) -> HttpResponse:
    form = OrganisationForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            organisation = services.add_organisation(
                actor=current_staff(request), **form.cleaned_data
            )
        except CorridorError as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, ADDED)
            return redirect("web:partner", organisation_id=organisation.pk)
    lang = _lang()
    organisations = [
        {"row": row, "country": country_name(row.country, lang)}
        for row in selectors.list_organisations()
    ]
    context = {
        "form": form,
        "organisations": organisations,
        "pending": selectors.pending_key_proposals(),
        "ours": our_identity(),
    }
    return render(
        request, "web/partners/directory.html", context, status=400 if form.errors else 200
    )


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(Role.COORDINATOR)
def organisation_page(request: HttpRequest, organisation_id: uuid.UUID) -> HttpResponse:
    organisation = selectors.get_organisation(organisation_id)
    if organisation is None:
        raise Http404
    form = ProposeKeysForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        staff = current_staff(request)
        try:
            signing_key, encryption_key, address = read_identity(form.cleaned_data["keys"])
            services.propose_keys(
                actor=staff,
                proposer=staff,
                organisation_id=organisation.pk,
                signing_key=signing_key,
                encryption_key=encryption_key,
                corridor_url=address,
            )
        except (CorridorError, ValueError) as problem:
            form.add_error("keys", str(problem))
        else:
            messages.success(request, PROPOSED)
            return redirect("web:partner", organisation_id=organisation.pk)
    lang = _lang()
    context = {
        "organisation": organisation,
        "country": country_name(organisation.country, lang),
        "routes": _routes_referred(organisation.referrer_code, lang),
        "printed": _printed(organisation),
        "pending": [
            {
                "proposal": proposal,
                "words": as_words(proposal.fingerprint),
                "digits": as_digits(proposal.fingerprint),
                "mine": proposal.proposed_by == current_staff(request).actor_id,
            }
            for proposal in selectors.pending_key_proposals(organisation)
        ],
        "history": _history(organisation),
        "witness": selectors.witness_state(organisation),
        "form": form,
        "approve_form": ApproveKeysForm(),
    }
    return render(
        request, "web/partners/organisation.html", context, status=400 if form.errors else 200
    )


@require_POST
@role_required(Role.COORDINATOR)
def decide_keys(request: HttpRequest, proposal_id: uuid.UUID, decision: str) -> HttpResponse:
    staff = current_staff(request)
    try:
        if decision == "approve":
            form = ApproveKeysForm(request.POST)
            checked = form.cleaned_data["checked_how"] if form.is_valid() else ""
            organisation = services.approve_keys(
                actor=staff, proposal_id=proposal_id, checked_how=checked
            )
            messages.success(request, INSTALLED)
            return redirect("web:partner", organisation_id=organisation.pk)
        if decision == "refuse":
            proposal = services.refuse_keys(actor=staff, proposal_id=proposal_id)
            messages.success(request, REFUSED)
            return redirect("web:partner", organisation_id=proposal.organisation_id)
    except CorridorError as problem:
        messages.error(request, str(problem))
        return redirect("web:partners")
    raise Http404


@require_POST
@role_required(Role.COORDINATOR)
def remove(request: HttpRequest, organisation_id: uuid.UUID) -> HttpResponse:
    try:
        services.remove_organisation(actor=current_staff(request), organisation_id=organisation_id)
    except CorridorError as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, REMOVED)
    return redirect("web:partners")


def _history(organisation: Organisation) -> list[dict[str, object]]:
    """Each proposal with the names of who proposed it and who checked the fingerprint."""
    proposals = list(selectors.key_history(organisation))
    ids = {
        int(actor.removeprefix("staff:"))
        for proposal in proposals
        for actor in (proposal.proposed_by, proposal.checked_by)
        if actor.startswith("staff:") and actor.removeprefix("staff:").isdigit()
    }
    names = {f"staff:{pk}": name for pk, name in staff_names(ids).items()}
    return [
        {
            "proposal": proposal,
            "proposed_by": names.get(proposal.proposed_by, proposal.proposed_by),
            "checked_by": names.get(proposal.checked_by, proposal.checked_by),
        }
        for proposal in proposals
    ]


def _routes_referred(code: str, lang: str) -> list[dict[str, str]]:
    """The catalog's routes that name this organisation among their designated referrers."""
    if not code:
        return []
    try:
        entries = pathways_selectors.list_current_entries()
    except CorridorError:
        return []
    return [
        {"id": entry.id, "name": getattr(entry.name, lang)}
        for entry in entries
        if entry.kind == "route" and code in entry.referral.designated
    ]
