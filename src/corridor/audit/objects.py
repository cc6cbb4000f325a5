"""The kinds of object an audit event is about: stable codes `<app>.<model>`.

A code is written into signed leaves and read back for years, so, like an event code
(audit/events.py), it is never renamed or reused: add new members, never edit old ones
(tests/audit/released_object_types.txt holds the list). Events recorded before this enum
used a few other spellings; the log keeps them (its entries are hash-chained and the
database refuses updates), and `LEGACY_NAMES` maps them to today's code at query time
(`spellings_of`), so the auditor's "who touched this object" finds every event.
"""

from __future__ import annotations

from enum import StrEnum, unique


@unique
class ObjectType(StrEnum):
    # accounts
    STAFF = "accounts.staff"
    DRAFT = "accounts.draft"
    SURGE = "accounts.surge"
    NOTIFICATION_CHANNEL = "accounts.notificationchannel"
    # audit
    AUDIT_ENTRY = "audit.entry"
    REASON_NOTE = "audit.reasonnote"
    # cases
    CASE = "cases.case"
    EXCHANGE_RATE = "cases.exchange_rate"
    EXPENSE = "cases.expense"
    FUNDING_SOURCE = "cases.funding_source"
    INCIDENT = "cases.incident"
    INTAKE_RECORD = "cases.intakerecord"
    NOTE = "cases.note"
    PLACEMENT = "cases.placement"
    RISK_ASSESSMENT = "cases.risk_assessment"
    RISK_ASSESSMENT_ROW = "cases.riskassessment"
    TASK = "cases.task"
    TRAVEL_LEG = "cases.travel_leg"
    TRAVEL_LEG_ROW = "cases.travelleg"
    WORK_WINDOW = "cases.work_window"
    # intake
    REQUEST = "intake.request"
    MESSAGE = "intake.message"
    WATCHLIST = "intake.watchlist"
    WATCH_ENTRY = "intake.watch_entry"
    WATCH_ENTRY_ROW = "intake.watchentry"
    DECISION = "intake.decision"
    # pathways
    APPLICATION = "pathways.application"
    CATALOG_VERSION = "pathways.catalog_version"
    CHOSEN_PLAN = "pathways.chosen_plan"
    FEED = "pathways.feed"
    ROUTE = "pathways.route"
    SLOT_AGREEMENT = "pathways.slot_agreement"
    # shelters
    SHELTER = "shelters.shelter"
    # people
    PERSON = "people.person"
    CONTACT_PROTOCOL = "people.contact_protocol"
    CONTACT_PROTOCOL_ROW = "people.contactprotocol"
    IDENTITY_DOCUMENT = "people.identitydocument"
    DOCUMENT_FILE = "people.documentfile"
    # partners
    ORGANISATION = "partners.organisation"
    KEY_PROPOSAL = "partners.keyproposal"
    DOCUMENT_CUSTODY = "people.custodyhandover"
    # reports
    NEVER_PUBLISH = "reports.never_publish"
    PUBLIC_REPORT = "reports.public"
    INTERNAL_REPORT = "reports.internal"
    # transfer
    IMPORT = "transfer.import"
    IMPORT_MAPPING = "transfer.mapping"
    IMPORT_UPLOAD = "transfer.upload"
    IMPORTED_ROW = "transfer.importedrow"
    EXPORT = "transfer.export"
    HELD_UPLOAD = "transfer.heldupload"
    # vault
    DATA_KEY = "vault.key"


# Spellings written before ObjectType, and the code each means now. Only ever add to it.
LEGACY_NAMES: dict[str, ObjectType] = {
    "staff": ObjectType.STAFF,
    "request": ObjectType.REQUEST,
    "watchlist": ObjectType.WATCHLIST,
    "watch_entry": ObjectType.WATCH_ENTRY,
    "key": ObjectType.DATA_KEY,
    "accounts.unwrap_surge": ObjectType.SURGE,
    "cases.surge": ObjectType.SURGE,
}


class ModelLabel(str):
    """A model's own label (`app.model`), for the events that name whichever model a save
    wrote (vault.sealed_written, vault.stale_value_refused): a test model has no member.
    Every Corridor model with sealed fields has one (a test holds it), so `sealed_kind`
    gives the member when there is one."""

    __slots__ = ()


def sealed_kind(label: str) -> ObjectType | ModelLabel:
    """The kind for the model labelled `label`: its member, else the label itself."""
    return object_type_of(label) or ModelLabel(label)


def object_type_of(name: str) -> ObjectType | None:
    """Today's code for `name`, written now or before ObjectType; None for an unknown one."""
    if name in LEGACY_NAMES:
        return LEGACY_NAMES[name]
    try:
        return ObjectType(name)
    except ValueError:
        return None


def spellings_of(name: str) -> frozenset[str]:
    """Every object_type string the log may hold for the kind `name` names (today's code
    and its older spellings); just `name` when it is no kind the log knows."""
    current = object_type_of(name)
    if current is None:
        return frozenset({name})
    return frozenset({current.value}) | {old for old, new in LEGACY_NAMES.items() if new is current}
