"""Input validation for a case's applications on routes; nothing else happens here.

The route is chosen among the routes of the catalog in force, the people and the
application among this case's own rows, so an id from elsewhere is refused at the
edge as an invalid choice. The reference number identifies the person to the
authority: its field is never remembered by the browser.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from corridor.core import clock
from corridor.core.exceptions import CorridorError
from corridor.pathways import selectors
from corridor.pathways.models import Application, ApplicationStatus, DenialReason, SlotAgreement
from corridor.pathways.schema import Route, Transit
from corridor.people.models import Person
from corridor.web.case_forms import (
    CaseForm,
    LabelledChoiceField,
    date_field,
    member_labels,
)
from corridor.web.form_attrs import PRIVATE

NO_PEOPLE = _("Choose at least one person the application is for.")


def route_choices(lang: str) -> list[tuple[str, str]]:
    """The routes of the catalog in force as (id, "id · name"), by id; none before a load."""
    try:
        entries = selectors.list_current_entries()
    except CorridorError:
        return []
    return sorted(
        (entry.id, f"{entry.id} · {entry.name.ru if lang == 'ru' else entry.name.en}")
        for entry in entries
        if isinstance(entry, Route)
    )


def transit_choices(lang: str) -> list[tuple[str, str]]:
    """The transit countries of the catalog in force, after "none" (a route on its own)."""
    try:
        entries = selectors.list_current_entries()
    except CorridorError:
        entries = []
    transits = sorted(
        (entry.id, f"{entry.id} · {entry.name.ru if lang == 'ru' else entry.name.en}")
        for entry in entries
        if isinstance(entry, Transit)
    )
    return [("", str(_("None: the route on its own"))), *transits]


def application_labels(applications: list[Application]) -> dict[Any, str]:
    return {
        application.pk: f"{application.route_id} · {application.authority} · "
        f"{application.get_status_display()}"
        for application in applications
    }


class PeopleField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """Several of the case's people, labelled without names (see `member_labels`)."""

    def __init__(self, labels: dict[Any, str], **kwargs: Any) -> None:
        self.labels = labels
        super().__init__(queryset=Person.objects.filter(pk__in=labels.keys()), **kwargs)

    def label_from_instance(self, obj: Person) -> str:
        return self.labels.get(obj.pk, str(obj.pk))


class StartApplicationForm(CaseForm):
    TODAY_FIELDS = ("started_on",)

    route = forms.ChoiceField(label=_("Route"))
    authority = forms.CharField(
        label=_("Authority or embassy"), max_length=120, widget=forms.TextInput(PRIVATE)
    )
    people = forms.ModelMultipleChoiceField(queryset=Person.objects.none(), label=_("For whom"))
    reference_number = forms.CharField(
        label=_("The authority's reference number, if there is one yet"),
        max_length=120,
        required=False,
        widget=forms.TextInput(PRIVATE),
    )
    deadline = date_field(_("Deadline (becomes a next action)"), required=False)
    started_on = date_field(_("Started on"))
    submitted = forms.BooleanField(
        label=_("Already handed in: record it as submitted on the start date"), required=False
    )
    slot = forms.ModelChoiceField(queryset=SlotAgreement.objects.none(), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lang = (get_language() or "en")[:2]
        self.fields["route"] = forms.ChoiceField(label=_("Route"), choices=route_choices(lang))
        labels = member_labels(self.case)
        self.fields["people"] = PeopleField(
            labels,
            label=_("For whom"),
            error_messages={"required": NO_PEOPLE},
            # Most applications are for the whole household.
            initial=list(labels.keys()),
        )
        slots = [
            (slot, taken)
            for slot, taken in selectors.list_slot_agreements(valid_on=clock.today())
            if taken < slot.places
        ]
        self.fields["slot"] = LabelledChoiceField(
            SlotAgreement.objects.filter(pk__in=[slot.pk for slot, _ in slots]),
            {
                slot.pk: f"{slot.route_id} · {slot.authority} · "
                f"{slot.places - taken}/{slot.places} · {slot.valid_until.isoformat()}"
                for slot, taken in slots
            },
            label=_("Negotiated place (an agreement with places left)"),
            required=False,
        )


class ChoosePlanForm(CaseForm):
    """The plan chosen for the case: a route, reached directly or through a transit country
    (the routes panel's "Choose this plan" posts both)."""

    route = forms.ChoiceField(label=_("Route"))
    transit = forms.ChoiceField(label=_("Through"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lang = (get_language() or "en")[:2]
        self.fields["route"] = forms.ChoiceField(label=_("Route"), choices=route_choices(lang))
        self.fields["transit"] = forms.ChoiceField(
            label=_("Through"), choices=transit_choices(lang), required=False
        )

    def route_ids(self) -> tuple[str, ...]:
        data = self.cleaned_data
        return (data["transit"], data["route"]) if data["transit"] else (data["route"],)


class _OneApplicationForm(CaseForm):
    """A change to one of the case's applications, refused if someone else changed it
    since the page was opened (the version of the application the page was opened for)."""

    application = forms.ModelChoiceField(queryset=Application.objects.none())
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    version_of = forms.CharField(widget=forms.HiddenInput, required=False)

    def choose_among(self, applications: list[Application], label: Any) -> None:
        self.fields["application"] = LabelledChoiceField(
            self.case.applications.filter(pk__in=[a.pk for a in applications]),
            application_labels(applications),
            label=label,
        )
        chosen = str(self.initial.get("application") or "")
        shown = next((a for a in applications if str(a.pk) == chosen), None)
        if shown is not None:
            self.initial.update(version=shown.version, version_of=str(shown.pk))
        self.order_fields(["application"])

    def expected_version(self) -> int | None:
        """The version to check, if the page was opened for the application chosen."""
        data = self.cleaned_data
        if data.get("version_of") == str(data["application"].pk):
            version: int | None = data.get("version")
            return version
        return None


class ApplicationStatusForm(_OneApplicationForm):
    TODAY_FIELDS = ("on",)

    status = forms.ChoiceField(
        label=_("What happened"),
        choices=[c for c in ApplicationStatus.choices if c[0] != ApplicationStatus.DRAFT],
    )
    on = date_field(_("On"))
    denial_reason = forms.ChoiceField(
        label=_("Why it was denied (for a denial)"),
        choices=[("", "—"), *DenialReason.choices],
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choose_among(list(self.case.applications.order_by("created_at")), _("Application"))


class RetractStatusForm(_OneApplicationForm):
    """Withdraw an application's last status, recorded by mistake."""

    reason = forms.CharField(
        label=_("Why (what was recorded by mistake)"),
        max_length=2000,
        widget=forms.Textarea({**PRIVATE, "rows": 3}),
        help_text=_("Stored encrypted with the correction; the timeline shows the correction."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choose_among(
            [a for a in self.case.applications.order_by("created_at") if a.steps.count() > 1],
            _("Application (its last status is withdrawn)"),
        )
