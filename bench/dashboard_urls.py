"""The staff site plus the baseline page of bench_dashboards: 50 cases in the base template."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import include, path

from corridor.cases.models import Case
from corridor.web.decorators import staff_required

_PAGE = engines["django"].from_string(
    '{% extends "web/base.html" %}{% block title %}Cases{% endblock %}{% block content %}'
    "<table>{% for case in cases %}<tr><td>{{ case.ref }}</td><td>{{ case.get_phase_display }}"
    "</td></tr>{% endfor %}</table>{% endblock %}"
)


@staff_required
def bare_list(request: HttpRequest) -> HttpResponse:
    """One query: the first 50 cases by reference."""
    cases = list(Case.objects.order_by("ref").only("ref", "phase")[:50])
    return HttpResponse(_PAGE.render({"cases": cases}, request))


urlpatterns = [
    path("bench/bare-list/", bare_list),
    path("", include("corridor.config.urls")),
]
