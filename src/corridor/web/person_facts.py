"""A person's sealed facts as the case page lists them: labels, never codes.

Built only from what the viewer opened (the case open for work); the codes stay what is
stored, and each becomes the word a caseworker reads here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from corridor.core.places import country_name
from corridor.intake.questions import ADDRESS_CHOICES
from corridor.pathways.presentation import LABELS
from corridor.pathways.vocabulary import ExitBarrier, Profile
from corridor.people.models import (
    GenderIdentity,
    HuntedBy,
    MedicalDetail,
    Person,
    Referrer,
    SexMarker,
    WantedScope,
)

Lines = list[tuple[Any, list[str]]]
YES, NO = _("yes"), _("no")


def _labels(codes: object, choices: Mapping[str, Any]) -> list[str]:
    values = codes if isinstance(codes, list) else []
    return [str(choices.get(str(code), code)) for code in values]


def _countries(codes: object, lang: str) -> list[str]:
    values = codes if isinstance(codes, list) else []
    return [country_name(str(code), lang) for code in values]


def _flag(value: object) -> list[str]:
    if value is None:
        return []
    return [str(YES if value else NO)]


CONTACT_LABELS = {
    "phone": _("Phone"),
    "other": _("Other contact"),
    "safe_contact": _("Safe contact"),
    "callback": _("When to call back"),
}


def contacts(fields: Mapping[str, Any]) -> list[str]:
    """Each contact as "kind: value" (a contact of an unknown kind, as its value)."""
    values = fields.get("contacts")
    lines = []
    for contact in values if isinstance(values, list) else []:
        if isinstance(contact, dict) and contact.get("value"):
            label = CONTACT_LABELS.get(str(contact.get("kind")))
            value = str(contact["value"])
            lines.append(f"{label}: {value}" if label else value)
    return lines


def address_label(fields: Mapping[str, Any]) -> str:
    """How to address them: the portal's answer is carried as its code ("masculine"),
    shown in words; what staff typed is shown as typed."""
    text = str(fields.get("address_as") or "")
    return str(dict(ADDRESS_CHOICES).get(text, text)) if text else ""


def gender_label(fields: Mapping[str, Any]) -> str:
    code = fields.get("gender_identity")
    return str(dict(GenderIdentity.choices).get(code, "")) if code else ""


def marker_label(fields: Mapping[str, Any]) -> str:
    code = fields.get("document_sex_marker")
    return str(dict(SexMarker.choices).get(code, "")) if code else ""


def medical(fields: Mapping[str, Any]) -> list[str]:
    detail = _labels(fields.get("medical_detail"), dict(MedicalDetail.choices))
    return detail or _flag(fields.get("medical_needs") or None)


def danger(fields: Mapping[str, Any], lang: str) -> Lines:
    barriers = {b.value: LABELS[b] for b in ExitBarrier}
    return [
        (_("Who the danger is from"), _labels(fields.get("hunted_by"), dict(HuntedBy.choices))),
        (_("What may stop them at the border"), _labels(fields.get("exit_barriers"), barriers)),
        (
            _("Wanted lists they are on"),
            _labels(fields.get("wanted_scope"), dict(WantedScope.choices)),
        ),
        (_("Relatives reported them"), _flag(fields.get("family_filed_case"))),
        (_("Countries they must not go to"), _countries(fields.get("avoid_countries"), lang)),
        (
            _("Countries that refused them a visa"),
            _countries(fields.get("previous_refusals"), lang),
        ),
    ]


def prospects(person: Person, fields: Mapping[str, Any], lang: str) -> Lines:
    profiles = {p.value: LABELS[p] for p in Profile}
    days = person.passport_obtain_days
    restore = person.internal_passport_restore_days
    return [
        (_("Persecuted as"), _labels(fields.get("profile_tags"), profiles)),
        (_("Countries they have ties to"), _countries(fields.get("ties"), lang)),
        (_("Referred by"), [str(person.get_referral_display())]),
        (
            _("Referrer who has referred them or agreed to"),
            _labels([fields["referrer"]] if fields.get("referrer") else [], dict(Referrer.choices)),
        ),
        (_("Registered with UNHCR"), _flag(person.unhcr_registered)),
        (_("Has a sponsor abroad"), _flag(person.sponsor_available)),
        (
            _("Can obtain an international passport"),
            _flag(person.can_obtain_international_passport),
        ),
        (_("Days to obtain it"), [str(days)] if days is not None else []),
        (_("Days to restore an internal passport"), [str(restore)] if restore is not None else []),
    ]


def joined(values: Iterable[str]) -> str:
    return ", ".join(values)
