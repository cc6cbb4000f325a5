"""Cases and everything that hangs off them.

A case is a household or a group travelling together. Personal text (notes,
tasks, risk answers, addresses, itineraries) is sealed under the case's data key;
plain columns hold only codes, dates, counts and amounts, which is what
dashboards and reports read without a key.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from corridor.core import clock
from corridor.core.models import UUIDModel
from corridor.people.models import Person
from corridor.vault.fields import DataKeyField, EncryptedJSONField, EncryptedTextField


class Phase(models.TextChoices):
    INTAKE = "intake", _("Intake")
    VERIFICATION = "verification", _("Verification")
    SAFETY = "safety", _("Safety")
    PREPARATION = "preparation", _("Preparation")
    DEPARTURE = "departure", _("Departure")
    ARRIVED = "arrived", _("Arrived")
    FOLLOW_UP = "follow_up", _("Follow-up")
    CLOSED = "closed", _("Closed")


class Flag(models.TextChoices):
    DETAINED = "detained", _("Detained")
    MISSING = "missing", _("Missing")
    ON_HOLD = "on_hold", _("On hold")
    COMPROMISED = "compromised", _("Compromised")


class ClosureReason(models.TextChoices):
    SAFE = "safe", _("Safe")
    SELF_RELOCATED = "self_relocated", _("Relocated on their own")
    REFERRED_OUT = "referred_out", _("Referred to another organisation")
    RETURNED_HOME = "returned_home", _("Returned home")
    DECEASED = "deceased", _("Deceased")
    LOST_CONTACT = "lost_contact", _("Contact lost")
    WITHDRAWN = "withdrawn", _("Withdrew")
    DECLINED = "declined", _("Declined")


class MilestoneKind(models.TextChoices):
    OUT_OF_REGION = "out_of_region", _("Out of the danger region")
    SAFE_PLACE = "safe_place", _("In a safe place")
    DOCUMENTS_READY = "documents_ready", _("Documents ready")
    VISA_GRANTED = "visa_granted", _("Visa or permit granted")
    LEFT_COUNTRY = "left_country", _("Left the country")
    ARRIVED = "arrived", _("Arrived")
    STATUS_OBTAINED = "status_obtained", _("Status obtained")


class RiskLevel(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class Relation(models.TextChoices):
    PRINCIPAL = "principal", _("Principal")
    PARTNER = "partner", _("Partner")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    SIBLING = "sibling", _("Sibling")
    OTHER = "other", _("Other")


class LinkKind(models.TextChoices):
    SAME_FAMILY = "same_family", _("Same family")
    SAME_SHELTER = "same_shelter", _("Same shelter")
    TRAVELLING_TOGETHER = "travelling_together", _("Travelling together")
    SAME_THREAT_ACTOR = "same_threat_actor", _("Same threat actor")


class Case(UUIDModel):
    """A household or travelling group. `version` rises with every change, so a stale
    form is refused instead of overwriting someone else's work."""

    ref = models.CharField(max_length=12, unique=True)
    key_id = DataKeyField()
    phase = models.CharField(max_length=20, choices=Phase.choices, default=Phase.INTAKE)
    phase_changed_at = models.DateTimeField(default=clock.now)
    closure_reason = models.CharField(max_length=20, choices=ClosureReason.choices, blank=True)
    opened_at = models.DateTimeField(default=clock.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    reopened_count = models.PositiveIntegerField(default=0)
    risk_level = models.CharField(max_length=10, choices=RiskLevel.choices, blank=True)
    risk_score = models.PositiveIntegerField(null=True, blank=True)
    # Where the danger is, as a coarse ISO 3166-2 code (e.g. RU-CE): reports group by it.
    region = models.CharField(max_length=8, blank=True)
    version = models.PositiveIntegerField(default=1)
    erased_at = models.DateTimeField(null=True, blank=True)
    # Who leads the case now. CaseAssignment is the record (keyd reads it); the assignment
    # service keeps this copy beside it in the same transaction, so the board counts
    # workload and finds unassigned cases from an index instead of a join.
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )

    class Meta:
        indexes = [
            models.Index(fields=["phase"]),
            models.Index(fields=["risk_level"]),
            # What reports read of a case they reach from a milestone, in one index: on SQLite
            # the uuid key is an index beside the table, and this saves the table read once
            # the database has statistics (the nightly core.analyze_database).
            models.Index(fields=["id", "risk_level", "opened_at"], name="case_report_columns"),
            # Open cases only: the board counts and weighs them without reading the years
            # of closed ones.
            models.Index(
                fields=["phase", "lead"],
                condition=Q(erased_at__isnull=True) & ~Q(phase="closed"),
                name="case_open",
            ),
            models.Index(
                fields=["risk_score", "opened_at"],
                condition=Q(erased_at__isnull=True, lead__isnull=True) & ~Q(phase="closed"),
                name="case_unassigned",
            ),
            # Open cases by lead: the board's workload counts one person's leads with a
            # short range read each, instead of grouping every open case by lead. The phase
            # is in it because the phase test arrives as a bound parameter, which SQLite
            # cannot match to the index's condition: without it each row is read as well.
            models.Index(
                fields=["lead", "phase"],
                condition=Q(erased_at__isnull=True, lead__isnull=False) & ~Q(phase="closed"),
                name="case_led",
            ),
        ]

    def __str__(self) -> str:
        return self.ref


