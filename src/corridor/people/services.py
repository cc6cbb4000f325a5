"""Writes to persons and their contact protocols. The caller passes the case's data key:
people knows no cases, only that a person's fields are sealed under the key they are given."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.core import clock
from corridor.core.actors import Actor
from corridor.core.exceptions import InvalidInput
from corridor.people import register, wordforms
from corridor.people.document_files import shred_files
from corridor.people.inputs import PLAIN_FIELDS, SEALED_FIELDS, PersonInput, field_detail
from corridor.people.models import Channel, ContactProtocol, Person, PersonIndexEntry
from corridor.vault.datakey import DataKey
from corridor.vault.fields import seal_field, sealed_field_names
from corridor.vault.providers import key_provider

COUNTRY_INVALID = _("Use a two-letter country code such as RU, GE or DE.")
FIELD_NOT_EDITABLE = _("This field is not edited here.")
STALE_PERSON = _("Someone else changed this person while you were editing. Reload and try again.")
INTERVAL_INVALID = _("A check-in interval is between 1 hour and 30 days.")
WORD_INVALID = _("A check-in or duress word is one to three words, 3 to 40 letters.")
WORDS_SAME = _("The check-in word and the duress word must differ.")
# Keyed hashes of check-in and duress words keep 63 bits: they are compared one by
# one, never searched in bulk, so truncation would only add false alarms.
WORD_INDEX_BITS = 63  # fits a signed 64-bit column
# What a person editor may set: every field but the document facts, which the document
# register derives.
EDITABLE_FIELDS = tuple(
    name for name in (*SEALED_FIELDS, *PLAIN_FIELDS) if name not in register.DOCUMENT_FACTS
)
# The value a cleared plain column takes (columns that allow no NULL).
_PLAIN_EMPTY: dict[str, Any] = {
    "nationality": "",
    "current_country": "",
    "sex": "unknown",
    "age_band": "unknown",
    "unhcr_registered": False,
    "sponsor_available": False,
    "referral": "none",
}


# The fields whose blind indexes the search box reads (names, phones among the contacts).
INDEXED_FIELDS = ("names", "contacts")
# (field, its value as stored) → the (index name, value) pairs to keep for it.
IdentityIndexer = Callable[[str, Any], set[tuple[str, int]]]
_INDEXERS: list[IdentityIndexer] = []


def register_identity_indexer(indexer: IdentityIndexer) -> None:
    """Intake registers the requests' indexer when its app is ready: people sits below
    intake and knows only that a person's names and contacts have index values."""
    if indexer not in _INDEXERS:
        _INDEXERS.append(indexer)


def index_identity(person: Person, values: Mapping[str, Any]) -> int:
    """Replace the person's index values of each field in `values` (names, contacts) by
    those of the new value (None or empty: none). Returns how many values were written.
    Called by every write below, and by `corridor people reindex` for people written
    before the indexes existed."""
    fields = [name for name in INDEXED_FIELDS if name in values]
    if not fields or not _INDEXERS:
        return 0
    PersonIndexEntry.objects.filter(person=person, field__in=fields).delete()
    rows = [
        PersonIndexEntry(person=person, field=field_name, name=name, value=value)
        for field_name in fields
        if values[field_name]
        for indexer in _INDEXERS
        for name, value in sorted(indexer(field_name, values[field_name]))
    ]
    PersonIndexEntry.objects.bulk_create(rows)
    return len(rows)


@transaction.atomic
def create_person(*, actor: Actor, key: DataKey, data: PersonInput, case_ref: str = "") -> Person:
    """A new person sealed under `key` (the case's data key)."""
    person = Person()
    _apply(person, data, key=key)
    person.save()
    index_identity(person, data.sealed_values())
    record_event(
        actor=actor,
        event=EventType.PERSON_CREATED,
        object_type=ObjectType.PERSON,
        object_id=str(person.pk),
        case_id=case_ref,
    )
    for document in data.documents or ():
        register.add_document(actor=actor, person=person, key=key, data=document, case_ref=case_ref)
    return person


