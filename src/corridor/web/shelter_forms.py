"""Forms of the shelter registry (coordinators)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from corridor.cases.currencies import ISO_4217, minor_unit_exponent
from corridor.shelters.models import ShelterStatus, WhoMayStay
from corridor.web.form_attrs import PRIVATE

SETTABLE = [(s.value, s.label) for s in ShelterStatus if s != ShelterStatus.COMPROMISED]


class ShelterForm(forms.Form):
    code_name = forms.CharField(label=_("Code name (e.g. SH-04)"), max_length=20)
    city = forms.CharField(label=_("City (coarse)"), max_length=60, required=False)
    region = forms.CharField(label=_("Region (coarse)"), max_length=60, required=False)
    address = forms.CharField(
        label=_("Exact address (sealed: only coordinators see it)"),
        max_length=500,
        widget=forms.TextInput(PRIVATE),
    )
    host = forms.CharField(
        label=_("Host (sealed)"), max_length=200, required=False, widget=forms.TextInput(PRIVATE)
    )
    host_contact = forms.CharField(
        label=_("Host's contact (sealed)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(PRIVATE),
    )
    capacity = forms.IntegerField(label=_("Beds"), min_value=1, max_value=200)
    who_may_stay = forms.ChoiceField(label=_("Who may stay"), choices=WhoMayStay.choices)
    max_nights = forms.IntegerField(
        label=_("Longest stay in nights (empty: no limit)"),
        min_value=1,
        max_value=365,
        required=False,
    )
    children = forms.BooleanField(label=_("Children welcome"), required=False, initial=True)
    pets = forms.BooleanField(label=_("Pets welcome"), required=False)
    accessible = forms.BooleanField(label=_("Step-free access"), required=False)
    # A night's cost is stored in minor units in a 32-bit column: 1,000,000 keeps every
    # currency (rouble kopecks, yen) well inside it.
    nightly_cost = forms.DecimalField(
        label=_("Cost per bed per night"),
        min_value=0,
        max_value=1_000_000,
        decimal_places=2,
        initial=0,
    )
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="EUR")

    def clean_currency(self) -> str:
        currency = str(self.cleaned_data["currency"]).strip().upper()
        if currency not in ISO_4217:
            raise forms.ValidationError(
                _("Unknown currency: use a three-letter ISO code such as EUR, RUB or USD.")
            )
        return currency

    def nightly_cost_minor(self) -> int:
        places = minor_unit_exponent(self.cleaned_data["currency"])
        return int(self.cleaned_data["nightly_cost"].scaleb(places))


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=SETTABLE)


class CompromiseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it compromised? (sealed)"),
        max_length=2000,
        widget=forms.Textarea({"rows": 2, **PRIVATE}),
    )