class CaseAssignment(models.Model):
    """Who works on a case. keyd reads this table (through a read-only role) before it
    hands out the case's key."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    lead = models.BooleanField(default=True)
    assigned_at = models.DateTimeField(default=clock.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["staff"], condition=Q(ended_at__isnull=True, lead=False), name="team_member"
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(ended_at__isnull=True, lead=True), name="one_lead"
            ),
            models.UniqueConstraint(
                fields=["case", "staff"],
                condition=Q(ended_at__isnull=True),
                name="one_active_assignment_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff_id} on {self.case_id}"


class CaseReveal(models.Model):
    """Break-glass: a coordinator opened a case they are not assigned to, with a reason code."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reveals")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=40)
    revealed_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"reveal of {self.case_id}"


class CaseOpening(models.Model):
    """A case opened for work: its sealed fields show to one person, in one browser session,
    for ten minutes. Openings per person per hour are what the insider alert counts."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="openings")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # A keyed hash of the session key, never the key: the key itself logs a browser in.
    session = models.CharField(max_length=64)
    reason = models.CharField(max_length=40, blank=True)
    opened_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["staff", "opened_at"])]

    def __str__(self) -> str:
        return f"opening of {self.case_id}"


class WorkWindow(models.Model):
    """How long an assigned person's opening may be kept open by working on the case, as a
    coordinator set it (the latest row counts; none set means the default). Never above
    the ceiling in cases/services/openings.py, whatever a row says."""

    minutes = models.PositiveIntegerField()
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"work window of {self.minutes} minutes"


class InsiderAlert(UUIDModel):
    """A person opened more cases within an hour than the threshold allows.

    Their next openings need a fresh password and second factor until a
    coordinator reviews the alert; coordinators and auditors see a banner.
    """

    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(default=clock.now)
    openings = models.PositiveIntegerField()
    threshold = models.PositiveIntegerField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_outcome = models.CharField(max_length=20, blank=True)

    class Meta:
        indexes = [models.Index(fields=["staff", "raised_at"])]

    def __str__(self) -> str:
        return f"insider alert {self.pk}"


class CaseMember(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships")
    relation = models.CharField(max_length=20, choices=Relation.choices)
    joined_at = models.DateTimeField(default=clock.now)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(left_at__isnull=True), name="one_active_case"
            )
        ]
        indexes = [
            # Who is in a case now, counted from the index alone (the board's journeys, the
            # dashboard's households) without reading the rows of people who left.
            models.Index(fields=["case"], condition=Q(left_at__isnull=True), name="member_present")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} in {self.case_id}"


class CaseLink(models.Model):
    """A link between two cases (stored once, lower id first). Only coordinators see links:
    a wife who must not learn of her husband's case is a separate case."""

    case_a = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    case_b = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30, choices=LinkKind.choices)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case_a", "case_b", "kind"], name="one_link_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.kind} link"


