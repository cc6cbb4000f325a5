"""Where each answer of a request lands in a case: one table the verifier's preview and the
carrying itself both read, so what the preview promises is what is written (pure).

Every answer is also kept as given in the case's intake record; this names the place
where the case's team works with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext_lazy as _

from corridor.intake.questions import Text, describe_answers_by_name
from corridor.people.inputs import NameEntry
from corridor.people.models import DocumentKind, DocumentWhereabouts
from corridor.vault.fields import JSONValue

NAMES = _("Person: names")
ADDRESS_AS = _("Person: how to address them")
WHERE = _("Person: where exactly they are now")
HUNTED_BY = _("Person: who the danger is from")
DOCUMENTS = _("Person: document register")
CONTACTS = _("Person: contacts")
DATE_OF_BIRTH = _("Person: date of birth")
STORY = _("Person: their story")
PROTOCOL = _("Contact protocol: what to say if someone else answers")
RISK = _("Case: risk (critical until someone assesses it, if in danger now)")
CONSENT = _("Case: what the person agreed to")
RECORD = _("Case: what they told us at intake")

LANDS_IN: dict[str, Text] = {
    "full_name": NAMES,
    "name_to_use": NAMES,
    "address_as": ADDRESS_AS,
    "region": WHERE,
    "where": WHERE,
    "danger_from": HUNTED_BY,
    "documents_held": DOCUMENTS,
    "documents_taken": DOCUMENTS,
    "safe_contact": CONTACTS,
    "callback": CONTACTS,
    "phone": CONTACTS,
    "date_of_birth": DATE_OF_BIRTH,
    "story": STORY,
    "if_someone_else": PROTOCOL,
    "urgency": RISK,
    "danger_now": RISK,
    "consent_keep": CONSENT,
    "consent_share": CONSENT,
}

# The portal's "who is the danger from" as the planner's `hunted_by`. "Police or security
# services" cannot tell regional police from federal services: both are assumed, the
# more careful reading for planning, until the caseworker narrows it.
HUNTED_BY_OF = {
    "family": ("family",),
    "police": ("regional_police", "federal_services"),
    "acquaintances": ("community",),
    "strangers": ("other",),
    "other": ("other",),
}
# The portal's document answers as the register's kinds (a driving licence is "other").
DOCUMENT_KIND_OF = {
    "internal_passport": DocumentKind.INTERNAL_PASSPORT,
    "international_passport": DocumentKind.INTERNATIONAL_PASSPORT,
    "birth_certificate": DocumentKind.BIRTH_CERTIFICATE,
    "military_id": DocumentKind.MILITARY_ID,
}


@dataclass(frozen=True)
class CarriedLine:
    """One answer in the verifier's preview: the question, the answer, where it lands."""

    question: str
    answer: str
    lands_in: str


def preview_lines(answers: dict[str, JSONValue]) -> list[CarriedLine]:
    """Each answer in the form's order with the place it lands in the case."""
    return [
        CarriedLine(question=question, answer=text, lands_in=str(LANDS_IN.get(name, RECORD)))
        for name, question, text in describe_answers_by_name(answers)
    ]


@dataclass
class CarriedPerson:
    """What the answers say about the person, in the form the people services take."""

    names: list[NameEntry] = field(default_factory=list)
    address_as: str = ""
    where: str = ""
    hunted_by: list[str] = field(default_factory=list)
    # (kind, where the original is) for the document register; taken ones confiscated.
    documents: list[tuple[DocumentKind, DocumentWhereabouts]] = field(default_factory=list)
    contacts: list[dict[str, str]] = field(default_factory=list)
    date_of_birth: date | None = None
    story: str = ""
    if_someone_else: str = ""


def carried_person(answers: dict[str, JSONValue]) -> CarriedPerson:
    """The person as the request describes them (portal and hotline answers alike)."""
    carried = CarriedPerson()
    full_name = _text(answers, "full_name")
    used = _text(answers, "name_to_use")
    if full_name:
        carried.names.append(_name(full_name, kind="legal"))
    if used and used.casefold() != full_name.casefold():
        carried.names.append(_name(used, kind="alias" if full_name else "legal"))
    carried.address_as = _text(answers, "address_as")
    carried.where = "; ".join(
        part for part in (_text(answers, "region"), _text(answers, "where")) if part
    )
    for code in _codes(answers, "danger_from"):
        for hunter in HUNTED_BY_OF.get(code, ("other",)):
            if hunter not in carried.hunted_by:
                carried.hunted_by.append(hunter)
    held, taken = _codes(answers, "documents_held"), _codes(answers, "documents_taken")
    for code in dict.fromkeys([*taken, *held]):
        kind = DOCUMENT_KIND_OF.get(code, DocumentKind.OTHER)
        where = (
            DocumentWhereabouts.CONFISCATED if code in taken else DocumentWhereabouts.WITH_PERSON
        )
        if all(had != kind for had, _where in carried.documents):
            carried.documents.append((kind, where))
    for way in ("phone", "safe_contact", "callback"):
        value = _text(answers, way)
        if value:
            carried.contacts.append({"kind": way, "value": value})
    born = _text(answers, "date_of_birth")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", born):
        try:
            carried.date_of_birth = date.fromisoformat(born)
        except ValueError:
            carried.date_of_birth = None
    carried.story = _text(answers, "story")
    carried.if_someone_else = _text(answers, "if_someone_else")
    return carried


def in_danger_now(answers: dict[str, JSONValue]) -> bool:
    return answers.get("urgency") == "now" or answers.get("danger_now") == "yes"


def _text(answers: dict[str, JSONValue], name: str) -> str:
    value = answers.get(name)
    return value.strip() if isinstance(value, str) else ""


def _codes(answers: dict[str, JSONValue], name: str) -> list[str]:
    value = answers.get(name)
    return [str(item) for item in value] if isinstance(value, list) else []


def _name(written: str, *, kind: str) -> NameEntry:
    words = written.split()
    given, family = (words[0], " ".join(words[1:])) if words else ("", "")
    script = "cyrl" if re.search("[а-яё]", written.lower()) else "latn"
    return NameEntry(script=script, given=given, family=family, kind=kind)
