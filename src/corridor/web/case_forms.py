"""Input validation for the case pages; nothing else happens here.

Every choice of a person, task, placement or leg is limited to the case's own
rows, so an id from another case is refused at the edge as an invalid choice.
Personal text fields carry `autocomplete="off"`: a browser must not keep what
was typed into them.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy

from corridor.accounts.models import Staff
from corridor.accounts.roles import Role
from corridor.cases import risk
from corridor.cases.closing import Disposition, RunningItem, RunningKind
from corridor.cases.currencies import ISO_4217, minor_unit_exponent
from corridor.cases.models import (
    Case,
    ClosureReason,
    ExpenseCategory,
    Flag,
    FundingSource,
    IncidentKind,
    LegKind,
    LinkKind,
    Milestone,
    MilestoneKind,
    Phase,
    Placement,
    Relation,
    SharingChoice,
    Task,
    TravelLeg,
    TravelMode,
)
from corridor.cases.selectors import list_protocols_of_case, list_running
from corridor.cases.services.assignment import REVEAL_REASONS
from corridor.cases.services.erasure import ERASE_REASONS
from corridor.cases.services.safety import CHECKLIST
from corridor.core import clock
from corridor.core.ids import normalise_reference
from corridor.pathways.selectors import list_running_applications
from corridor.people.inputs import DocumentInput, NameEntry, PersonInput
from corridor.people.models import AgeBand, Channel, DocumentKind, Person, Sex
from corridor.shelters.models import Shelter
from corridor.shelters.selectors import is_registered_code, open_shelters
from corridor.web.form_attrs import PRIVATE
from corridor.web.labels import (
    FLAG_REASON_LABELS,
    REOPEN_REASON_LABELS,
    REVEAL_REASON_LABELS,
    RISK_ANSWER_LABELS,
    SETBACK_LABELS,
)
from corridor.web.place_fields import PlaceCodeField, PlaceField, with_place

DATE = {"type": "date"}

YES_NO_UNKNOWN = [("", _("Not known")), ("yes", _("Yes")), ("no", _("No"))]
AMOUNT_INVALID = _("Give the amount as a number, e.g. 120.50.")
AMOUNT_DECIMALS = ngettext_lazy(
    "%(currency)s amounts have at most %(places)s decimal place.",
    "%(currency)s amounts have at most %(places)s decimal places.",
    "places",
)
CURRENCY_UNKNOWN = _("Unknown currency: use a three-letter ISO code such as EUR, RUB or USD.")
REFERENCE_INVALID = _("A case reference looks like CR-7K3M-Q9TZ.")
WHERE_HELP = _(
    "Only the country is kept as a plain fact; a city or region is added, encrypted, "
    "to where exactly they are."
)
SHELTER_OR_CODE = _("Choose a shelter from the registry, or give the reference of another place.")
ADDRESS_EMPTY = _("Give the address (it is encrypted and shown only to those who need it).")
# A registry shelter typed as a free reference would skip its beds, rules and status, and
# a compromised shelter's alarm would miss the people placed there.
REGISTERED_CODE = _(
    "%(code)s is a shelter of the registry: choose it in the list above. A shelter that"
    " is not in the list is full, paused, compromised or closed."
)
NAME_NEEDED = _("Give at least one name, in Cyrillic or Latin letters.")
# How the closing checklist offers to end each kind of running thing.
ENDINGS = {
    RunningKind.PLACEMENT: _("End the placement today"),
    RunningKind.JOURNEY: _("Cancel the journey"),
    RunningKind.TASK: _("Mark the action done"),
}


def date_field(label: Any, *, required: bool = True) -> forms.DateField:
    """A date picked in the browser's calendar. `<input type="date">` takes ISO dates only:
    a date rendered in the page's language (25.11.2026 in Russian) would be dropped."""
    return forms.DateField(
        label=label, required=required, widget=forms.DateInput(DATE, format="%Y-%m-%d")
    )


class LabelledChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A choice among a case's own rows, labelled by a function of the row."""

    def __init__(self, queryset: QuerySet[Any], labels: dict[Any, str], **kwargs: Any) -> None:
        self.labels = labels
        # A required choice starts on the first row (often the only one), not on a blank.
        kwargs.setdefault("empty_label", None if kwargs.get("required", True) else "—")
        super().__init__(queryset=queryset, **kwargs)

    def label_from_instance(self, obj: Model) -> str:
        return self.labels.get(obj.pk, str(obj.pk))