class Milestone(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="milestones")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="milestones")
    kind = models.CharField(max_length=20, choices=MilestoneKind.choices)
    reached_on = models.DateField()
    recorded_at = models.DateTimeField(default=clock.now)
    # Days since the same person reached the step before this one (stages.MILESTONE_ORDER),
    # null while they have not. Kept by progress.recount_step_days (after every recorded
    # step, and after an erasure deletes some), so the report's days between steps is one
    # grouped count instead of a lookup of every person's earlier step.
    days_after_previous = models.IntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "kind"], name="one_milestone_per_kind")
        ]
        # Reports count one kind of milestone at a time, often in a period, with the days
        # since the step before: a search of this index instead of a table scan.
        indexes = [
            models.Index(
                fields=["kind", "reached_on", "days_after_previous"], name="milestone_reached"
            ),
            # The days from a case's opening: each milestone looks up its case in case order,
            # so the lookups walk the case index instead of jumping about it. It holds every
            # column the reports read, as milestone_reached does, so whichever of the two
            # the planner takes, it never reads the table.
            models.Index(
                fields=["kind", "case", "reached_on", "days_after_previous"],
                name="milestone_per_case",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.reached_on}"


class CaseFlag(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="flags")
    flag = models.CharField(max_length=20, choices=Flag.choices)
    raised_at = models.DateTimeField(default=clock.now)
    raised_by = models.CharField(max_length=100)
    reason = models.CharField(max_length=40, blank=True)
    cleared_at = models.DateTimeField(null=True, blank=True)
    cleared_by = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "flag"], condition=Q(cleared_at__isnull=True), name="one_open_flag"
            )
        ]

    def __str__(self) -> str:
        return self.flag


class RiskAssessment(UUIDModel):
    """A questionnaire and its result. The answers and the reasons are sealed (they say who
    hunts the person and why); the score and level are plain for dashboards."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assessments")
    key_id = DataKeyField()
    answers = EncryptedJSONField(key_field="key_id")
    reasons = EncryptedJSONField(key_field="key_id")
    score = models.PositiveIntegerField()
    level = models.CharField(max_length=10, choices=RiskLevel.choices)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.level} ({self.score})"


class IncidentKind(models.TextChoices):
    MISSED_CHECK_IN = "missed_check_in", _("Missed check-in")
    DURESS = "duress", _("Duress word")
    DETAINED = "detained", _("Detained")
    MISSING = "missing", _("Missing")
    RAID = "raid", _("Safe house raided")
    SHELTER_COMPROMISED = "shelter_compromised", _("Shelter compromised: relocate")
    OTHER = "other", _("Other")


class Incident(UUIDModel):
    """Something that may mean a person is in danger now. The checklist is codes and times."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="incidents")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, related_name="+")
    kind = models.CharField(max_length=20, choices=IncidentKind.choices)
    opened_by = models.CharField(max_length=100)
    checklist = models.JSONField(default=list)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The audit event that closed it: its sealed reason note holds the outcome.
    outcome_event = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["closed_at"])]

    def __str__(self) -> str:
        return self.kind


class Task(UUIDModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    key_id = DataKeyField()
    title = EncryptedTextField(key_field="key_id")
    due_on = models.DateField()
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["done_at", "due_on"])]

    def __str__(self) -> str:
        return f"task due {self.due_on}"


class Note(UUIDModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    key_id = DataKeyField()
    body = EncryptedTextField(key_field="key_id")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"note {self.pk}"


class TimelineEntry(models.Model):
    """One line of a case's history, written by any app through cases.services.timeline.
    Codes and ids only: the timeline is shown to everyone who sees the case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField(default=clock.now)
    kind = models.CharField(max_length=60)
    actor = models.CharField(max_length=100)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["case", "at"])]
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.kind


class ExpenseCategory(models.TextChoices):
    SOCIAL_WORK = "social_work", _("Social work")
    TRAVEL_IN_COUNTRY = "travel_in_country", _("Travel in the country")
    VISAS_AND_DEPARTURE = "visas_and_departure", _("Visas and departure")
    HOUSING = "housing", _("Housing")
    FOOD = "food", _("Food")
    MEDICAL = "medical", _("Medical")
    PSYCHOLOGICAL = "psychological", _("Psychological")
    DOCUMENTS = "documents", _("Documents")
    LEGAL = "legal", _("Legal")
    OTHER = "other", _("Other")


class FundingSource(models.Model):
    """A grant or donor an expense is charged to (no personal data)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)

    def __str__(self) -> str:
        return self.code


class ExchangeRate(models.Model):
    """How many minor units of the reporting currency one unit of `currency` was worth on
    `as_of`, as an administrator set it."""

    currency = models.CharField(max_length=3)
    per_unit = models.DecimalField(max_digits=18, decimal_places=8)
    as_of = models.DateField()
    set_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["currency", "as_of"], name="one_rate_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.as_of}"


