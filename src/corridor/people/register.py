"""The document register: each identity document of a person as a row, and the document
facts the matcher reads, derived from those rows.

`has_internal_passport`, `has_international_passport`, the passport's expiry and
`documents_confiscated` on Person are a cache of the register: only the services here
write them, after every change to a person's documents, so what a caseworker records
about a passport and what the route panel believes about it cannot disagree.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.core.actors import Actor
from corridor.core.exceptions import InvalidInput
from corridor.people.inputs import DocumentInput
from corridor.people.models import DocumentKind, DocumentWhereabouts, IdentityDocument, Person
from corridor.vault.datakey import DataKey
from corridor.vault.fields import seal_field
from corridor.vault.providers import key_provider

STALE_DOCUMENT = _(
    "Someone else changed this document while you were editing. Reload and try again."
)
ISSUING_COUNTRY_INVALID = _("The issuing country is a two-letter code such as RU.")
NUMBER_TOO_LONG = _("A document number has at most 40 letters and digits.")
DATES_INVERTED = _("A document cannot expire before it was issued.")
HAS_CUSTODY_LOG = _(
    "This original has a custody log, which is kept: change the document instead of removing it."
)

# The facts the register decides; nothing else writes these columns.
DOCUMENT_FACTS = (
    "has_internal_passport",
    "has_international_passport",
    "international_passport_expiry",
    "has_birth_certificate",
    "has_other_id",
    "documents_confiscated",
)
NUMBER_INDEX = "people.document_number"
# The register is searched for one number at a time (is this passport in another case?),
# never in bulk; the default truncation keeps several candidates per value.
NUMBER_INDEX_BITS: int | None = None
# Originals the person (or we) still hold, or that were taken and may be returned:
# a confiscated passport still exists; a lost one does not.
_EXISTS = frozenset(
    {DocumentWhereabouts.WITH_PERSON, DocumentWhereabouts.WITH_US, DocumentWhereabouts.CONFISCATED}
)
_PASSPORTS = frozenset({DocumentKind.INTERNAL_PASSPORT, DocumentKind.INTERNATIONAL_PASSPORT})
_IN_HAND = frozenset({DocumentWhereabouts.WITH_PERSON, DocumentWhereabouts.WITH_US})
# Cyrillic capitals that look like Latin ones, read as Latin, so "АВ 123" and "AB 123"
# index alike whichever keyboard typed them.
_LOOKALIKES = str.maketrans(
    {
        "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
        "С": "C", "Т": "T", "У": "Y", "Х": "X", "І": "I",
    }
)  # fmt: skip


def derive_document_facts(documents: Iterable[tuple[str, str, date | None]]) -> dict[str, Any]:
    """The document facts of a person from their register rows (kind, whereabouts, expiry).

    Pure. An empty register says nothing: every fact is unknown (None) and nothing is
    confiscated. A document counts as held while it exists (with the person, with us, or
    confiscated — the confiscation is its own fact, which the matcher reads as "not in
    hand"); a lost one does not. The passport's expiry is the latest of those that exist.
    """
    rows = [
        (DocumentKind(kind), DocumentWhereabouts(where), expiry)
        for kind, where, expiry in documents
    ]
    if not rows:
        return dict.fromkeys(DOCUMENT_FACTS[:-1], None) | {"documents_confiscated": False}
    existing = [(kind, expiry) for kind, where, expiry in rows if where in _EXISTS]
    kinds = {kind for kind, _expiry in existing}
    expiries = [
        expiry
        for kind, expiry in existing
        if kind == DocumentKind.INTERNATIONAL_PASSPORT and expiry is not None
    ]
    return {
        "has_internal_passport": DocumentKind.INTERNAL_PASSPORT in kinds,
        "has_international_passport": DocumentKind.INTERNATIONAL_PASSPORT in kinds,
        "international_passport_expiry": max(expiries) if expiries else None,
        "has_birth_certificate": DocumentKind.BIRTH_CERTIFICATE in kinds,
        "has_other_id": bool(kinds & {DocumentKind.MILITARY_ID, DocumentKind.OTHER}),
        "documents_confiscated": any(
            kind in _PASSPORTS and where == DocumentWhereabouts.CONFISCATED
            for kind, where, _expiry in rows
        ),
    }


def matching_document_facts(person: Person) -> dict[str, Any]:
    """The document facts as the route matcher reads them. The matcher takes confiscation
    as a fact about all of a person's documents (none counts as in hand), so a passport
    taken while another is in the person's hands is left out here: it must not hide the
    one they hold. With an empty register, the person's stored facts."""
    rows = list(
        IdentityDocument.objects.filter(person=person).values_list(
            "kind", "whereabouts", "expires_on"
        )
    )
    if not rows:
        return {name: getattr(person, name) for name in DOCUMENT_FACTS}
    if any(kind in _PASSPORTS and where in _IN_HAND for kind, where, _expiry in rows):
        rows = [row for row in rows if row[1] != DocumentWhereabouts.CONFISCATED]
    return derive_document_facts(rows)


def confiscated_kinds(person: Person) -> list[str]:
    """Which passports were taken from the person (the matcher's `confiscated_documents`)."""
    taken = IdentityDocument.objects.filter(
        person=person, whereabouts=DocumentWhereabouts.CONFISCATED, kind__in=_PASSPORTS
    ).values_list("kind", flat=True)
    return sorted(set(taken))


def normalise_number(raw: str) -> str:
    """A document number as capital Latin letters and digits only ("45 10 123456" and
    "4510-123456" are one number; Cyrillic look-alike capitals read as Latin)."""
    text = unicodedata.normalize("NFKC", raw).upper().translate(_LOOKALIKES)
    return "".join(char for char in text if char.isalnum())


def number_index(raw: str) -> int | None:
    """The blind index of a document number (None for an empty number)."""
    number = normalise_number(raw)
    if not number:
        return None
    return key_provider().index(NUMBER_INDEX, number.encode("utf-8"), bits=NUMBER_INDEX_BITS)


@transaction.atomic
def add_document(
    *, actor: Actor, person: Person, key: DataKey, data: DocumentInput, case_ref: str = ""
) -> IdentityDocument:
    """Register a document of `person` (sealed under `key`, the case's data key) and
    derive the person's document facts again."""
    document = IdentityDocument(person=person)
    _apply(document, data, key=key)
    document.save()
    refresh_document_facts(person, actor=actor)
    record_event(
        actor=actor,
        event=EventType.DOCUMENT_ADDED,
        object_type=ObjectType.PERSON,
        object_id=str(person.pk),
        case_id=case_ref,
        detail={"document": str(document.pk), "kind": document.kind},
    )
    return document


@transaction.atomic
def change_document(
    *,
    actor: Actor,
    document: IdentityDocument,
    key: DataKey,
    data: DocumentInput,
    version: int,
    fields: Iterable[str],
    case_ref: str = "",
) -> IdentityDocument:
    """Change the named `fields` of a document; refuses a form older than `version`."""
    updated = IdentityDocument.objects.filter(pk=document.pk, version=version).update(
        version=F("version") + 1
    )
    if not updated:
        raise InvalidInput(str(STALE_DOCUMENT))
    document.refresh_from_db()
    changed = sorted(set(fields) & set(_DOCUMENT_FIELDS))
    _apply(document, data, key=key, only=changed)
    document.save()
    refresh_document_facts(document.person, actor=actor)
    record_event(
        actor=actor,
        event=EventType.DOCUMENT_CHANGED,
        object_type=ObjectType.PERSON,
        object_id=str(document.person_id),
        case_id=case_ref,
        detail={"document": str(document.pk), "fields": "+".join(changed) or "none"},
    )
    return document


@transaction.atomic
def remove_document(
    *, actor: Actor, document: IdentityDocument, version: int, case_ref: str = ""
) -> None:
    """Take a document out of the register (recorded in error, or no longer the person's)."""
    person = document.person
    if document.custody.exists():
        raise InvalidInput(str(HAS_CUSTODY_LOG))
    deleted, _rows = IdentityDocument.objects.filter(pk=document.pk, version=version).delete()
    if not deleted:
        raise InvalidInput(str(STALE_DOCUMENT))
    refresh_document_facts(person, actor=actor)
    record_event(
        actor=actor,
        event=EventType.DOCUMENT_REMOVED,
        object_type=ObjectType.PERSON,
        object_id=str(person.pk),
        case_id=case_ref,
        detail={"document": str(document.pk), "kind": document.kind},
    )


# What else follows a person's register: "documents ready" once their case has a chosen
# plan. Plans belong to pathways, above people in the layers (pyproject.toml), so pathways
# registers its watcher here (PathwaysConfig.ready).
RegisterWatcher = Callable[[Actor, Person], object]
_WATCHERS: list[RegisterWatcher] = []


def watch_register(watcher: RegisterWatcher) -> None:
    if watcher not in _WATCHERS:
        _WATCHERS.append(watcher)


def refresh_document_facts(person: Person, *, actor: Actor) -> None:
    """Write the person's document facts from their register (inside the caller's
    transaction); the person's `version` stays, since no form edits these columns. Every
    change of the register (an entry added, changed or removed, an original handed over)
    comes through here, so the registered watchers follow it here too."""
    rows = IdentityDocument.objects.filter(person=person).values_list(
        "kind", "whereabouts", "expires_on"
    )
    facts = derive_document_facts(rows)
    Person.objects.filter(pk=person.pk).update(**facts)
    for name, value in facts.items():
        setattr(person, name, value)
    for watcher in _WATCHERS:
        watcher(actor, person)


def blank_documents(person: Person) -> None:
    """Erasure: the person's documents go with their case key."""
    IdentityDocument.objects.filter(person=person).delete()


_DOCUMENT_FIELDS = ("kind", "issuing_country", "number", "issued_on", "expires_on", "whereabouts")


def _apply(
    document: IdentityDocument,
    data: DocumentInput,
    *,
    key: DataKey,
    only: Iterable[str] = _DOCUMENT_FIELDS,
) -> None:
    chosen = set(only)
    country = data.issuing_country.strip().upper()
    if "issuing_country" in chosen and country and not re.fullmatch(r"[A-Z]{2}", country):
        raise InvalidInput(str(ISSUING_COUNTRY_INVALID))
    number = data.number.strip()
    if "number" in chosen and len(normalise_number(number)) > 40:
        raise InvalidInput(str(NUMBER_TOO_LONG))
    if data.issued_on and data.expires_on and data.expires_on < data.issued_on:
        raise InvalidInput(str(DATES_INVERTED))
    if "kind" in chosen:
        document.kind = DocumentKind(data.kind)
    if "issuing_country" in chosen:
        document.issuing_country = country
    if "whereabouts" in chosen:
        document.whereabouts = DocumentWhereabouts(data.whereabouts)
    if "expires_on" in chosen:
        document.expires_on = data.expires_on
    if "number" in chosen:
        # Who can decrypt: whoever the key provider gives the case's key (assigned staff).
        if number:
            seal_field(document, "number", number, key=key)
        else:
            document.number = None
        document.number_index = number_index(number)
    if "issued_on" in chosen:
        if data.issued_on:
            seal_field(document, "issued_on", data.issued_on.isoformat(), key=key)
        else:
            document.issued_on = None
