"""The catalog in the database: each entry's versions, who made each one and when.

Versions are never changed or deleted: an edit is a new version, so the history
of every route (and who changed it) stays readable. No personal data lives here.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from corridor.core import clock
from corridor.core.exceptions import AppendOnlyViolation
from corridor.core.models import AppendOnlyModel, AppendOnlyQuerySet, UUIDModel
from corridor.pathways.vocabulary import EntryKind
from corridor.vault.fields import DataKeyField, EncryptedTextField


class VersionImmutable(AppendOnlyViolation):
    """A catalog version or export record cannot be changed or deleted once written."""


class _CatalogHistory(AppendOnlyModel):
    append_only_error = VersionImmutable
    append_only_message = "catalog history is append-only"

    class Meta:
        abstract = True


class CatalogEntry(models.Model):
    """A route or transit country by its catalog id; its content lives in its versions."""

    id = models.CharField(primary_key=True, max_length=60)
    kind = models.CharField(
        max_length=10, choices=[(kind.value, kind.name.title()) for kind in EntryKind]
    )
    created_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return self.id


class Origin(models.TextChoices):
    FILE = "file"  # `corridor pathways load` from the reviewed YAML files
    ADMIN = "admin"  # an edit in the admin interface


class CatalogVersion(_CatalogHistory):
    """One reviewed state of an entry: what it said, where it came from, who made it, when."""

    entry = models.ForeignKey(CatalogEntry, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    origin = models.CharField(max_length=10, choices=Origin.choices)
    # Canonical JSON of the validated entry (sorted keys), and its SHA-256: text, not a
    # JSONField, so the stored form is exactly what was hashed.
    content = models.TextField()
    content_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=clock.now)
    created_by = models.CharField(max_length=200)  # the actor id, e.g. staff:7
    # A file load that replaced a newer admin edit (`load --force`).
    replaced_admin_edit = models.BooleanField(default=False)

    objects: ClassVar[models.Manager[CatalogVersion]] = AppendOnlyQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "number"], name="pathways_version_number"),
        ]
        ordering = ["entry_id", "number"]

    def __str__(self) -> str:
        return f"{self.entry_id} v{self.number} ({self.origin})"


class CatalogExport(_CatalogHistory):
    """An admin edit written back to the YAML files, so a later load knows the files have it."""

    version = models.ForeignKey(CatalogVersion, on_delete=models.PROTECT, related_name="exports")
    exported_at = models.DateTimeField(default=clock.now)
    exported_by = models.CharField(max_length=200)

    objects: ClassVar[models.Manager[CatalogExport]] = AppendOnlyQuerySet.as_manager()

    def __str__(self) -> str:
        return f"export of {self.version}"


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    INTERVIEW = "interview", _("Interview")
    DOCUMENTS_REQUESTED = "documents_requested", _("Documents requested")
    GRANTED = "granted", _("Granted")
    DENIED = "denied", _("Denied")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    APPEALED = "appealed", _("Appealed")


# The status groups every screen and report counts by: waiting for a decision, decided.
APPLICATION_WAITING = frozenset(
    {
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.INTERVIEW,
        ApplicationStatus.DOCUMENTS_REQUESTED,
        ApplicationStatus.APPEALED,
    }
)
APPLICATION_DECIDED = frozenset({ApplicationStatus.GRANTED, ApplicationStatus.DENIED})


class DenialReason(models.TextChoices):
    NO_LEGAL_BASIS = "no_legal_basis", _("No legal basis")
    INSUFFICIENT_EVIDENCE = "insufficient_evidence", _("Insufficient evidence")
    INCOMPLETE_DOCUMENTS = "incomplete_documents", _("Documents incomplete")
    DISCRETION = "discretion", _("Discretion, no reason given")
    SECURITY = "security", _("Security grounds")
    RETURN_DOUBTED = "return_doubted", _("Return doubted")
    OTHER = "other", _("Other")


class SlotAgreement(models.Model):
    """Places an authority agreed to process for the organisation (negotiated slots)."""

    route_id = models.CharField(max_length=60)
    authority = models.CharField(max_length=120)
    places = models.PositiveIntegerField()
    valid_from = models.DateField()
    valid_until = models.DateField()
    created_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"{self.places} places at {self.authority}"


class Application(UUIDModel):
    """One application on one route for a case (a case may pursue several at once).

    Plain: route, country, authority, status and dates, which the board and reports
    read. Sealed under the case's key: the authority's reference number, which
    identifies the person to anyone holding the authority's files.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="applications")
    route_id = models.CharField(max_length=60, db_index=True)
    country = models.CharField(max_length=2)
    authority = models.CharField(max_length=120)
    key_id = DataKeyField()
    reference_number = EncryptedTextField(key_field="key_id")
    people = models.ManyToManyField("people.Person", related_name="applications")
    status = models.CharField(
        max_length=20, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT
    )
    submitted_on = models.DateField(null=True, blank=True)
    decided_on = models.DateField(null=True, blank=True)
    denial_reason = models.CharField(max_length=30, choices=DenialReason.choices, blank=True)
    deadline = models.DateField(null=True, blank=True)
    slot = models.ForeignKey(
        SlotAgreement, on_delete=models.PROTECT, null=True, blank=True, related_name="applications"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [
            models.Index(fields=["status", "country"]),
            # The reports' per-lane counts read only these columns: a scan of this index
            # instead of the table (see reports.selectors.applications).
            models.Index(
                fields=[
                    "country",
                    "route_id",
                    "status",
                    "denial_reason",
                    "submitted_on",
                    "decided_on",
                ],
                name="application_lane_counts",
            ),
            # Decisions in a period, with what the processing days need beside them.
            models.Index(
                fields=["status", "decided_on", "country", "route_id", "submitted_on"],
                name="application_decisions",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.route_id} {self.status}"


class ApplicationStep(models.Model):
    """The status timeline: each status an application reached, and when."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="steps")
    status = models.CharField(max_length=20, choices=ApplicationStatus.choices)
    on = models.DateField()
    recorded_by = models.CharField(max_length=100)
    recorded_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return f"{self.status} {self.on}"


class RoutePause(models.Model):
    """The organisation stopped using a route for now (e.g. the embassy stopped taking
    appointments), with a reason staff can read; matching closes the route while it holds."""

    route_id = models.CharField(max_length=60, db_index=True)
    reason = models.CharField(max_length=300)
    paused_by = models.CharField(max_length=100)
    paused_at = models.DateTimeField(default=clock.now)
    resumed_by = models.CharField(max_length=100, blank=True)
    resumed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.route_id} paused"


class RouteNote(models.Model):
    """A dated note on a route from the organisation's experience. Organisational knowledge
    only: the form says never to write about a person here."""

    route_id = models.CharField(max_length=60, db_index=True)
    text = models.TextField(max_length=2000)
    author = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"note on {self.route_id}"


class ChosenPlan(models.Model):
    """The plan a caseworker chose for a case: a route on its own, or a transit country and
    then a route. Stored (plans are computed from sealed facts), so a route change can name
    the cases whose chosen plan it touches without opening anyone's facts. One plan is
    current per case; choosing another ends it, and the history stays."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="chosen_plans")
    route_id = models.CharField(max_length=60, db_index=True)
    transit_id = models.CharField(max_length=60, blank=True)  # "": the route on its own
    chosen_by = models.CharField(max_length=100)
    chosen_at = models.DateTimeField(default=clock.now)
    ended_by = models.CharField(max_length=100, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(ended_at__isnull=True),
                name="pathways_one_current_plan",
            ),
        ]

    def __str__(self) -> str:
        return "+".join(self.route_ids)

    @property
    def route_ids(self) -> tuple[str, ...]:
        """The plan as the matcher names it: (transit, route) or (route,)."""
        return (self.transit_id, self.route_id) if self.transit_id else (self.route_id,)
