"""Forms of the organisations directory (no personal data: organisations only)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from corridor.partners.models import FingerprintCheck, OrganisationKind


class OrganisationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=OrganisationKind.choices)
    country = forms.CharField(
        label=_("Country"),
        max_length=2,
        min_length=2,
        help_text=_("Two-letter code, for example CA for Canada."),
    )
    referrer_code = forms.RegexField(
        label=_("Referrer code in the route catalog"),
        regex=r"^[a-z][a-z0-9_-]{1,39}$",
        required=False,
        help_text=_(
            "The code the route catalog uses for this organisation in its lists of designated "
            "referrers. It links the organisation to the routes it can refer to."
        ),
    )
    reach = forms.CharField(
        label=_("How to reach them"),
        max_length=300,
        required=False,
        help_text=_(
            "The organisation's own website, general address or office. Never a person's "
            "name or phone number."
        ),
    )
    witnesses_our_heads = forms.BooleanField(
        label=_("They keep copies of our audit log's signed heads"), required=False
    )
    keeper_url = forms.URLField(
        label=_("Address that keeps our heads (if they do not run Corridor)"),
        required=False,
        assume_scheme="https",
    )


class ProposeKeysForm(forms.Form):
    keys = forms.CharField(
        label=_("What their `corridor partners whoami` printed"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=4000,
    )


class ApproveKeysForm(forms.Form):
    checked_how = forms.ChoiceField(
        label=_("How you compared the fingerprint with them"),
        choices=[("", _("Choose…")), *FingerprintCheck.choices],
    )
