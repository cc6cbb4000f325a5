"""The person editor's forms: one small form per section of a person, and the documents.

Each section knows three things: the person's fields it edits, how their current values
fill the form (`initial_from`), and what the submitted form sets them to (`values`).
The view compares the two, so the service is given only the fields that changed and the
audit names exactly those. Places are typed by name and resolved to codes here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from corridor.pathways.presentation import LABELS
from corridor.pathways.vocabulary import ExitBarrier, Profile
from corridor.people.inputs import NameEntry
from corridor.people.models import (
    AgeBand,
    DocumentKind,
    DocumentWhereabouts,
    GenderIdentity,
    HuntedBy,
    MedicalDetail,
    Person,
    Referral,
    Referrer,
    Sex,
    SexMarker,
    WantedScope,
)
from corridor.web import person_facts
from corridor.web.case_forms import WHERE_HELP, YES_NO_UNKNOWN, date_field
from corridor.web.form_attrs import PRIVATE
from corridor.web.place_fields import (
    CountriesField,
    PlaceField,
    countries_text,
    language,
    with_place,
)

Values = dict[str, Any]
ALIAS_HELP = _("One name a line, given name first: other spellings, earlier names, nicknames.")
DAYS_HELP = _("Leave empty when not known.")
# The exit barriers a caseworker records here; confiscated documents come from the
# document register.
EDITED_BARRIERS = [b for b in ExitBarrier if b != ExitBarrier.DOCUMENTS_CONFISCATED]


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def _yes_no_text(value: object) -> str:
    if value is None:
        return ""
    return "yes" if value else "no"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _script(text: str) -> str:
    return "cyrl" if any("а" <= char.lower() <= "я" or char in "ёЁ" for char in text) else "latn"


class SectionForm(forms.Form):
    """One section of a person: its fields, read from the person and written back."""

    FIELDS: ClassVar[tuple[str, ...]] = ()
    title: ClassVar[Any] = ""

    version = forms.IntegerField(widget=forms.HiddenInput)

    @classmethod
    def current(cls, person: Person, opened: Mapping[str, Any]) -> Values:
        """The section's fields as they are now, in the form `values` returns them."""
        return {
            name: opened.get(name) if name in opened else getattr(person, name, None)
            for name in cls.FIELDS
        }

    @classmethod
    def initial_from(cls, current: Values) -> Values:
        return dict(current)

    def values(self, current: Values) -> Values:
        return {name: self.cleaned_data.get(name) for name in self.FIELDS}


def changed(new: Values, old: Values) -> Values:
    """The fields whose value differs; empty text, an empty list and None are all "empty"."""

    def norm(value: Any) -> Any:
        if value in ("", [], None):
            return None
        if isinstance(value, list):
            return sorted(value, key=repr)
        return value

    return {name: value for name, value in new.items() if norm(value) != norm(old.get(name))}


