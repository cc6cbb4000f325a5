"""Input validation for the hotline call form, verification decisions and the watchlist."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from corridor.intake.models import Method, Outcome, Signal, Status, WatchKind
from corridor.intake.questions import SHARE_CHOICES
from corridor.intake.replies import Situation

TRIAGE_FIELDS = ("danger_now", "where", "can_talk", "callback")
YES_NO = [("", _("Choose")), ("yes", _("Yes")), ("no", _("No")), ("unknown", _("Not known"))]


class HotlineForm(forms.Form):
    """The call: the one-minute triage first, then the rest if there is time."""

    danger_now = forms.ChoiceField(label=_("In danger right now?"), choices=YES_NO)
    where = forms.CharField(
        label=_("Where are they? A region or a city"), max_length=200, required=False
    )
    can_talk = forms.ChoiceField(label=_("Can they talk now?"), choices=YES_NO)
    callback = forms.CharField(
        label=_("A safe way and time to call back"), max_length=500, required=False
    )
    full_name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    phone = forms.CharField(label=_("Phone number"), max_length=64, required=False)
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    document_number = forms.CharField(
        label=_("Document number, if they give it"), max_length=64, required=False
    )
    story = forms.CharField(
        label=_("What happened, and what help they need"),
        max_length=8000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    consent_keep = forms.ChoiceField(
        label=_("Ask: may we keep what you tell us, to help you?"),
        help_text=_(
            "Read it to them: we keep what you tell us to help you, only our team sees it, "
            "and you can change your answer at any time."
        ),
        choices=[("", _("Not asked")), ("yes", _("Yes")), ("no", _("No"))],
        required=False,
    )
    consent_share = forms.ChoiceField(
        label=_(
            "Ask: may we share what you told us with governments or organisations that "
            "can help you?"
        ),
        choices=[("", _("Not asked")), *SHARE_CHOICES],
        required=False,
    )
    conflict = forms.BooleanField(
        label=_(
            "I know the caller or their family (conflict of interest): give it to someone else"
        ),
        required=False,
    )

    def triage_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in TRIAGE_FIELDS]

    def detail_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in TRIAGE_FIELDS]

    def answers(self) -> dict[str, str]:
        data = self.cleaned_data
        kept = {
            name: str(data.get(name) or "")
            for name in (
                "danger_now", "where", "can_talk", "callback", "full_name", "phone",
                "document_number", "story", "consent_keep", "consent_share",
            )
        }  # fmt: skip
        if data.get("date_of_birth"):
            kept["date_of_birth"] = data["date_of_birth"].isoformat()
        return kept


class DecisionForm(forms.Form):
    # No default: a decision is chosen, never submitted because it was preselected.
    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[("", _("Choose a decision")), *Outcome.choices],
        error_messages={"required": _("Choose a decision.")},
    )
    methods = forms.MultipleChoiceField(
        label=_("How it was verified"),
        choices=Method.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Never ask the person to name other people, and never ask for proof of anything "
            "about their sexuality."
        ),
    )
    note = forms.CharField(
        label=_("Partner organisation or reason (for the team only)"),
        max_length=2000,
        required=False,
    )
    message = forms.CharField(
        label=_("Message to the person (optional; a kind default is sent when needed)"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    case_ref = forms.CharField(
        label=_("Existing case, for a duplicate or the same person"),
        max_length=20,
        required=False,
    )
    sharing_confirmed = forms.BooleanField(
        label=_(
            "The person agreed to this sharing when we asked them (they asked to be asked first)"
        ),
        required=False,
    )


class InboxFilterForm(forms.Form):
    """The inbox's filters (GET): a screening signal, a status; empty shows everything."""

    flag = forms.ChoiceField(
        label=_("Screening signal"),
        choices=[("", _("Any signal")), *Signal.choices],
        required=False,
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *Status.choices], required=False
    )


class UUIDListField(forms.Field):
    """Ticked rows: ids posted as repeated values; a value that is not an id is an error."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": _("A ticked request is not a request.")}

    def to_python(self, value: object) -> list[uuid.UUID]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        try:
            return [uuid.UUID(str(item)) for item in values]
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class BulkDeclineForm(forms.Form):
    """Decline the ticked requests with one reply template (see intake/replies.py)."""

    requests = UUIDListField(error_messages={"required": _("Tick the requests to decline first.")})
    situation = forms.ChoiceField(
        label=_("Reply to send"),
        choices=[("", _("Choose a reply")), *Situation.choices],
        error_messages={"required": _("Choose the reply that fits these requests.")},
    )


class WatchEntryForm(forms.Form):
    kind = forms.ChoiceField(label=_("Who they are"), choices=WatchKind.choices)
    full_name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    phone = forms.CharField(label=_("Phone number"), max_length=64, required=False)
    document_number = forms.CharField(label=_("Document number"), max_length=64, required=False)
    date_of_birth = forms.CharField(
        label=_("Date of birth (YYYY-MM-DD)"), max_length=10, required=False
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