@transaction.atomic
def update_person(
    *,
    actor: Actor,
    person: Person,
    key: DataKey,
    data: PersonInput,
    version: int,
    case_ref: str = "",
) -> Person:
    """Change the given fields; refuses if the person changed since `version` was read."""
    _claim_version(person, version)
    _apply(person, data, key=key)
    person.save()
    index_identity(person, data.sealed_values())
    record_event(
        actor=actor,
        event=EventType.PERSON_UPDATED,
        object_type=ObjectType.PERSON,
        object_id=str(person.pk),
        case_id=case_ref,
        detail=field_detail(sorted({*data.sealed_values(), *data.plain_values()})),
    )
    return person


def _claim_version(person: Person, version: int) -> None:
    """Move the person to the next version, or refuse a form read before the last change."""
    updated = Person.objects.filter(pk=person.pk, version=version).update(version=F("version") + 1)
    if not updated:
        raise InvalidInput(str(STALE_PERSON))
    person.refresh_from_db()


@transaction.atomic
def edit_person(
    *,
    actor: Actor,
    person: Person,
    key: DataKey,
    changes: Mapping[str, Any],
    version: int,
    case_ref: str = "",
) -> Person:
    """Set exactly the fields in `changes` (None or an empty value clears one), as a form
    section sends them; refuses if the person changed since `version` was read.

    The document facts are not among them: the document register decides those. The
    audit event names the fields changed, never their values.
    """
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise InvalidInput(str(FIELD_NOT_EDITABLE))
    _claim_version(person, version)
    given = {name: value for name, value in changes.items() if value is not None}
    data = PersonInput(**given)
    _apply(person, data, key=key)
    for name, value in changes.items():
        if value is None and name in SEALED_FIELDS:
            setattr(person, name, None)
        elif value is None:
            setattr(person, name, _PLAIN_EMPTY.get(name))
    person.save()
    cleared = {name: None for name, value in changes.items() if value is None}
    index_identity(person, {**data.sealed_values(), **cleared})
    record_event(
        actor=actor,
        event=EventType.PERSON_UPDATED,
        object_type=ObjectType.PERSON,
        object_id=str(person.pk),
        case_id=case_ref,
        detail=field_detail(sorted(changes)),
    )
    return person


@transaction.atomic
def set_contact_protocol(
    *,
    actor: Actor,
    person: Person,
    key: DataKey,
    channel: Channel,
    every_hours: int,
    safe_hours: str = "",
    if_someone_else_answers: str = "",
    check_in_word: str = "",
    duress_word: str = "",
    portal_counts_as_check_in: bool = False,
    case_ref: str = "",
) -> ContactProtocol:
    """How to reach the person, how often they check in, their two words, and whether a
    message in their portal thread counts as a check-in.

    Each word is stored sealed and as the keyed hashes of every form that says it
    (wordforms.protocol_keys); never in plaintext."""
    if not 1 <= every_hours <= 24 * 30:
        raise InvalidInput(str(INTERVAL_INVALID))
    words = [_normalise_word(w) for w in (check_in_word, duress_word)]
    if any(w is None for w in words):
        raise InvalidInput(str(WORD_INVALID))
    if words[0] and words[0] == words[1]:
        raise InvalidInput(str(WORDS_SAME))
    now = clock.now()
    protocol = ContactProtocol.objects.filter(person=person).first() or ContactProtocol(
        person=person, check_in_due_at=now
    )
    protocol.channel = channel
    protocol.check_in_every_hours = every_hours
    protocol.check_in_due_at = protocol.last_check_in_at + timedelta(hours=every_hours)
    protocol.overdue_raised_at = None
    for field, value in (
        ("safe_hours", safe_hours),
        ("if_someone_else_answers", if_someone_else_answers),
        ("check_in_word", check_in_word.strip()),
        ("duress_word", duress_word.strip()),
    ):
        if value:
            seal_field(protocol, field, value, key=key)
    protocol.check_in_word_hash = _word_hash("check_in", words[0]) if words[0] else None
    protocol.duress_word_hash = _word_hash("duress", words[1]) if words[1] else None
    protocol.check_in_form_hashes = _form_hashes(words[0]) if words[0] else []
    protocol.duress_form_hashes = _form_hashes(words[1]) if words[1] else []
    if words[0] and words[1] and _overlap(words[0], words[1]):
        raise InvalidInput(str(WORDS_SAME))
    protocol.portal_counts_as_check_in = portal_counts_as_check_in
    protocol.save()
    record_event(
        actor=actor,
        event=EventType.PROTOCOL_SET,
        object_type=ObjectType.PERSON,
        object_id=str(person.pk),
        case_id=case_ref,
        detail={
            "channel": channel,
            "every_hours": every_hours,
            "portal_counts_as_check_in": int(portal_counts_as_check_in),
        },
    )
    return protocol