class IdentityForm(SectionForm):
    FIELDS = (
        "names",
        "address_as",
        "date_of_birth",
        "sex",
        "age_band",
        "gender_identity",
        "document_sex_marker",
        "nationality",
        "languages",
    )
    title = _("Names and identity")

    given_cyrl = forms.CharField(label=_("Given name (Cyrillic)"), max_length=80, required=False)
    patronymic_cyrl = forms.CharField(
        label=_("Patronymic (Cyrillic)"), max_length=80, required=False
    )
    family_cyrl = forms.CharField(label=_("Family name (Cyrillic)"), max_length=80, required=False)
    given_latn = forms.CharField(label=_("Given name (Latin)"), max_length=80, required=False)
    family_latn = forms.CharField(label=_("Family name (Latin)"), max_length=80, required=False)
    aliases = forms.CharField(
        label=_("Other names"),
        max_length=1000,
        required=False,
        widget=forms.Textarea({"rows": 3}),
        help_text=ALIAS_HELP,
    )
    address_as = forms.CharField(label=_("How to address them"), max_length=120, required=False)
    date_of_birth = date_field(_("Date of birth"), required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    age_band = forms.ChoiceField(label=_("Age"), choices=AgeBand.choices)
    gender_identity = forms.ChoiceField(label=_("Gender identity"), choices=GenderIdentity.choices)
    document_sex_marker = forms.ChoiceField(
        label=_("Sex marker in their documents"), choices=SexMarker.choices
    )
    nationality = PlaceField(label=_("Nationality (country)"), kinds=("country",))
    languages = forms.CharField(
        label=_("Languages (separated by commas)"), max_length=200, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("given_cyrl", "patronymic_cyrl", "family_cyrl", "given_latn", "family_latn"):
            self.fields[name].widget.attrs.update(PRIVATE)
        for name in ("aliases", "address_as", "languages"):
            self.fields[name].widget.attrs.update(PRIVATE)

    @classmethod
    def current(cls, person: Person, opened: Mapping[str, Any]) -> Values:
        values = super().current(person, opened)
        values["names"] = [
            NameEntry(**{key: str(entry.get(key, "")) for key in NameEntry.__dataclass_fields__})
            for entry in opened.get("names") or []
            if isinstance(entry, dict)
        ]
        dob = opened.get("date_of_birth")
        values["date_of_birth"] = date.fromisoformat(dob) if dob else None
        # The portal's answer is carried as a code ("masculine"): offered in words.
        values["address_as"] = person_facts.address_label(opened)
        values["gender_identity"] = opened.get("gender_identity") or GenderIdentity.UNKNOWN
        values["document_sex_marker"] = opened.get("document_sex_marker") or SexMarker.UNKNOWN
        return values

    @classmethod
    def initial_from(cls, current: Values) -> Values:
        initial = dict(current)
        names: list[NameEntry] = current["names"]
        cyrl = next((n for n in names if n.script == "cyrl" and n.kind == "legal"), None)
        latn = next((n for n in names if n.script == "latn" and n.kind == "legal"), None)
        if cyrl:
            initial.update(
                given_cyrl=cyrl.given, patronymic_cyrl=cyrl.patronymic, family_cyrl=cyrl.family
            )
        if latn:
            initial.update(given_latn=latn.given, family_latn=latn.family)
        others = [n for n in names if n not in (cyrl, latn)]
        initial["aliases"] = "\n".join(
            " ".join(part for part in (n.given, n.patronymic, n.family) if part) for n in others
        )
        initial["languages"] = ", ".join(current.get("languages") or [])
        initial["nationality"] = (
            countries_text([current["nationality"]]) if current.get("nationality") else ""
        )
        return initial

    def values(self, current: Values) -> Values:
        data = self.cleaned_data
        names = []
        if data["given_cyrl"] or data["family_cyrl"] or data["patronymic_cyrl"]:
            names.append(
                NameEntry(
                    script="cyrl",
                    given=data["given_cyrl"],
                    family=data["family_cyrl"],
                    patronymic=data["patronymic_cyrl"],
                )
            )
        if data["given_latn"] or data["family_latn"]:
            names.append(
                NameEntry(script="latn", given=data["given_latn"], family=data["family_latn"])
            )
        for line in _lines(data["aliases"]):
            given, _space, family = line.partition(" ")
            names.append(NameEntry(script=_script(line), given=given, family=family, kind="alias"))
        place = data["nationality"]
        return {
            "names": names,
            "address_as": data["address_as"],
            "date_of_birth": data["date_of_birth"],
            "sex": data["sex"],
            "age_band": data["age_band"],
            "gender_identity": data["gender_identity"],
            "document_sex_marker": data["document_sex_marker"],
            "nationality": place.country if place else None,
            "languages": [part.strip() for part in data["languages"].split(",") if part.strip()],
        }


# Each kind of contact a person's record holds, and the field that edits it.
CONTACT_KINDS = {
    "phone": "phone",
    "other": "other_contact",
    "safe_contact": "safe_contact",
    "callback": "callback",
}


class ContactsForm(SectionForm):
    FIELDS = ("contacts", "current_country", "location_detail")
    title = _("Contacts and where they are")

    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    other_contact = forms.CharField(
        label=_("Other contact (messenger handle)"), max_length=120, required=False
    )
    safe_contact = forms.CharField(
        label=_("Safe contact (how and when it is safe to reach them)"),
        max_length=500,
        required=False,
    )
    callback = forms.CharField(label=_("When and how to call back"), max_length=500, required=False)
    where = PlaceField(
        label=_("Where they are now (city, region or country)"),
        help_text=WHERE_HELP,
    )
    location_detail = forms.CharField(
        label=_("Where exactly they are now"),
        max_length=500,
        required=False,
        widget=forms.Textarea({"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in (*CONTACT_KINDS.values(), "location_detail"):
            self.fields[name].widget.attrs.update(PRIVATE)

    @classmethod
    def current(cls, person: Person, opened: Mapping[str, Any]) -> Values:
        values = super().current(person, opened)
        values["contacts"] = [c for c in opened.get("contacts") or [] if isinstance(c, dict)]
        return values

    @classmethod
    def initial_from(cls, current: Values) -> Values:
        contacts = current["contacts"]
        country = current.get("current_country")
        return {
            **{
                name: next((c["value"] for c in contacts if c.get("kind") == kind), "")
                for kind, name in CONTACT_KINDS.items()
            },
            "where": countries_text([country]) if country else "",
            "location_detail": current.get("location_detail") or "",
        }

    def values(self, current: Values) -> Values:
        data = self.cleaned_data
        # The first contact of each kind is the one edited here; any further ones (two
        # phones carried from a request and the hotline) are kept as they are.
        kept = list(current["contacts"])
        for kind, name in CONTACT_KINDS.items():
            index = next((i for i, c in enumerate(kept) if c.get("kind") == kind), None)
            if index is not None and data[name]:
                kept[index] = {**kept[index], "value": data[name]}
            elif index is not None:
                kept.pop(index)
            elif data[name]:
                kept.append({"kind": kind, "value": data[name]})
        place = data["where"]
        return {
            "contacts": kept,
            "current_country": place.country if place else None,
            "location_detail": with_place(data["location_detail"], place),
        }


class SituationForm(SectionForm):
    FIELDS = ("health_needs", "medical_needs", "medical_detail", "protection_needs", "narrative")
    title = _("Health, protection and their story")

    medical_needs = forms.BooleanField(label=_("Has medical needs"), required=False)
    medical_detail = forms.MultipleChoiceField(
        label=_("Medical needs in detail"),
        choices=MedicalDetail.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    health_needs = forms.CharField(
        label=_("Health needs"), max_length=2000, required=False, widget=forms.Textarea
    )
    protection_needs = forms.CharField(
        label=_("Protection needs"), max_length=2000, required=False, widget=forms.Textarea
    )
    narrative = forms.CharField(
        label=_("Their story"), max_length=20_000, required=False, widget=forms.Textarea
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("health_needs", "protection_needs", "narrative"):
            self.fields[name].widget.attrs.update(PRIVATE)

    @classmethod
    def current(cls, person: Person, opened: Mapping[str, Any]) -> Values:
        values = super().current(person, opened)
        values["medical_needs"] = bool(opened.get("medical_needs"))
        return values

    def values(self, current: Values) -> Values:
        values = super().values(current)
        values["medical_needs"] = bool(values["medical_needs"] or values["medical_detail"])
        return values


class DangerForm(SectionForm):
    FIELDS = (
        "hunted_by",
        "exit_barriers",
        "wanted_scope",
        "family_filed_case",
        "avoid_countries",
        "previous_refusals",
    )
    title = _("Who is after them, and where they must not go")

    hunted_by = forms.MultipleChoiceField(
        label=_("Who the danger is from"),
        choices=HuntedBy.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    exit_barriers = forms.MultipleChoiceField(
        label=_("What may stop them at the border"),
        choices=[(b.value, LABELS[b]) for b in EDITED_BARRIERS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    wanted_scope = forms.MultipleChoiceField(
        label=_("Wanted lists they are on"),
        choices=WantedScope.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    family_filed_case = forms.ChoiceField(
        label=_("Relatives reported them (theft of documents, missing person)"),
        choices=YES_NO_UNKNOWN,
        required=False,
    )
    avoid_countries = CountriesField(label=_("Countries they must not go to"))
    previous_refusals = CountriesField(label=_("Countries that refused them a visa"))

    @classmethod
    def current(cls, person: Person, opened: Mapping[str, Any]) -> Values:
        values = super().current(person, opened)
        # Confiscated documents are the register's: kept out of what this form compares.
        values["exit_barriers"] = [
            code
            for code in opened.get("exit_barriers") or []
            if code != ExitBarrier.DOCUMENTS_CONFISCATED
        ]
        return values

    @classmethod
    def initial_from(cls, current: Values) -> Values:
        initial = dict(current)
        initial["family_filed_case"] = _yes_no_text(current.get("family_filed_case"))
        for name in ("avoid_countries", "previous_refusals"):
            initial[name] = countries_text(current.get(name) or [])
        return initial

    def values(self, current: Values) -> Values:
        values = super().values(current)
        values["family_filed_case"] = _yes_no(self.cleaned_data["family_filed_case"])
        return values


class ProspectsForm(SectionForm):
    FIELDS = (
        "profile_tags",
        "ties",
        "referral",
        "referrer",
        "unhcr_registered",
        "sponsor_available",
        "can_obtain_international_passport",
        "passport_obtain_days",
        "internal_passport_restore_days",
    )
    title = _("What opens routes for them")

    profile_tags = forms.MultipleChoiceField(
        label=_("Persecuted as"),
        choices=[(p.value, LABELS[p]) for p in Profile],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    ties = CountriesField(label=_("Countries they have ties to (family, study, work)"))
    referral = forms.ChoiceField(label=_("Referred by"), choices=Referral.choices)
    referrer = forms.ChoiceField(
        label=_("Referrer who has referred them or agreed to"),
        choices=Referrer.choices,
        required=False,
        help_text=_(
            "Some legal pathways take referrals only from designated referrers "
            "(Canada's GAR: UNHCR or Rainbow Railroad)."
        ),
    )
    unhcr_registered = forms.BooleanField(label=_("Registered with UNHCR"), required=False)
    sponsor_available = forms.BooleanField(label=_("Has a sponsor abroad"), required=False)
    can_obtain_international_passport = forms.ChoiceField(
        label=_("Can obtain an international passport"), choices=YES_NO_UNKNOWN, required=False
    )
    passport_obtain_days = forms.IntegerField(
        label=_("Days to obtain it"),
        min_value=0,
        max_value=3650,
        required=False,
        help_text=DAYS_HELP,
    )
    internal_passport_restore_days = forms.IntegerField(
        label=_("Days to restore an internal passport"),
        min_value=0,
        max_value=3650,
        required=False,
        help_text=DAYS_HELP,
    )

    @classmethod
    def initial_from(cls, current: Values) -> Values:
        initial = dict(current)
        initial["ties"] = countries_text(current.get("ties") or [])
        initial["can_obtain_international_passport"] = _yes_no_text(
            current.get("can_obtain_international_passport")
        )
        return initial

    def values(self, current: Values) -> Values:
        values = super().values(current)
        values["can_obtain_international_passport"] = _yes_no(
            self.cleaned_data["can_obtain_international_passport"]
        )
        return values


SECTIONS: dict[str, type[SectionForm]] = {
    "identity": IdentityForm,
    "contacts": ContactsForm,
    "situation": SituationForm,
    "danger": DangerForm,
    "prospects": ProspectsForm,
}


class DocumentForm(forms.Form):
    """One identity document of the register."""

    FIELDS: ClassVar[tuple[str, ...]] = (
        "kind",
        "issuing_country",
        "number",
        "issued_on",
        "expires_on",
        "whereabouts",
    )

    kind = forms.ChoiceField(label=_("Document"), choices=DocumentKind.choices)
    issuing_country = PlaceField(label=_("Issued by (country)"), kinds=("country",))
    number = forms.CharField(
        label=_("Number"), max_length=60, required=False, widget=forms.TextInput(PRIVATE)
    )
    issued_on = date_field(_("Issued on"), required=False)
    expires_on = date_field(_("Valid until"), required=False)
    whereabouts = forms.ChoiceField(
        label=_("Where the original is"), choices=DocumentWhereabouts.choices
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    @classmethod
    def initial_from(cls, opened: Mapping[str, Any]) -> Values:
        document = opened["document"]
        issued = opened.get("issued_on")
        return {
            "kind": document.kind,
            "issuing_country": countries_text([document.issuing_country])
            if document.issuing_country
            else "",
            "number": opened.get("number", ""),
            "issued_on": date.fromisoformat(issued) if issued else None,
            "expires_on": document.expires_on,
            "whereabouts": document.whereabouts,
            "version": document.version,
        }

    def values(self) -> Values:
        data = self.cleaned_data
        place = data["issuing_country"]
        return {
            "kind": data["kind"],
            "issuing_country": place.country if place else "",
            "number": data["number"],
            "issued_on": data["issued_on"],
            "expires_on": data["expires_on"],
            "whereabouts": data["whereabouts"],
        }


__all__ = ["SECTIONS", "DocumentForm", "SectionForm", "changed", "language"]
