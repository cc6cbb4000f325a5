"""The portal's questions: the codes a requester's answers are stored as, and their words.

The portal's form asks them (portal/forms.py) and the staff inbox shows the answers
(`describe_answers`), so both read the same choices from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from corridor.vault.fields import JSONValue

if TYPE_CHECKING:
    # The type of a lazily translated string, as django-stubs names it (no runtime import).
    from django.utils.functional import _StrPromise

    Text = str | _StrPromise
else:
    Text = str
Choices = list[tuple[str, Text]]

URGENCY_CHOICES: Choices = [
    ("now", _("I am in danger right now")),
    ("days", _("Within days")),
    ("weeks", _("Within weeks")),
]
DANGER_CHOICES: Choices = [
    ("family", _("My family or relatives")),
    ("police", _("Police or security services")),
    ("acquaintances", _("People I know: neighbours, colleagues, acquaintances")),
    ("strangers", _("Strangers")),
    ("other", _("Someone else, or I do not want to say")),
]
DOCUMENT_CHOICES: Choices = [
    ("internal_passport", _("Internal passport")),
    ("international_passport", _("International passport")),
    ("birth_certificate", _("Birth certificate")),
    ("military_id", _("Military ID")),
    ("driving_licence", _("Driving licence")),
]
ADDRESS_CHOICES: Choices = [
    ("", _("As you usually would")),
    ("masculine", _("In the masculine")),
    ("feminine", _("In the feminine")),
    ("neutral", _("Without gendered words, where possible")),
]
HEARD_CHOICES: Choices = [
    ("", _("Choose, if you like")),
    ("friend", _("From a friend or someone I trust")),
    ("organisation", _("From another organisation")),
    ("search", _("From a search engine")),
    ("social", _("From social media or a messenger channel")),
    ("news", _("From the news")),
    ("other", _("Another way")),
]
PEOPLE_CHOICES: Choices = [
    ("", _("Choose, if you like")),
    ("1", _("Only me")),
    ("2", "2"),
    ("3", "3"),
    ("4", "4"),
    ("5+", _("5 or more")),
]

SHARE_CHOICES: Choices = [
    ("yes", _("Yes")),
    ("ask", _("Ask me first each time")),
    ("no", _("No")),
]
SPOKEN_CHOICES: Choices = [("yes", _("Yes")), ("no", _("No")), ("unknown", _("Not known"))]

LABELS: dict[str, Text] = {
    "urgency": _("How urgent is it?"),
    "region": _("Where are you now? A region or a city is enough"),
    "danger_from": _("Who is the danger from?"),
    "people": _("How many people need help, you included?"),
    "documents_held": _("Which documents do you have with you?"),
    "documents_taken": _("Were any documents taken from you?"),
    "address_as": _("How should we address you?"),
    "name_to_use": _("A name we should call you"),
    "safe_contact": _("How and when is it safe to contact you, other than here?"),
    "if_someone_else": _("If someone else answers, what should we say?"),
    "heard_from": _("How did you hear about us?"),
    "story": _("What happened, and what help do you need?"),
    "lost_codename": _("I have written to you before and lost my codename"),
    "consent_keep": _("You may keep what I tell you, to help me"),
    "consent_share": _("You may share it with governments or organisations that can help me"),
    # The hotline's questions, asked by the operator during the call.
    "danger_now": _("In danger right now?"),
    "where": _("Where are they? A region or a city"),
    "can_talk": _("Can they talk now?"),
    "callback": _("A safe way and time to call back"),
    "full_name": _("Full name"),
    "phone": _("Phone number"),
    "date_of_birth": _("Date of birth"),
    "document_number": _("Document number, if they give it"),
    "notes": _("Operator's notes"),
}
_CHOICES: dict[str, Choices] = {
    "urgency": URGENCY_CHOICES,
    "danger_from": DANGER_CHOICES,
    "people": PEOPLE_CHOICES,
    "documents_held": DOCUMENT_CHOICES,
    "documents_taken": DOCUMENT_CHOICES,
    "address_as": ADDRESS_CHOICES,
    "heard_from": HEARD_CHOICES,
    "consent_share": SHARE_CHOICES,
    "consent_keep": SPOKEN_CHOICES,
    "danger_now": SPOKEN_CHOICES,
    "can_talk": SPOKEN_CHOICES,
}
YES = _("Yes")


def describe_answers(answers: dict[str, JSONValue]) -> list[tuple[str, str]]:
    """(question, answer in words) in the form's order, for a staff member reading them.
    Unknown keys are shown as they are, so nothing a requester sent is hidden."""
    return [(question, text) for _name, question, text in describe_answers_by_name(answers)]


def describe_answers_by_name(answers: dict[str, JSONValue]) -> list[tuple[str, str, str]]:
    """(answer's name, question, answer in words), in the form's order."""
    described: list[tuple[str, str, str]] = []
    for name in [*LABELS, *sorted(set(answers) - set(LABELS))]:
        if name not in answers:
            continue
        value = answers[name]
        words = dict(_CHOICES.get(name, []))
        items = value if isinstance(value, list) else [value]
        text = ", ".join(
            str(YES) if item is True else str(words.get(str(item), item)) for item in items
        )
        described.append((name, str(LABELS.get(name, name)), text))
    return described