@transaction.atomic
def note_contact_wishes(
    *,
    actor: Actor,
    person: Person,
    key: DataKey,
    channel: Channel,
    if_someone_else_answers: str = "",
    case_ref: str = "",
) -> ContactProtocol:
    """What the person asked for before anyone agreed check-ins with them: the channel
    and what to say if someone else answers. A new protocol has no check-in due (nothing
    can be missed before it is agreed); an existing one keeps its values and gains only
    what it lacked."""
    protocol = ContactProtocol.objects.filter(person=person).first()
    if protocol is None:
        protocol = ContactProtocol(person=person, channel=channel, check_in_due_at=None)
    text = if_someone_else_answers.strip()
    if text and protocol.if_someone_else_answers is None:
        # Who can decrypt: holders of the case's data key (its assigned staff).
        seal_field(protocol, "if_someone_else_answers", text, key=key)
    protocol.save()
    record_event(
        actor=actor,
        event=EventType.PROTOCOL_SET,
        object_type=ObjectType.PERSON,
        object_id=str(person.pk),
        case_id=case_ref,
        detail={"channel": protocol.channel, "every_hours": 0},
    )
    return protocol


class MessageForms:
    """The keyed hashes of what one message says (wordforms.message_keys), computed once
    and compared with any number of protocols. Whoever may ask for the blind index may
    make one: the portal's process asks keyd, holding no key itself."""

    def __init__(self, text: str) -> None:
        self.hashes = frozenset(_form_hashes_of(wordforms.message_keys(text)))
        self._exact = text

    def says_duress(self, protocol: ContactProtocol) -> bool:
        if protocol.duress_form_hashes:
            return not self.hashes.isdisjoint(protocol.duress_form_hashes)
        return _exact_match("duress", protocol.duress_word_hash, self._exact)

    def says_check_in(self, protocol: ContactProtocol) -> bool:
        if protocol.check_in_form_hashes:
            return not self.hashes.isdisjoint(protocol.check_in_form_hashes)
        return _exact_match("check_in", protocol.check_in_word_hash, self._exact)


def _exact_match(kind: str, stored: int | None, text: str) -> bool:
    """A protocol saved before matching by lemma holds only the exact word's hash."""
    if stored is None:
        return False
    return any(_word_hash(kind, phrase) == stored for phrase in words_in(text))


