"""Forms of a register entry's own pages: the custody of its original, and its scans."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from corridor.accounts.models import Staff
from corridor.core import clock
from corridor.people.models import HolderKind
from corridor.web.case_forms import date_field
from corridor.web.form_attrs import PRIVATE


class HandoverForm(forms.Form):
    """The giver's side records a handover of the original."""

    to_kind = forms.ChoiceField(label=_("Handed to"), choices=HolderKind.choices)
    to_staff = forms.ChoiceField(
        label=_("The caseworker's account"),
        required=False,
        help_text=_("When it went to a caseworker: they confirm receiving it with their account."),
    )
    to_note = forms.CharField(
        label=_("Which office or courier"),
        max_length=200,
        required=False,
        widget=forms.TextInput(PRIVATE),
        help_text=_("Encrypted. Whoever signs for them confirms with their own account."),
    )
    handed_on = date_field(_("Handed over on"), required=True)
    giver_person_confirmed = forms.BooleanField(
        label=_("The person handed it over and confirmed it to us"),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"handed_on": clock.today()})
        super().__init__(*args, **kwargs)
        field = self.fields["to_staff"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared above
        field.choices = [("", "—")] + [
            (str(pk), username)
            for pk, username in Staff.objects.filter(is_active=True)
            .order_by("username")
            .values_list("pk", "username")
        ]

    def chosen_staff(self) -> Staff | None:
        raw = self.cleaned_data.get("to_staff") or ""
        return Staff.objects.filter(pk=int(raw), is_active=True).first() if raw else None


class KeepForm(forms.Form):
    reason = forms.CharField(
        label=_("Why this scan must be kept after the decision"),
        max_length=500,
        widget=forms.TextInput(PRIVATE),
        help_text=_("Encrypted. For example: an appeal is planned."),
    )
