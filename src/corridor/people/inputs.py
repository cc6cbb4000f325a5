"""What a service takes to create or change a person: validated plain values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from corridor.people.models import AgeBand, DocumentKind, DocumentWhereabouts, Sex

SEALED_FIELDS = (
    "names",
    "address_as",
    "date_of_birth",
    "contacts",
    "location_detail",
    "languages",
    "health_needs",
    "protection_needs",
    "narrative",
    "gender_identity",
    "document_sex_marker",
    "profile_tags",
    "ties",
    "exit_barriers",
    "avoid_countries",
    "medical_needs",
    "hunted_by",
    "wanted_scope",
    "family_filed_case",
    "previous_refusals",
    "medical_detail",
    "referrer",
)
PLAIN_FIELDS = (
    "nationality",
    "current_country",
    "sex",
    "age_band",
    "has_internal_passport",
    "has_international_passport",
    "international_passport_expiry",
    "has_birth_certificate",
    "has_other_id",
    "documents_confiscated",
    "can_obtain_international_passport",
    "passport_obtain_days",
    "internal_passport_restore_days",
    "unhcr_registered",
    "referral",
    "sponsor_available",
)


# The audit log keeps a detail value to 200 characters: a longer list of field names
# continues under a second key, so every field read or changed is still named.
_DETAIL_LIMIT = 200


def field_detail(names: list[str]) -> dict[str, str | int]:
    """The audit detail naming `names`: {"fields": "a+b+…"}, continued in "fields_2"…"""
    chunks: list[str] = []
    for name in names:
        if chunks and len(chunks[-1]) + 1 + len(name) <= _DETAIL_LIMIT:
            chunks[-1] += f"+{name}"
        else:
            chunks.append(name)
    if not chunks:
        return {"fields": "none"}
    return {
        ("fields" if number == 1 else f"fields_{number}"): chunk
        for number, chunk in enumerate(chunks, start=1)
    }


@dataclass(frozen=True)
class NameEntry:
    script: str  # "cyrl" or "latn"
    given: str = ""
    family: str = ""
    patronymic: str = ""
    kind: str = "legal"  # "legal" or "alias"

    def as_json(self) -> dict[str, str]:
        return {
            "script": self.script,
            "given": self.given,
            "family": self.family,
            "patronymic": self.patronymic,
            "kind": self.kind,
        }


@dataclass(frozen=True)
class PersonInput:
    """Fields to set; None leaves a field as it is (or empty, for a new person)."""

    names: list[NameEntry] | None = None
    address_as: str | None = None
    date_of_birth: date | None = None
    contacts: list[dict[str, str]] | None = None
    location_detail: str | None = None
    languages: list[str] | None = None
    health_needs: str | None = None
    protection_needs: str | None = None
    narrative: str | None = None
    gender_identity: str | None = None
    document_sex_marker: str | None = None
    profile_tags: list[str] | None = None
    ties: list[str] | None = None
    nationality: str | None = None
    current_country: str | None = None
    sex: Sex | None = None
    age_band: AgeBand | None = None
    has_internal_passport: bool | None = None
    has_international_passport: bool | None = None
    international_passport_expiry: date | None = None
    has_birth_certificate: bool | None = None
    has_other_id: bool | None = None
    documents_confiscated: bool | None = None
    exit_barriers: list[str] | None = None
    avoid_countries: list[str] | None = None
    medical_needs: bool | None = None
    hunted_by: list[str] | None = None
    wanted_scope: list[str] | None = None
    family_filed_case: bool | None = None
    previous_refusals: list[str] | None = None
    medical_detail: list[str] | None = None
    referrer: str | None = None
    can_obtain_international_passport: bool | None = None
    passport_obtain_days: int | None = None
    internal_passport_restore_days: int | None = None
    unhcr_registered: bool | None = None
    referral: str | None = None
    sponsor_available: bool | None = None
    # Identity documents to register for a new person; the document facts above are
    # then derived from them (and any given directly are overwritten).
    documents: list[DocumentInput] | None = None

    def sealed_values(self) -> dict[str, Any]:
        """The sealed fields given, as the JSON or text they are stored as."""
        values: dict[str, Any] = {}
        for name in SEALED_FIELDS:
            value = getattr(self, name)
            if value is None:
                continue
            if name == "names":
                value = [entry.as_json() for entry in value]
            elif name == "date_of_birth":
                value = value.isoformat()
            values[name] = value
        return values

    def plain_values(self) -> dict[str, Any]:
        return {
            name: getattr(self, name) for name in PLAIN_FIELDS if getattr(self, name) is not None
        }


@dataclass(frozen=True)
class DocumentInput:
    """One identity document as the register stores it; the number and issue date are
    sealed, the rest decides routes and stays plain."""

    kind: DocumentKind
    issuing_country: str = ""
    number: str = ""
    issued_on: date | None = None
    expires_on: date | None = None
    whereabouts: DocumentWhereabouts = DocumentWhereabouts.WITH_PERSON