def member_labels(case: Case) -> dict[Any, str]:
    """`1 · Principal · 18–29` for each active member, in the order they joined: no names,
    so a form never shows plaintext."""
    memberships = case.members.filter(left_at__isnull=True).select_related("person")
    return {
        membership.person_id: f"{number} · {membership.get_relation_display()} · "
        f"{membership.person.get_age_band_display()}"
        for number, membership in enumerate(memberships.order_by("joined_at", "id"), start=1)
    }


def _members(case: Case) -> QuerySet[Person]:
    return Person.objects.filter(memberships__case=case, memberships__left_at__isnull=True)


class CaseForm(forms.Form):
    """A form about one case: the case is given to build its choices."""

    # Date fields the page fills with today's date (what happened is usually today).
    TODAY_FIELDS: tuple[str, ...] = ()
    # When the session last confirmed password and second factor (set by the view;
    # break-glass actions such as assigning oneself read it).
    confirmed_at: datetime | None = None

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        self.case = case
        super().__init__(*args, **kwargs)


class PersonForm(forms.Form):
    """The fields of a person that the first conversation usually gives."""

    given_cyrl = forms.CharField(label=_("Given name (Cyrillic)"), max_length=80, required=False)
    patronymic_cyrl = forms.CharField(
        label=_("Patronymic (Cyrillic)"), max_length=80, required=False
    )
    family_cyrl = forms.CharField(label=_("Family name (Cyrillic)"), max_length=80, required=False)
    given_latn = forms.CharField(label=_("Given name (Latin)"), max_length=80, required=False)
    family_latn = forms.CharField(label=_("Family name (Latin)"), max_length=80, required=False)
    address_as = forms.CharField(label=_("How to address them"), max_length=120, required=False)
    date_of_birth = date_field(_("Date of birth"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    other_contact = forms.CharField(
        label=_("Other contact (messenger handle)"), max_length=120, required=False
    )
    location_detail = forms.CharField(
        label=_("Where exactly they are now"), max_length=500, required=False
    )
    languages = forms.CharField(
        label=_("Languages (separated by commas)"), max_length=200, required=False
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
    nationality = PlaceField(label=_("Nationality (country)"), kinds=("country",))
    current_country = PlaceField(
        label=_("Where they are now (city, region or country)"),
        help_text=WHERE_HELP,
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.UNKNOWN)
    age_band = forms.ChoiceField(label=_("Age"), choices=AgeBand.choices, initial=AgeBand.UNKNOWN)
    has_internal_passport = forms.ChoiceField(
        label=_("Has an internal passport"), choices=YES_NO_UNKNOWN, required=False
    )
    has_international_passport = forms.ChoiceField(
        label=_("Has an international passport"), choices=YES_NO_UNKNOWN, required=False
    )

    PERSONAL = (
        "given_cyrl",
        "patronymic_cyrl",
        "family_cyrl",
        "given_latn",
        "family_latn",
        "address_as",
        "phone",
        "other_contact",
        "location_detail",
        "languages",
        "health_needs",
        "protection_needs",
        "narrative",
    )

    def __init__(self, *args: Any, case: Case | None = None, **kwargs: Any) -> None:
        # A new person needs nothing from the case; `case` is accepted like every case form's.
        super().__init__(*args, **kwargs)
        for name in self.PERSONAL:
            self.fields[name].widget.attrs.update(PRIVATE)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        names = ("given_cyrl", "family_cyrl", "given_latn", "family_latn")
        if not any((data.get(name) or "").strip() for name in names):
            raise forms.ValidationError(NAME_NEEDED)
        return data

    def person_input(self) -> PersonInput:
        data = self.cleaned_data
        names = []
        if data["given_cyrl"] or data["family_cyrl"]:
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
        contacts = [
            {"kind": kind, "value": data[name]}
            for kind, name in (("phone", "phone"), ("other", "other_contact"))
            if data[name]
        ]
        languages = [part.strip() for part in data["languages"].split(",") if part.strip()]
        nationality = data["nationality"].country if data["nationality"] else ""
        return PersonInput(
            names=names,
            address_as=data["address_as"] or None,
            date_of_birth=data["date_of_birth"],
            contacts=contacts or None,
            location_detail=with_place(data["location_detail"], data["current_country"]) or None,
            languages=languages or None,
            health_needs=data["health_needs"] or None,
            protection_needs=data["protection_needs"] or None,
            narrative=data["narrative"] or None,
            nationality=nationality or None,
            current_country=data["current_country"].country if data["current_country"] else None,
            sex=Sex(data["sex"]),
            age_band=AgeBand(data["age_band"]),
            has_internal_passport=_yes_no(data["has_internal_passport"]),
            has_international_passport=_yes_no(data["has_international_passport"]),
            # A passport they hold goes into the document register, which the route
            # facts are derived from; a "no" stays a plain fact until one is recorded.
            documents=[
                DocumentInput(kind=kind, issuing_country=nationality)
                for kind, name in (
                    (DocumentKind.INTERNAL_PASSPORT, "has_internal_passport"),
                    (DocumentKind.INTERNATIONAL_PASSPORT, "has_international_passport"),
                )
                if _yes_no(data[name])
            ]
            or None,
        )


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class NewCaseForm(PersonForm):
    region = PlaceCodeField(label=_("Region of danger (a region or city, e.g. Chechnya)"))
    next_action = forms.CharField(
        label=_("Next action"), max_length=500, widget=forms.TextInput(PRIVATE)
    )
    next_action_due = date_field(_("Next action due"))


class AddMemberForm(PersonForm):
    relation = forms.ChoiceField(
        label=_("Relation to the principal"),
        choices=[choice for choice in Relation.choices if choice[0] != Relation.PRINCIPAL],
    )


class MilestoneForm(CaseForm):
    TODAY_FIELDS = ("reached_on",)

    person = forms.ModelChoiceField(queryset=Person.objects.none(), label=_("Person"))
    kind = forms.ChoiceField(label=_("Milestone"), choices=MilestoneKind.choices)
    reached_on = date_field(_("Reached on"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"] = LabelledChoiceField(
            _members(self.case), member_labels(self.case), label=_("Person")
        )


class PhaseForm(CaseForm):
    to = forms.ChoiceField(
        label=_("Move to"), choices=[c for c in Phase.choices if c[0] != Phase.CLOSED]
    )
    setback_reason = forms.ChoiceField(
        label=_("Reason, if this is a step back"),
        choices=[("", "—"), *SETBACK_LABELS.items()],
        required=False,
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.case.version


class RaiseFlagForm(CaseForm):
    flag = forms.ChoiceField(label=_("Flag"), choices=Flag.choices)
    reason = forms.ChoiceField(
        label=_("Why"), choices=list(FLAG_REASON_LABELS.items()), required=False
    )


class ClearFlagForm(CaseForm):
    flag = forms.ChoiceField(label=_("Flag"), choices=())
    reason = forms.ChoiceField(
        label=_("Why"), choices=list(FLAG_REASON_LABELS.items()), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        raised = set(self.case.flags.filter(cleared_at__isnull=True).values_list("flag", flat=True))
        self.fields["flag"].choices = [c for c in Flag.choices if c[0] in raised]  # type: ignore[attr-defined]


class ConsentForm(CaseForm):
    """What the person agreed to, changed by staff: always with a reason."""

    keep = forms.BooleanField(
        label=_("We may keep what they told us, to help them"), required=False, initial=True
    )
    share = forms.ChoiceField(
        label=_("We may share it with governments or organisations that can help"),
        choices=SharingChoice.choices,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Why it changes"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The person's own words, or how they told you. Sealed under the case's key."),
    )


class ReopenForm(CaseForm):
    reason = forms.ChoiceField(label=_("Why"), choices=list(REOPEN_REASON_LABELS.items()))


class EraseRequestForm(CaseForm):
    reason = forms.ChoiceField(label=_("Why"), choices=list(ERASE_REASONS.items()))


class EraseForm(CaseForm):
    confirm = forms.BooleanField(
        label=_(
            "I understand: everything about this case and the requests accepted into it is "
            "deleted for good, and nobody can restore it."
        ),
        required=True,
    )


ASK_APPROVAL = "ask_approval"


class AssignForm(CaseForm):
    staff = forms.ModelChoiceField(queryset=Staff.objects.none(), label=_("Person"))
    lead = forms.TypedChoiceField(
        label=_("As"),
        choices=[("1", _("Lead caseworker")), ("0", _("Team member"))],
        coerce=lambda value: value == "1",
    )
    # Only for assigning oneself: break-glass with a reason, or a second coordinator.
    self_reason = forms.ChoiceField(
        label=_("If you are assigning yourself"),
        help_text=_(
            "Assigning a case to yourself is break-glass: you confirm your password and "
            "second factor, and every coordinator and auditor is alerted. Or ask another "
            "coordinator to approve it, then assign yourself once they have."
        ),
        choices=[
            ("", "—"),
            (ASK_APPROVAL, _("Ask another coordinator to approve")),
            *((code, REVEAL_REASON_LABELS[code]) for code in sorted(REVEAL_REASONS)),
        ],
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = Staff.objects.filter(
            is_active=True, groups__name__in=[Role.CASEWORKER.value, Role.COORDINATOR.value]
        ).distinct()
        field = self.fields["staff"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - declared above
        field.queryset = people.order_by("username")


class UnassignForm(CaseForm):
    staff = forms.ModelChoiceField(queryset=Staff.objects.none(), label=_("Person"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        on_case = Staff.objects.filter(
            pk__in=self.case.assignments.filter(ended_at__isnull=True).values("staff")
        ).order_by("username")
        self.fields["staff"] = LabelledChoiceField(
            on_case, {person.pk: person.username for person in on_case}, label=_("Person")
        )


class RemoveMemberForm(CaseForm):
    person = forms.ModelChoiceField(queryset=Person.objects.none(), label=_("Person"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"] = LabelledChoiceField(
            _members(self.case), member_labels(self.case), label=_("Person")
        )


class LinkForm(CaseForm):
    other = forms.CharField(label=_("Other case's reference"), max_length=20)
    kind = forms.ChoiceField(label=_("Link"), choices=LinkKind.choices)

    def clean_other(self) -> Case:
        ref = normalise_reference("CR", self.cleaned_data["other"])
        other = Case.objects.filter(ref=ref, erased_at__isnull=True).first() if ref else None
        if other is None:
            raise forms.ValidationError(REFERENCE_INVALID)
        return other


class RiskForm(CaseForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in risk.RiskAnswers.names():
            self.fields[name] = forms.BooleanField(label=RISK_ANSWER_LABELS[name], required=False)

    def answers(self) -> risk.RiskAnswers:
        return risk.RiskAnswers(
            **{name: bool(self.cleaned_data[name]) for name in risk.RiskAnswers.names()}
        )


class ProtocolForm(CaseForm):
    person = forms.ModelChoiceField(queryset=Person.objects.none(), label=_("Person"))
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    every_hours = forms.IntegerField(
        label=_("Check in every (hours)"), min_value=1, max_value=24 * 30, initial=24
    )
    safe_hours = forms.CharField(label=_("Safe hours to call"), max_length=200, required=False)
    if_someone_else_answers = forms.CharField(
        label=_("What to say if someone else answers"), max_length=500, required=False
    )
    check_in_word = forms.CharField(label=_("Check-in word"), max_length=40, required=False)
    duress_word = forms.CharField(label=_("Duress word"), max_length=40, required=False)
    portal_counts_as_check_in = forms.BooleanField(
        label=_("A message in their portal thread counts as a check-in"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"] = LabelledChoiceField(
            _members(self.case), member_labels(self.case), label=_("Person")
        )
        for name in ("safe_hours", "if_someone_else_answers", "check_in_word", "duress_word"):
            self.fields[name].widget.attrs.update(PRIVATE)


class CheckInForm(CaseForm):
    person = forms.ModelChoiceField(queryset=Person.objects.none(), label=_("Person"))
    words = forms.CharField(
        label=_("What they wrote or said, if you want it checked for their words (not kept)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(PRIVATE),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"] = LabelledChoiceField(
            _members(self.case), member_labels(self.case), label=_("Person")
        )


class TaskForm(CaseForm):
    title = forms.CharField(label=_("Next action"), max_length=500, widget=forms.TextInput(PRIVATE))
    due_on = date_field(_("Due"))


def task_labels(case: Case) -> dict[Any, str]:
    return {
        task.pk: f"{number} · {_('due')} {task.due_on.isoformat()}"
        for number, task in enumerate(
            case.tasks.filter(done_at__isnull=True).order_by("due_on", "created_at"), start=1
        )
    }


class CompleteTaskForm(CaseForm):
    task = forms.ModelChoiceField(queryset=Task.objects.none(), label=_("Action done"))
    next_title = forms.CharField(
        label=_("Next action (needed when this is the last open one)"),
        max_length=500,
        required=False,
        widget=forms.TextInput(PRIVATE),
    )
    next_due = date_field(_("Next action due"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["task"] = LabelledChoiceField(
            self.case.tasks.filter(done_at__isnull=True),
            task_labels(self.case),
            label=_("Action done"),
        )


class NoteForm(CaseForm):
    body = forms.CharField(
        label=_("Note"), max_length=20_000, widget=forms.Textarea({**PRIVATE, "rows": 10})
    )


class ExpenseForm(CaseForm):
    TODAY_FIELDS = ("spent_on",)

    category = forms.ChoiceField(label=_("Category"), choices=ExpenseCategory.choices)
    amount = forms.CharField(label=_("Amount"), max_length=20)
    currency = forms.CharField(label=_("Currency (e.g. EUR, RUB)"), max_length=3, initial="EUR")
    spent_on = date_field(_("Spent on"))
    funding_source = forms.ModelChoiceField(
        queryset=FundingSource.objects.order_by("code"), label=_("Funding source"), required=False
    )

    def clean_currency(self) -> str:
        currency = str(self.cleaned_data["currency"]).upper()
        if currency not in ISO_4217:
            raise forms.ValidationError(CURRENCY_UNKNOWN)
        return currency

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        currency, raw = data.get("currency"), data.get("amount")
        if currency and raw:
            try:
                amount = Decimal(str(raw).replace(",", ".").replace(" ", ""))
            except InvalidOperation:
                self.add_error("amount", AMOUNT_INVALID)
                return data
            places = minor_unit_exponent(currency)
            minor = amount.scaleb(places)
            if not amount.is_finite() or minor != minor.to_integral_value():
                self.add_error("amount", AMOUNT_DECIMALS % {"currency": currency, "places": places})
                return data
            data["amount_minor"] = int(minor)
        return data


class LabelledMultipleChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """Several of a case's own rows, ticked, labelled by a function of the row."""

    def __init__(self, queryset: QuerySet[Any], labels: dict[Any, str], **kwargs: Any) -> None:
        self.labels = labels
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        super().__init__(queryset=queryset, **kwargs)

    def label_from_instance(self, obj: Model) -> str:
        return self.labels.get(obj.pk, str(obj.pk))


def shelter_labels() -> dict[Any, str]:
    """`SH-04 · Tbilisi · 4 beds` for each shelter open to placements (no address)."""
    return {
        shelter.pk: " · ".join(
            part
            for part in (
                shelter.code_name,
                shelter.city,
                str(
                    ngettext("%(n)s bed", "%(n)s beds", shelter.capacity) % {"n": shelter.capacity}
                ),
            )
            if part
        )
        for shelter in open_shelters()
    }


class PlacementForm(CaseForm):
    """A placement in a registered shelter (its capacity and rules are checked), or, for
    a place not in the registry, a free-text code and an address."""

    TODAY_FIELDS = ("starts_on",)

    shelter = forms.ModelChoiceField(queryset=Shelter.objects.none(), required=False)
    people = forms.ModelMultipleChoiceField(queryset=Person.objects.none(), required=False)
    starts_on = date_field(_("From"))
    ends_on = date_field(_("Until (the morning they leave)"), required=False)
    pets = forms.BooleanField(label=_("They bring pets"), required=False)
    step_free = forms.BooleanField(label=_("Someone needs step-free access"), required=False)
    shelter_ref = forms.CharField(
        label=_("Or, a place not in the registry: its reference (e.g. SH-04)"),
        max_length=20,
        required=False,
    )
    address = forms.CharField(
        label=_("and its address (only coordinators will see it)"),
        max_length=500,
        required=False,
        widget=forms.TextInput(PRIVATE),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["shelter"] = LabelledChoiceField(
            open_shelters(),
            shelter_labels(),
            label=_("Shelter from the registry"),
            required=False,
            empty_label=_("A place not in the registry"),
        )
        self.fields["people"] = LabelledMultipleChoiceField(
            _members(self.case),
            member_labels(self.case),
            label=_("Who stays there (none ticked: everyone in the case)"),
            required=False,
        )
        self.order_fields(
            [
                "shelter",
                "people",
                "starts_on",
                "ends_on",
                "pets",
                "step_free",
                "shelter_ref",
                "address",
            ]
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("shelter") is None:
            ref = str(data.get("shelter_ref") or "").strip()
            if not ref:
                self.add_error("shelter_ref", SHELTER_OR_CODE)
            elif is_registered_code(ref):
                self.add_error("shelter_ref", str(REGISTERED_CODE) % {"code": ref})
            elif not str(data.get("address") or "").strip():
                self.add_error("address", ADDRESS_EMPTY)
        return data


class MovePlacementForm(CaseForm):
    """End a stay and place the same people in another shelter, in one step."""

    TODAY_FIELDS = ("on",)

    placement = forms.ModelChoiceField(queryset=Placement.objects.none(), label=_("Placement"))
    shelter = forms.ModelChoiceField(queryset=Shelter.objects.none())
    on = date_field(_("Moving on"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["placement"] = LabelledChoiceField(
            running_placements(self.case), placement_labels(self.case), label=_("Placement")
        )
        self.fields["shelter"] = LabelledChoiceField(
            open_shelters(), shelter_labels(), label=_("To the shelter")
        )


def running_placements(case: Case) -> QuerySet[Placement]:
    """Stays not ended yet: open-ended, or ending today or later."""
    return case.placements.filter(Q(ends_on__isnull=True) | Q(ends_on__gt=clock.today()))


def placement_labels(case: Case) -> dict[Any, str]:
    return {
        placement.pk: f"{placement.shelter_ref} · {placement.starts_on.isoformat()}"
        for placement in running_placements(case)
    }


class EndPlacementForm(CaseForm):
    TODAY_FIELDS = ("ends_on",)

    placement = forms.ModelChoiceField(queryset=Placement.objects.none(), label=_("Placement"))
    ends_on = date_field(_("Ended on"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["placement"] = LabelledChoiceField(
            running_placements(self.case),
            placement_labels(self.case),
            label=_("Placement"),
        )


class LegForm(CaseForm):
    TODAY_FIELDS = ("travel_on",)

    kind = forms.ChoiceField(label=_("Journey"), choices=LegKind.choices)
    from_place = PlaceCodeField(
        label=_("From (a city, region or country, e.g. Grozny)"), required=True
    )
    to_place = PlaceCodeField(
        label=_("To (a city, region or country, e.g. Tbilisi)"), required=True
    )
    mode = forms.ChoiceField(label=_("Travel by"), choices=TravelMode.choices)
    travel_on = date_field(_("Travel date"))
    itinerary = forms.CharField(
        label=_("Itinerary (times, numbers, meeting points)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(PRIVATE),
    )
    completed = forms.BooleanField(
        label=_("It has happened: record it as completed on the travel date"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The next journey usually starts where the last one ended, or in the case's region.
        last = self.case.legs.filter(cancelled_on__isnull=True).order_by("-travel_on").first()
        start = last.to_place if last is not None else self.case.region
        if start:
            self.initial.setdefault("from_place", start)


def leg_labels(case: Case) -> dict[Any, str]:
    return {
        leg.pk: f"{leg.from_place} → {leg.to_place} · {leg.travel_on.isoformat()}"
        for leg in case.legs.filter(completed_on__isnull=True, cancelled_on__isnull=True)
    }


class CompleteLegForm(CaseForm):
    TODAY_FIELDS = ("on",)

    leg = forms.ModelChoiceField(queryset=TravelLeg.objects.none(), label=_("Journey"))
    on = date_field(_("Completed on"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["leg"] = LabelledChoiceField(
            self.case.legs.filter(completed_on__isnull=True, cancelled_on__isnull=True),
            leg_labels(self.case),
            label=_("Journey"),
        )


class RaiseIncidentForm(CaseForm):
    kind = forms.ChoiceField(
        label=_("What happened"),
        choices=[c for c in IncidentKind.choices if c[0] != IncidentKind.MISSED_CHECK_IN],
    )
    person = forms.ModelChoiceField(queryset=Person.objects.none(), label=_("Person"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"] = LabelledChoiceField(
            _members(self.case), member_labels(self.case), label=_("Person"), required=False
        )


class StepForm(forms.Form):
    step = forms.ChoiceField(choices=[(step, step) for step in CHECKLIST])


class SkipStepForm(StepForm):
    reason = forms.CharField(
        label=_("Skipped, because"),
        max_length=2000,
        widget=forms.TextInput(PRIVATE),
    )


class CloseIncidentForm(forms.Form):
    outcome = forms.CharField(
        label=_("What came of it"),
        max_length=2000,
        widget=forms.Textarea({**PRIVATE, "rows": 3}),
        help_text=_("Stored encrypted; shown to those who open the case for work."),
    )


class OpenForWorkForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why you are opening a case not assigned to you"),
        choices=[
            ("", "—"),
            *((code, REVEAL_REASON_LABELS[code]) for code in sorted(REVEAL_REASONS)),
        ],
        required=False,
    )


class FindCaseForm(forms.Form):
    ref = forms.CharField(label=_("Case reference"), max_length=20)

    def clean_ref(self) -> str:
        ref = normalise_reference("CR", self.cleaned_data["ref"])
        if ref is None:
            raise forms.ValidationError(REFERENCE_INVALID)
        return ref


class AlertReviewForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            ("expected", _("Explained by their work")),
            ("questioned", _("Questioned: follow up")),
        ],
    )


class ExchangeRateForm(forms.Form):
    currency = forms.CharField(label=_("Currency"), max_length=3)
    per_unit = forms.DecimalField(
        label=_("Reporting-currency minor units per minor unit"),
        max_digits=18,
        decimal_places=8,
        min_value=Decimal("0.00000001"),
    )
    as_of = date_field(_("From this date"))


class FundingSourceForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=120)


def _reason_field() -> forms.CharField:
    return forms.CharField(
        label=_("Why (what was recorded by mistake)"),
        max_length=2000,
        widget=forms.Textarea({**PRIVATE, "rows": 3}),
        help_text=_("Stored encrypted with the correction; the timeline shows the correction."),
    )


def milestone_labels(case: Case) -> dict[Any, str]:
    """`1 · Principal · 18–29 · Left the country · 2026-11-02` for each of the case's
    milestones: no names."""
    people = member_labels(case)
    return {
        milestone.pk: f"{people.get(milestone.person_id, '?')} · "
        f"{milestone.get_kind_display()} · {milestone.reached_on.isoformat()}"
        for milestone in case.milestones.order_by("reached_on", "id")
    }


class _MilestoneChoiceForm(CaseForm):
    milestone = forms.ModelChoiceField(queryset=Milestone.objects.none(), label=_("Milestone"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["milestone"] = LabelledChoiceField(
            self.case.milestones.order_by("reached_on", "id"),
            milestone_labels(self.case),
            label=_("Milestone"),
        )
        self.order_fields(["milestone"])


class CorrectMilestoneForm(_MilestoneChoiceForm):
    reached_on = date_field(_("The date it really happened"))
    reason = _reason_field()


class RetractMilestoneForm(_MilestoneChoiceForm):
    reason = _reason_field()


class CloseForm(CaseForm):
    """The closing checklist: a closure reason, and for each thing still running, end it
    now or keep it running with the reason why (`do_<key>`, `why_<key>`)."""

    reason = forms.ChoiceField(label=_("Closure reason"), choices=ClosureReason.choices)
    sharing_confirmed = forms.BooleanField(
        label=_(
            "Referred to a partner: the person agreed to this sharing when we asked them "
            "(they asked to be asked first)"
        ),
        required=False,
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.case.version
        self.applications = list_running_applications(self.case.pk)
        self.items = [*list_running(self.case), *self.applications]
        self.protocols = list_protocols_of_case(self.case).count()
        for item in self.items:
            choices = [("keep", _("Keep it running"))]
            if item.endable:
                choices.insert(0, ("end", ENDINGS[item.kind]))
            self.fields[f"do_{item.key}"] = forms.ChoiceField(
                label=item.label, choices=choices, required=False, widget=forms.RadioSelect
            )
            self.fields[f"why_{item.key}"] = forms.CharField(
                label=_("Kept running, because"),
                max_length=2000,
                required=False,
                widget=forms.TextInput(PRIVATE),
            )

    def rows(self) -> list[tuple[RunningItem, forms.BoundField, forms.BoundField]]:
        """Each running thing with its two fields, for the checklist's table."""
        return [(item, self[f"do_{item.key}"], self[f"why_{item.key}"]) for item in self.items]

    def dispositions(self) -> dict[str, Disposition]:
        data = self.cleaned_data
        chosen = {}
        for item in self.items:
            why = data.get(f"why_{item.key}", "")
            choice = data.get(f"do_{item.key}", "")
            if choice == "end" or ((choice == "keep" or not choice) and why.strip()):
                chosen[item.key] = Disposition(end=choice == "end", reason=why)
        return chosen
