"""Notification channels, the on-call rota, and the alerts page with its one-click
acknowledgement (accounts.notifications, accounts.oncall)."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from corridor.accounts import notifications, oncall
from corridor.accounts.alerts import concerns
from corridor.accounts.models import Staff
from corridor.accounts.roles import Role
from corridor.core import clock
from corridor.core.exceptions import CorridorError
from corridor.web.decorators import current_staff, role_required, staff_required
from corridor.web.forms import AlertDismissForm, ChannelForm, ShiftForm
from corridor.web.outcomes import carry_out

CHANNEL_ADDED = _("The channel is added. Send yourself a test to be sure it reaches you.")
CHANNEL_REMOVED = _("The channel is removed.")
TEST_QUEUED = _("A test is on its way. It says only that it is a test.")
SHIFT_ADDED = _("The shift is on the rota.")
SHIFT_REMOVED = _("The shift is removed from the rota.")
ACKNOWLEDGED = _(
    "You have it: nobody else is woken for this alert, and the audit log records that you took it."
)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def channels(request: HttpRequest) -> HttpResponse:
    staff = current_staff(request)
    form = ChannelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            target = notifications.clean_target(
                data["kind"],
                address=data["address"],
                number=data["number"],
                recipient=data["recipient"],
                openpgp_key=data["openpgp_key"],
            )
            notifications.add_channel(actor=staff, kind=data["kind"], target=target)
        except CorridorError as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, CHANNEL_ADDED)
            return redirect("web:channels")
    rows = list(notifications.list_channels(staff))
    latest = notifications.last_results(staff)
    context = {
        "form": form,
        "channels": [(channel, latest.get(channel.pk)) for channel in rows],
    }
    return render(request, "web/channels.html", context)


@require_POST
@staff_required
def channel_test(request: HttpRequest, channel_id: UUID) -> HttpResponse:
    staff = current_staff(request)
    carry_out(
        request,
        lambda: notifications.send_test(actor=staff, channel_id=str(channel_id)),
        done=TEST_QUEUED,
    )
    return redirect("web:channels")


@require_POST
@staff_required
def channel_remove(request: HttpRequest, channel_id: UUID) -> HttpResponse:
    staff = current_staff(request)
    carry_out(
        request,
        lambda: notifications.remove_channel(actor=staff, channel_id=str(channel_id)),
        done=CHANNEL_REMOVED,
    )
    return redirect("web:channels")


def _rota_people() -> QuerySet[Staff]:
    return Staff.objects.filter(is_active=True).order_by("username")


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(Role.COORDINATOR)
def rota(request: HttpRequest) -> HttpResponse:
    form = ShiftForm(request.POST or None, people=_rota_people())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            oncall.add_shift(
                actor=current_staff(request),
                staff=data["staff"],
                backup=data["backup"],
                # Typed in the organisation's clock, whatever the server's.
                starts=data["starts"].replace(tzinfo=None),
                ends=data["ends"].replace(tzinfo=None),
            )
        except CorridorError as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, SHIFT_ADDED)
            return redirect("web:rota")
    zone = oncall.org_zone()
    now = clock.now()
    current = oncall.on_call_at(now)
    context = {
        "form": form,
        "zone": str(zone),
        "escalation_minutes": int(oncall.escalation_wait().total_seconds() // 60),
        "shifts": [
            (
                shift,
                shift.starts_at.astimezone(zone),
                shift.ends_at.astimezone(zone),
                current is not None and shift.pk == current.pk,
            )
            for shift in oncall.list_shifts(since=now)
        ],
    }
    return render(request, "web/rota.html", context)


@require_POST
@role_required(Role.COORDINATOR)
def shift_remove(request: HttpRequest, shift_id: int) -> HttpResponse:
    staff = current_staff(request)
    carry_out(
        request, lambda: oncall.remove_shift(actor=staff, shift_id=shift_id), done=SHIFT_REMOVED
    )
    return redirect("web:rota")


@staff_required
def alerts(request: HttpRequest) -> HttpResponse:
    staff = current_staff(request)
    now = clock.now()
    waiting: list[tuple[object, ...]] = []
    done: list[tuple[object, ...]] = []
    for alert in oncall.recent_alerts(staff):
        expired = oncall.is_expired(alert, now)
        row = (alert, oncall.severity(alert.code), not concerns(alert, staff), expired)
        (done if alert.acknowledged_at or alert.dismissed_at or expired else waiting).append(row)
    context = {
        # Every waiting one, danger first; those taken, dismissed or expired folded.
        "open_alerts": waiting,
        "done_alerts": done,
        "dismiss_form": AlertDismissForm(),
        "show_all": True,
    }
    return render(request, "web/alerts.html", context)


@require_POST
@staff_required
def alert_acknowledge(request: HttpRequest, alert_id: UUID) -> HttpResponse:
    staff = current_staff(request)
    carry_out(
        request,
        lambda: oncall.acknowledge_alert(actor=staff, alert_id=str(alert_id)),
        done=ACKNOWLEDGED,
    )
    target = request.POST.get("next", "")
    return redirect("web:alerts" if target == "alerts" else "web:home")