def words_in(text: str) -> list[str]:
    """Every one-to-three-word phrase of `text`, normalised, to compare with the two words."""
    tokens = _WORD.findall(text.lower().replace("ё", "е"))
    phrases = []
    for size in (1, 2, 3):
        phrases += [" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)]
    return phrases


def matches_duress(protocol: ContactProtocol, text: str) -> bool:
    """True when `text` says the person's duress word (by lemma, transliterated, or with
    one typo in a word of five letters or more; compared by keyed hash only)."""
    if protocol.duress_word_hash is None and not protocol.duress_form_hashes:
        return False
    return MessageForms(text).says_duress(protocol)


def matches_check_in(protocol: ContactProtocol, text: str) -> bool:
    """True when `text` says the person's check-in word (as matches_duress)."""
    if protocol.check_in_word_hash is None and not protocol.check_in_form_hashes:
        return False
    return MessageForms(text).says_check_in(protocol)


@transaction.atomic
def record_check_in(*, actor: Actor, protocol: ContactProtocol, case_ref: str = "") -> None:
    """The person checked in: the next check-in is due one interval from now."""
    now = clock.now()
    protocol.last_check_in_at = now
    protocol.check_in_due_at = now + timedelta(hours=protocol.check_in_every_hours)
    protocol.overdue_raised_at = None
    protocol.save(update_fields=["last_check_in_at", "check_in_due_at", "overdue_raised_at"])
    record_event(
        actor=actor,
        event=EventType.CHECK_IN_RECORDED,
        object_type=ObjectType.PERSON,
        object_id=str(protocol.person_id),
        case_id=case_ref,
    )


def carry_check_in_schedule(
    *,
    actor: Actor,
    protocol: ContactProtocol,
    last_check_in_at: datetime,
    check_in_due_at: datetime | None,
    overdue_raised_at: datetime | None,
    case_ref: str = "",
) -> None:
    """A protocol moved from another installation keeps its schedule: the last check-in,
    the next one due (None while none is agreed) and whether its miss already raised an
    incident (then carried as an open incident, so it is not raised twice)."""
    protocol.last_check_in_at = last_check_in_at
    protocol.check_in_due_at = check_in_due_at
    protocol.overdue_raised_at = overdue_raised_at
    protocol.save(update_fields=["last_check_in_at", "check_in_due_at", "overdue_raised_at"])
    record_event(
        actor=actor,
        event=EventType.PROTOCOL_SET,
        object_type=ObjectType.PERSON,
        object_id=str(protocol.person_id),
        case_id=case_ref,
        detail={
            "carried": 1,
            "due": check_in_due_at.isoformat() if check_in_due_at is not None else "",
        },
    )


def blank_person(person: Person) -> None:
    """Erasure: drop every sealed value and the identifying plain facts of a person.

    The sealed columns are read from the model, not from SEALED_FIELDS (the editable
    ones): a column missing from a hand-kept list would outlive the erasure."""
    for name in sealed_field_names(Person):
        setattr(person, name, None)
    person.erased_at = clock.now()
    person.key_id = None
    person.nationality = person.current_country = ""
    person.international_passport_expiry = None
    person.save()
    ContactProtocol.objects.filter(person=person).delete()
    PersonIndexEntry.objects.filter(person=person).delete()
    register.blank_documents(person)
    shred_files(person)


_WORD = re.compile(r"[\w-]+", re.UNICODE)


def _normalise_word(raw: str) -> str | None:
    """Lower case, ё as е, single spaces; None if it is not one to three words."""
    if not raw.strip():
        return ""
    tokens = _WORD.findall(raw.lower().replace("ё", "е"))
    phrase = " ".join(tokens)
    if not 1 <= len(tokens) <= 3 or not 3 <= len(phrase) <= 40:
        return None
    return phrase


def _word_hash(kind: str, phrase: str) -> int:
    return key_provider().index(f"protocol-{kind}", phrase.encode("utf-8"), bits=WORD_INDEX_BITS)


def _form_hashes_of(keys: set[str]) -> list[int]:
    # One index for both words: a message is hashed once and compared with both lists.
    ordered = sorted(keys)
    return key_provider().indexes(
        "protocol-word-form", [key.encode("utf-8") for key in ordered], bits=WORD_INDEX_BITS
    )


def _form_hashes(phrase: str) -> list[int]:
    return sorted(set(_form_hashes_of(wordforms.protocol_keys(phrase))))


def _overlap(check_in: str, duress: str) -> bool:
    """True when either word, as written, would say the other (an inflection or a typo of
    it): a check-in would raise a duress incident, or the duress word count as all well."""
    return bool(
        wordforms.message_keys(check_in) & wordforms.protocol_keys(duress)
        or wordforms.message_keys(duress) & wordforms.protocol_keys(check_in)
    )


def _apply(person: Person, data: PersonInput, *, key: DataKey) -> None:
    for name, value in data.plain_values().items():
        if name in ("nationality", "current_country"):
            value = str(value).upper()
            if not re.fullmatch(r"[A-Z]{2}", value):
                raise InvalidInput(str(COUNTRY_INVALID))
        setattr(person, name, value)
    for name, value in data.sealed_values().items():
        seal_field(person, name, value, key=key)