class Expense(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="expenses")
    category = models.CharField(max_length=30, choices=ExpenseCategory.choices)
    amount_minor = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    spent_on = models.DateField()
    funding_source = models.ForeignKey(
        FundingSource, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    amount_reporting_minor = models.PositiveBigIntegerField()
    rate = models.ForeignKey(ExchangeRate, on_delete=models.PROTECT, null=True, related_name="+")
    recorded_at = models.DateTimeField(default=clock.now)

    class Meta:
        # Costs per person read each case's spending per category and source: in this
        # index's order the database sums them without reading the table or sorting.
        indexes = [
            models.Index(
                fields=["case", "category", "funding_source", "spent_on", "amount_reporting_minor"],
                name="expense_per_case",
            )
        ]

    def __str__(self) -> str:
        return f"{self.amount_minor} {self.currency}"


class Placement(UUIDModel):
    """A stay in a safe place. The shelter is a reference code; the address is sealed.

    A placement in a registered shelter names it by `shelter_id` (a plain id: cases never
    imports shelters) and carries no address of its own ("-": the shelter's is sealed under
    the shelter's key). `people` stay there, `beds` counts them; an older placement made
    from a free-text code has neither and counts as one bed. Nights
    before `charged_until` are in the case's expenses; `ends_on` is the morning of leaving
    (the last night is the one before)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="placements")
    key_id = DataKeyField()
    shelter_ref = models.CharField(max_length=20)
    address = EncryptedTextField(key_field="key_id")
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    shelter_id = models.UUIDField(null=True, blank=True, db_index=True)
    people = models.ManyToManyField(Person, blank=True, related_name="+")
    beds = models.PositiveSmallIntegerField(default=0)
    nightly_cost_minor = models.PositiveIntegerField(default=0)
    currency = models.CharField(max_length=3, blank=True)
    charged_until = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"placement at {self.shelter_ref}"


class LegKind(models.TextChoices):
    EXIT_REGION = "exit_region", _("Out of the danger region")
    IN_COUNTRY = "in_country", _("Within the country")
    EXIT_COUNTRY = "exit_country", _("Out of the country")
    ARRIVAL = "arrival", _("Arrival at the destination")


class TravelMode(models.TextChoices):
    BUS = "bus", _("Bus")
    TRAIN = "train", _("Train")
    CAR = "car", _("Car")
    PLANE = "plane", _("Plane")
    FOOT = "foot", _("On foot")
    OTHER = "other", _("Other")


class TravelLeg(UUIDModel):
    """A journey. From and to are coarse codes (region or country); the itinerary is sealed."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="legs")
    key_id = DataKeyField()
    kind = models.CharField(max_length=20, choices=LegKind.choices)
    from_place = models.CharField(max_length=8)
    to_place = models.CharField(max_length=8)
    mode = models.CharField(max_length=10, choices=TravelMode.choices)
    travel_on = models.DateField(db_index=True)
    escort = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    itinerary = EncryptedTextField(key_field="key_id")
    completed_on = models.DateField(null=True, blank=True)
    # A planned journey that will not happen (the case closed, the plan changed).
    cancelled_on = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.travel_on}"


class IntakeRecord(UUIDModel):
    """Everything a person told us in a request, carried into their case under its key.

    The answers land in their places (names, contacts, the contact protocol, the risk,
    the story); this keeps every answer as it was given as well, so nothing said is lost
    and nothing is typed twice. `request_id` names the intake request (a plain id:
    cases never imports intake)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="intake_records")
    request_id = models.UUIDField()
    channel = models.CharField(max_length=16)
    received_on = models.DateField()
    key_id = DataKeyField()
    answers = EncryptedJSONField(key_field="key_id")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "request_id"], name="one_record_per_request")
        ]

    def __str__(self) -> str:
        return f"intake record {self.pk}"


class SharingChoice(models.TextChoices):
    """May we share the person's data with governments or organisations that can help?"""

    YES = "yes", _("Yes, share it with those who can help")
    ASK = "ask", _("Ask me first")
    NO = "no", _("No, do not share it")


class ConsentSource(models.TextChoices):
    PORTAL = "portal", _("The person, in their request")
    HOTLINE = "hotline", _("The person, by phone (recorded by the operator)")
    PERSON = "person", _("The person, in their conversation with us")
    STAFF = "staff", _("A member of staff, with a reason")


class SharingConsent(models.Model):
    """One answer to what the person agreed to; the latest row is in force, the earlier
    ones are its history. Codes only: a free-text reason for a staff change is sealed in
    the audit log's reason notes."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    keep = models.BooleanField()
    share = models.CharField(max_length=8, choices=SharingChoice.choices)
    source = models.CharField(max_length=10, choices=ConsentSource.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=clock.now)

    class Meta:
        indexes = [models.Index(fields=["case", "recorded_at"], name="consent_latest")]

    def __str__(self) -> str:
        return f"sharing {self.share}"
