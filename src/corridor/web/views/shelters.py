"""The shelter registry, one shelter's page and the occupancy board (coordinators only).

A shelter's page reads its sealed address and host (each showing is audited); the
registry and the board show only code names, coarse places, beds and case references.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from corridor.accounts.roles import Role
from corridor.core import clock
from corridor.core.exceptions import CorridorError, KeyFailure
from corridor.shelters.access import access_shelter_details
from corridor.shelters.models import Shelter
from corridor.shelters.selectors import occupancy_board, placements_over
from corridor.shelters.services import ShelterInput, mark_compromised, register_shelter, set_status
from corridor.vault.errors import VaultError
from corridor.web.decorators import current_staff, role_required
from corridor.web.shelter_forms import CompromiseForm, ShelterForm, StatusForm

KEYS_UNAVAILABLE = _("The key service is sealed or unreachable; nothing was saved. Try again.")
DETAILS_UNAVAILABLE = _(
    "The key service is sealed or unreachable: the address cannot be shown now."
)
REGISTERED = _("The shelter was registered.")
STATUS_SET = _("The status was changed.")
COMPROMISED_DONE = _(
    "The shelter is closed to placements. Cases flagged: %(flagged)s. Relocation "
    "incidents opened: %(incidents)s. Caseworkers alerted: %(alerted)s."
)


def _shelter(shelter_id: UUID) -> Shelter:
    shelter = Shelter.objects.filter(pk=shelter_id).first()
    if shelter is None:
        raise Http404
    return shelter


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(Role.COORDINATOR)
def registry(request: HttpRequest) -> HttpResponse:
    staff = current_staff(request)
    form = ShelterForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            register_shelter(
                actor=staff,
                data=ShelterInput(
                    code_name=data["code_name"],
                    city=data["city"],
                    region=data["region"],
                    address=data["address"],
                    host=data["host"],
                    host_contact=data["host_contact"],
                    capacity=data["capacity"],
                    who_may_stay=data["who_may_stay"],
                    max_nights=data["max_nights"],
                    pets=data["pets"],
                    children=data["children"],
                    accessible=data["accessible"],
                    nightly_cost_minor=form.nightly_cost_minor(),
                    currency=data["currency"],
                ),
            )
        except (VaultError, KeyFailure):
            form.add_error(None, str(KEYS_UNAVAILABLE))
        except CorridorError as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, REGISTERED)
            return redirect("web:shelters")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "shelters": Shelter.objects.all()}
    return render(request, "web/shelters/registry.html", context, status=status)


@require_http_methods(["GET", "HEAD"])
@role_required(Role.COORDINATOR)
def shelter(request: HttpRequest, shelter_id: UUID) -> HttpResponse:
    return _shelter_page(request, _shelter(shelter_id))


def _shelter_page(
    request: HttpRequest,
    found: Shelter,
    *,
    status_form: StatusForm | None = None,
    compromise_form: CompromiseForm | None = None,
    status: int = 200,
) -> HttpResponse:
    staff = current_staff(request)
    details = None
    try:
        details = access_shelter_details(staff, found, purpose="shelter_page")
    except (VaultError, KeyFailure):
        messages.error(request, DETAILS_UNAVAILABLE)
    today = clock.today()
    context = {
        "shelter": found,
        "details": details,
        "stays": placements_over(found.pk, today, today + timedelta(days=365)).order_by(
            "starts_on"
        ),
        "status_form": status_form or StatusForm(initial={"status": found.status}),
        "compromise_form": compromise_form or CompromiseForm(),
    }
    return render(request, "web/shelters/shelter.html", context, status=status)


@require_POST
@role_required(Role.COORDINATOR)
def shelter_status(request: HttpRequest, shelter_id: UUID) -> HttpResponse:
    found = _shelter(shelter_id)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            set_status(
                actor=current_staff(request), shelter=found, status=form.cleaned_data["status"]
            )
        except CorridorError as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, STATUS_SET)
            return redirect("web:shelter", shelter_id=found.pk)
    return _shelter_page(request, found, status_form=form, status=400)


@require_POST
@role_required(Role.COORDINATOR)
def shelter_compromised(request: HttpRequest, shelter_id: UUID) -> HttpResponse:
    found = _shelter(shelter_id)
    form = CompromiseForm(request.POST)
    if form.is_valid():
        try:
            result = mark_compromised(
                actor=current_staff(request), shelter=found, reason=form.cleaned_data["reason"]
            )
        except (VaultError, KeyFailure):
            form.add_error(None, str(KEYS_UNAVAILABLE))
        except CorridorError as problem:
            form.add_error(None, str(problem))
        else:
            messages.warning(
                request,
                str(COMPROMISED_DONE)
                % {
                    "flagged": len(result.flagged),
                    "incidents": len(result.incidents),
                    "alerted": result.alerted,
                },
            )
            return redirect("web:shelter", shelter_id=found.pk)
    return _shelter_page(request, found, compromise_form=form, status=400)


@require_http_methods(["GET", "HEAD"])
@role_required(Role.COORDINATOR)
def occupancy(request: HttpRequest) -> HttpResponse:
    rows = occupancy_board()
    nights = [night.night for night in rows[0].nights] if rows else []
    return render(request, "web/shelters/board.html", {"rows": rows, "nights": nights})
