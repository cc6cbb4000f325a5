"""Input validation for the staff pages; nothing else happens here."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from corridor.accounts import surges
from corridor.accounts.alerts import DISMISS_REASONS as ALERT_DISMISS_REASONS
from corridor.accounts.models import ChannelKind, Staff, Surge
from corridor.accounts.roles import STANDBY_ROLES, Role


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=256,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class TotpForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class BackupCodeForm(forms.Form):
    backup_code = forms.CharField(
        label=_("Backup code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class EnrolmentCodeForm(forms.Form):
    enrolment_code = forms.CharField(
        label=_("Enrolment code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class PasswordChangeForm(forms.Form):
    current = forms.CharField(
        label=_("Current password"),
        max_length=256,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new = forms.CharField(
        label=_("New password (12 characters or more)"),
        max_length=256,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    again = forms.CharField(
        label=_("New password again"),
        max_length=256,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("new") and data.get("new") != data.get("again"):
            self.add_error("again", _("The two new passwords differ."))
        return data


class ReauthForm(forms.Form):
    password = forms.CharField(
        label=_("Password"),
        max_length=256,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class CreateStaffForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=40)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


EMERGENCY_CHOICES = [
    ("", _("No emergency: ask a second person")),
    ("device_seized", _("A device was lost or seized")),
    ("staff_in_danger", _("A member of staff is in danger")),
    ("evacuation_night", _("An evacuation is under way")),
    ("approvers_unreachable", _("No approver can be reached")),
]


class GatedActionForm(forms.Form):
    """Ask for approval, carry out a granted one, or invoke the emergency path."""

    approval = forms.UUIDField(required=False, widget=forms.HiddenInput)
    emergency = forms.ChoiceField(label=_("Emergency"), choices=EMERGENCY_CHOICES, required=False)


class DeviceForm(GatedActionForm):
    device = forms.RegexField(regex=r"^(totp|webauthn):\d{1,12}$", widget=forms.HiddenInput)


class RefuseForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why"),
        choices=[
            ("not_expected", _("I did not expect this request")),
            ("wrong_person", _("Wrong person or role")),
            ("verify_first", _("Verify in person first")),
        ],
    )


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            ("upheld", _("Justified")),
            ("questioned", _("Questioned: follow up")),
        ],
    )


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Reply"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6, "autocomplete": "off"}),
        help_text=_(
            "The person reads this with their codename. Never write addresses, names of "
            "other people or anything they could be harmed by if someone else reads it."
        ),
    )


class SuspendForm(forms.Form):
    """Cut one account off now."""

    staff: forms.ModelChoiceField[Staff] = forms.ModelChoiceField(label=_("Account"), queryset=None)

    def __init__(self, *args: object, people: QuerySet[Staff], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]  # Form's own signature
        field = self.fields["staff"]
        if isinstance(field, forms.ModelChoiceField):
            field.queryset = people


class RegisterStandbyForm(SuspendForm):
    """Register an account as standby for a role (asked, then carried out once granted)."""

    role = forms.ChoiceField(
        label=_("Role while on duty"),
        choices=[(role.value, role.label) for role in Role if role in STANDBY_ROLES],
    )
    approval = forms.UUIDField(required=False, widget=forms.HiddenInput)


STANDBY_REASON_CHOICES = [
    ("coordinators_unreachable", _("No coordinator can be reached")),
    ("evacuation_night", _("An evacuation is under way")),
    ("suspension_cover", _("Cover for a suspended colleague")),
    ("staff_in_danger", _("A member of staff is in danger")),
]


class ActivateStandbyForm(forms.Form):
    """Put a standby on duty: for how long (at most 12 hours) and why."""

    hours = forms.IntegerField(label=_("Hours"), min_value=1, max_value=12, initial=4)
    reason = forms.ChoiceField(label=_("Why"), choices=STANDBY_REASON_CHOICES)


class SurgeForm(forms.Form):
    """An evacuation night: a label, why, how long, how many openings an hour before the
    insider alert, and who may open more cases meanwhile."""

    name = forms.CharField(
        label=_("Name of the night"),
        max_length=40,
        help_text=_(
            "Letters, digits, dots and dashes, for example night-0512. Never a person's name."
        ),
    )
    reason = forms.ChoiceField(label=_("Why"), choices=Surge.Reason.choices)
    hours = forms.IntegerField(
        label=_("Hours"), min_value=1, max_value=surges.MAX_SURGE_HOURS, initial=6
    )
    threshold = forms.IntegerField(
        label=_("Openings per person per hour before the insider alert"), min_value=1
    )
    members: forms.ModelMultipleChoiceField[Staff] = forms.ModelMultipleChoiceField(
        label=_("People who may open more cases"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: object, people: QuerySet[Staff], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]  # Form's own signature
        members = self.fields["members"]
        if isinstance(members, forms.ModelMultipleChoiceField):
            members.queryset = people
        # Three times the normal threshold; the service holds the bounds.
        self.fields["threshold"].initial = surges.normal_threshold() * 3


class AlertDismissForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why dismiss it?"),
        choices=[("", _("Why dismiss it?")), *ALERT_DISMISS_REASONS.items()],
    )


class WorkWindowForm(forms.Form):
    """How long working on a case keeps an assigned person's opening open."""

    minutes = forms.IntegerField(
        label=_("Minutes"),
        help_text=_(
            "Each action on a case keeps it open ten more minutes for the assigned person "
            "who opened it, up to this long after opening. A coordinator's break-glass "
            "opening always closes after ten minutes."
        ),
    )


class ChannelForm(forms.Form):
    """One of one's own notification channels: the kind, and where it sends."""

    kind = forms.ChoiceField(label=_("Kind"), choices=ChannelKind.choices)
    address = forms.CharField(
        label=_("Address"),
        max_length=500,
        help_text=_(
            "An e-mail address, or the web address of your ntfy topic, your Matrix bridge's "
            "webhook or your signal-cli REST server."
        ),
    )
    number = forms.CharField(label=_("Signal: the bridge's number"), max_length=16, required=False)
    recipient = forms.CharField(label=_("Signal: your number"), max_length=16, required=False)
    openpgp_key = forms.CharField(
        label=_("E-mail: your OpenPGP public key (optional)"),
        max_length=20_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text=_(
            "Paste the block that starts with -----BEGIN PGP PUBLIC KEY BLOCK-----: "
            "e-mail to you is then encrypted to this key."
        ),
    )


class ShiftForm(forms.Form):
    """A shift on the on-call rota, in the organisation's time zone."""

    staff: forms.ModelChoiceField[Staff] = forms.ModelChoiceField(label=_("On call"), queryset=None)
    backup: forms.ModelChoiceField[Staff] = forms.ModelChoiceField(
        label=_("Next if nobody answers"), queryset=None, required=False
    )
    starts = forms.DateTimeField(
        label=_("From"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends = forms.DateTimeField(
        label=_("Until"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

    def __init__(self, *args: object, people: QuerySet[Staff], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]  # Form's own signature
        for name in ("staff", "backup"):
            field = self.fields[name]
            if isinstance(field, forms.ModelChoiceField):
                field.queryset = people
