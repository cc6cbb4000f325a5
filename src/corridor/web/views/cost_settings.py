"""The administrator's pages for what expenses are converted with and charged to:
exchange rates into the reporting currency, and funding sources. No case data here."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from corridor.accounts.roles import Role
from corridor.cases import selectors
from corridor.cases.services import costs
from corridor.core.exceptions import CorridorError
from corridor.web.case_forms import ExchangeRateForm, FundingSourceForm
from corridor.web.decorators import current_staff, role_required

RATE_SAVED = _("The rate was saved.")
SOURCE_ADDED = _("The funding source was added.")
RATES_SHOWN = 100


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(Role.ADMIN)
def exchange_rates(request: HttpRequest) -> HttpResponse:
    form = ExchangeRateForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            costs.set_exchange_rate(
                actor=current_staff(request),
                currency=form.cleaned_data["currency"],
                per_unit=form.cleaned_data["per_unit"],
                as_of=form.cleaned_data["as_of"],
            )
        except CorridorError as problem:
            form.add_error("currency", str(problem))
        else:
            messages.success(request, RATE_SAVED)
            return redirect("web:exchange_rates")
    context = {
        "form": form,
        "rates": selectors.list_exchange_rates(limit=RATES_SHOWN),
        "reporting_currency": costs.reporting_currency(),
    }
    return render(request, "web/settings/rates.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(Role.ADMIN)
def funding_sources(request: HttpRequest) -> HttpResponse:
    form = FundingSourceForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            costs.add_funding_source(
                actor=current_staff(request),
                code=form.cleaned_data["code"],
                name=form.cleaned_data["name"],
            )
        except CorridorError as problem:
            form.add_error("code", str(problem))
        else:
            messages.success(request, SOURCE_ADDED)
            return redirect("web:funding_sources")
    context = {"form": form, "sources": selectors.list_funding_sources()}
    return render(request, "web/settings/funding.html", context, status=400 if form.errors else 200)
