"""The auditor's view of the log: events by filter, who touched an object, unusual days,
and insider alerts with the evacuation nights that raised their threshold.

The log holds ids and codes only, so this page shows no personal data; staff
ids are shown with their usernames so an auditor can tell who did what.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from corridor.accounts import surges
from corridor.accounts.models import Staff
from corridor.accounts.roles import Role
from corridor.audit import selectors as audit
from corridor.audit.events import EventType
from corridor.cases.services import insider
from corridor.core import clock
from corridor.web.decorators import role_required
from corridor.web.staff_names import usernames_for

UNUSUAL_RATIO = 3.0


# `<input type="date">` takes ISO dates only, whatever the page's language.
ISO_DATE = forms.DateInput({"type": "date"}, format="%Y-%m-%d")


class EventFilterForm(forms.Form):
    actor = forms.CharField(label=_("Actor"), required=False, max_length=100)
    event_type = forms.ChoiceField(
        label=_("Event"),
        required=False,
        choices=[("", _("Any"))] + [(e.value, e.value) for e in EventType],
    )
    case = forms.CharField(label=_("Case reference"), required=False, max_length=64)
    since = forms.DateField(label=_("From"), required=False, widget=ISO_DATE)
    until = forms.DateField(
        label=_("Until"),
        required=False,
        widget=ISO_DATE,
    )
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class TouchForm(forms.Form):
    object_type = forms.CharField(label=_("Object type"), required=False, max_length=64)
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=128)
    cases = forms.CharField(
        label=_("Case references (one or more, separated by spaces)"),
        required=False,
        max_length=2000,
    )


@require_safe
@role_required(Role.AUDITOR)
def events(request: HttpRequest) -> HttpResponse:
    form = EventFilterForm(request.GET or None)
    page = None
    if form.is_valid() or not request.GET:
        data = form.cleaned_data if request.GET else {}
        event_type = data.get("event_type")
        page = audit.list_events(
            actor=_actor_filter(data.get("actor", "")),
            event_type=EventType(event_type) if event_type else None,
            case_id=(data.get("case") or "").strip().upper(),
            since=data.get("since"),
            until=data.get("until"),
            before=data.get("before"),
        )
    names = usernames_for([entry.actor for entry in page.events] if page else [])
    query = request.GET.copy()
    if page and page.next_before:
        query["before"] = str(page.next_before)
    context = {"form": form, "page": page, "names": names, "next_query": query.urlencode()}
    status = 400 if request.GET and not form.is_valid() else 200
    return render(request, "web/audit/events.html", context, status=status)


@require_safe
@role_required(Role.AUDITOR)
def touches(request: HttpRequest) -> HttpResponse:
    """Who touched this object, or any of these cases (a shelter's, a household's)."""
    form = TouchForm(request.GET or None)
    rows: list[audit.ActorTouches] = []
    if form.is_valid():
        cases = form.cleaned_data["cases"].upper().split()
        if cases:
            rows = audit.count_touches_for_cases(case_ids=cases)
        elif form.cleaned_data["object_type"] and form.cleaned_data["object_id"]:
            rows = audit.count_touches_for_object(
                object_type=form.cleaned_data["object_type"],
                object_id=form.cleaned_data["object_id"],
            )
    context = {"form": form, "rows": rows, "names": usernames_for([row.actor for row in rows])}
    return render(request, "web/audit/touches.html", context)


@require_safe
@role_required(Role.AUDITOR)
def activity(request: HttpRequest) -> HttpResponse:
    """Each person's events per day over the last two weeks, against their own 30-day median."""
    today = clock.today()
    rows = audit.count_daily_activity(since=today - timedelta(days=13), until=today)
    rows = [row for row in rows if row.actor.startswith("staff:")]
    rows.sort(key=lambda row: (-(row.ratio or 0), row.day), reverse=False)
    context = {
        "rows": rows,
        "names": usernames_for([row.actor for row in rows]),
        "unusual": UNUSUAL_RATIO,
    }
    return render(request, "web/audit/activity.html", context)


def _actor_filter(raw: str) -> str:
    """Accept a username as well as `staff:<id>` or `system:…`."""
    raw = raw.strip()
    if not raw or ":" in raw or raw == "requester":
        return raw
    staff = Staff.objects.filter(username__iexact=raw).first()
    return staff.actor_id if staff else f"staff:unknown-{raw[:20]}"


@require_safe
@role_required(Role.AUDITOR)
def insider_alerts(request: HttpRequest) -> HttpResponse:
    """Every insider alert (who, when, how many openings against which threshold, how it was
    reviewed) and every evacuation night: names and counts only, no case content."""
    context = {
        "alerts": list(insider.list_insider_alerts()),
        "surges": list(surges.list_recent_surges(limit=100)),
        "threshold": surges.normal_threshold(),
    }
    return render(request, "web/audit/insider.html", context)
