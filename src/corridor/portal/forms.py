"""The portal's forms: what a requester may tell us, and nothing we must never ask.

Validation only. Every field but the story is optional; the questions follow the intake
design ("Ask"), and there is no field for a legal name, date of birth, document numbers or
scans, the hiding address, names of partners or others, sexual details, social media
handles or HIV status.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from corridor.intake.questions import (
    ADDRESS_CHOICES,
    DANGER_CHOICES,
    DOCUMENT_CHOICES,
    HEARD_CHOICES,
    LABELS,
    PEOPLE_CHOICES,
    SHARE_CHOICES,
    URGENCY_CHOICES,
    Text,
)
from corridor.vault.fields import JSONValue

# Control characters other than tab and newline, and the replacement character that
# stands where the browser sent bytes that are not UTF-8.
_UNREADABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd\u200b-\u200f\u202a-\u202e]")

TOO_LONG = ngettext_lazy(
    "This text has %(length)s character; the limit is %(limit)s. Shorten it, or send the "
    "rest as a message after you get your codename.",
    "This text has %(length)s characters; the limit is %(limit)s. Shorten it, or send the "
    "rest as a message after you get your codename.",
    "length",
)
STORY_MISSING = _("Please tell us in a few words what happened and what you need.")
HONEYPOT_FILLED = _("Please leave the last field, marked “leave empty”, empty.")
UNREADABLE_REMOVED = _(
    "We removed characters from your text that could not be read or are invisible. "
    "Check that it still says what you meant, then send it again."
)
ATTACHMENTS_REFUSED = _(
    "We cannot accept files or photos here yet. Nothing was sent. Please describe things "
    "in words; do not send documents."
)


def scrub(data: QueryDict) -> tuple[QueryDict, bool]:
    """A copy of posted data without unreadable or invisible characters, and whether any
    were removed (the form then comes back to be checked, with the cleaned text in it)."""
    cleaned = QueryDict(mutable=True)
    removed = False
    for key, values in data.lists():
        kept = []
        for value in values:
            scrubbed = _UNREADABLE.sub("", value.replace("\r\n", "\n"))
            removed |= scrubbed != value.replace("\r\n", "\n")
            kept.append(scrubbed)
        cleaned.setlist(key, kept)
    return cleaned, removed


class LimitedText(forms.CharField):
    """Text with a clear message naming its length and its limit."""

    def __init__(self, *, limit: int, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.limit = limit

    def clean(self, value: Any) -> Any:
        text = super().clean(value)
        if isinstance(text, str):
            check_length(text, self.limit)
        return text


def check_length(text: str, limit: int) -> None:
    if len(text) > limit:
        raise forms.ValidationError(
            TOO_LONG, params={"length": len(text), "limit": limit}, code="too_long"
        )


def _text(label: Text, *, limit: int, help_text: Text = "", lines: int = 0) -> LimitedText:
    widget: forms.Widget = (
        forms.Textarea(attrs={"rows": lines, "autocomplete": "off", "spellcheck": "false"})
        if lines
        else forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"})
    )
    return LimitedText(limit=limit, label=label, help_text=help_text, widget=widget)


class RequestForm(forms.Form):
    urgency = forms.ChoiceField(
        label=LABELS["urgency"],
        choices=URGENCY_CHOICES,
        required=False,
        widget=forms.RadioSelect,
    )
    region = _text(
        LABELS["region"],
        limit=100,
        help_text=_("Not your address."),
    )
    danger_from = forms.MultipleChoiceField(
        label=LABELS["danger_from"],
        choices=DANGER_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    people = forms.ChoiceField(
        label=LABELS["people"],
        choices=PEOPLE_CHOICES,
        required=False,
    )
    documents_held = forms.MultipleChoiceField(
        label=LABELS["documents_held"],
        choices=DOCUMENT_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only tick them. Never send us numbers, photos or scans of documents."),
    )
    documents_taken = forms.MultipleChoiceField(
        label=LABELS["documents_taken"],
        choices=DOCUMENT_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    address_as = forms.ChoiceField(
        label=LABELS["address_as"], choices=ADDRESS_CHOICES, required=False
    )
    name_to_use = _text(
        LABELS["name_to_use"],
        limit=60,
        help_text=_("Optional. It does not have to be your real name."),
    )
    safe_contact = _text(
        LABELS["safe_contact"],
        limit=300,
        lines=2,
        help_text=_(
            "For example: “only here”, or a messenger and the hours when you are alone. "
            "Write only what is safe if someone else reads it."
        ),
    )
    if_someone_else = _text(
        LABELS["if_someone_else"],
        limit=200,
        help_text=_("For example: “wrong number”, or a name we should ask for."),
    )
    heard_from = forms.ChoiceField(
        label=LABELS["heard_from"], choices=HEARD_CHOICES, required=False
    )
    story = forms.CharField(
        label=LABELS["story"],
        help_text=_(
            "In your own words. Please do not write names of other people, addresses or "
            "phone numbers of others."
        ),
        widget=forms.Textarea(attrs={"rows": 8, "autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": STORY_MISSING},
    )
    lost_codename = forms.BooleanField(label=LABELS["lost_codename"], required=False)
    consent_keep = forms.BooleanField(label=LABELS["consent_keep"], required=False)
    consent_share = forms.ChoiceField(
        label=LABELS["consent_share"],
        choices=SHARE_CHOICES,
        required=False,
        widget=forms.RadioSelect,
        help_text=_(
            "For example an embassy that issues visas, or an organisation that gives "
            "shelter. If you do not answer, we ask you each time."
        ),
    )
    # A field people never see (the stylesheet moves it off screen); bots fill it in.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean_story(self) -> str:
        story = str(self.cleaned_data.get("story", "")).strip()
        if not story:
            raise forms.ValidationError(STORY_MISSING, code="required")
        check_length(story, int(settings.CORRIDOR_PORTAL_STORY_LIMIT))
        return story

    def clean_website(self) -> str:
        if self.cleaned_data.get("website"):
            raise forms.ValidationError(HONEYPOT_FILLED, code="honeypot")
        return ""

    def answers(self) -> dict[str, JSONValue]:
        """What is sealed and stored: the answers given, without empty ones."""
        data = self.cleaned_data
        answers: dict[str, JSONValue] = {}
        for name in self.fields:
            value = data.get(name)
            if name == "website" or value in (None, "", [], False):
                continue
            answers[name] = list(value) if isinstance(value, list) else value
        return answers


CODENAME_UNREADABLE = _(
    "The codename you typed contains characters that cannot be part of a codename "
    "(invisible or unreadable ones). Type it again: five words and four digits."
)


class CodenameForm(forms.Form):
    codename = forms.CharField(
        label=_("Your codename"),
        max_length=200,
        strip=False,
        widget=forms.PasswordInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    def clean_codename(self) -> str:
        # Refused before any derivation runs: bytes that were not UTF-8 (now U+FFFD) or
        # control characters cannot be in a codename, and a derivation costs CPU.
        typed = str(self.cleaned_data["codename"])
        if _UNREADABLE.search(typed):
            raise forms.ValidationError(CODENAME_UNREADABLE, code="unreadable")
        return typed


class SharingForm(forms.Form):
    """The person changes their answer on sharing, from their conversation."""

    consent_share = forms.ChoiceField(
        label=LABELS["consent_share"], choices=SHARE_CHOICES, widget=forms.RadioSelect
    )


class MessageForm(forms.Form):
    message = forms.CharField(
        label=_("Your message"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "autocomplete": "off", "spellcheck": "false"}),
    )
