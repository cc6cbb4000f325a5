"""Requests for help, their threads, codenames, requester sessions, throttles.

What is personal and how it is kept:
- a request's answers: sealed to the intake public key on arrival (`sealed_answers`),
  re-sealed under the request's own data key when a verifier or coordinator first opens
  it (`answers`), never in the clear;
- a message: for the team, sealed to the intake key on arrival and then under the
  request's key (`body`); for the requester, sealed to their codename's public key
  (`for_requester`), which the server cannot open;
- codenames: never stored; only an Argon2id lookup value and a public key;
- times: what a requester does carries the day, not the hour (when someone wrote to the
  organisation is itself sensitive); sessions keep minutes for their idle limit and are
  deleted when it passes.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from corridor.accounts.models import Staff
from corridor.core.models import UUIDModel
from corridor.vault.fields import DataKeyField, EncryptedJSONField, EncryptedTextField


class Channel(models.TextChoices):
    PORTAL = "portal", _("Portal")
    HOTLINE = "hotline", _("Hotline")
    REFERRAL = "referral", _("Referral")


class Status(models.TextChoices):
    """Where a request is; screening and verification (a later issue) move it on."""

    AWAITING_SCREENING = "awaiting_screening", _("Waiting for screening")
    AWAITING_UNSEAL = "awaiting_unseal", _("Waiting for the keys to be unsealed")
    IN_VERIFICATION = "in_verification", _("In verification")
    ACCEPTED = "accepted", _("Accepted")
    PROVISIONAL = "provisional", _("Accepted provisionally")
    NEED_INFO = "need_info", _("Needs more information")
    CO_VERIFY = "co_verify", _("Verified with a partner")
    REFERRED_OUT = "referred_out", _("Referred to a partner")
    DECLINED = "declined", _("Declined")
    DUPLICATE = "duplicate", _("Duplicate")
    SUSPECTED = "suspected", _("Suspected infiltration")
    ERASED = "erased", _("Erased")


# The status groups the inbox, screening and keyd's intake policy share:
# not yet screened (a hotline operator reads what they recorded until screening ends)...
UNSCREENED = frozenset({Status.AWAITING_SCREENING, Status.AWAITING_UNSEAL})
# ... and the verification queue: what verifiers and coordinators read without having
# decided it.
IN_SCREENING = UNSCREENED | {
    Status.IN_VERIFICATION,
    Status.PROVISIONAL,
    Status.NEED_INFO,
    Status.CO_VERIFY,
    Status.SUSPECTED,
}


class Urgency(models.TextChoices):
    """How urgent the person said it is: a triage code the screening task copies from the
    sealed answers (nothing identifying), so the inbox can put danger first."""

    NOW = "now", _("In danger now")
    DAYS = "days", _("Within days")
    WEEKS = "weeks", _("Within weeks")


class Request(UUIDModel):
    """One request for help. Never deleted: erasure blanks its sealed columns."""

    reference = models.CharField(max_length=16, unique=True)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    status = models.CharField(
        max_length=32, choices=Status.choices, default=Status.AWAITING_SCREENING
    )
    received_on = models.DateField()
    # The answers as the portal sealed them, until the first opening re-seals them under
    # the request's data key and clears this; `sealed_to` names the intake key pair so
    # the rotation job knows which private keys are still needed.
    sealed_answers = models.BinaryField(null=True)
    sealed_to = models.UUIDField(null=True)
    key_id = DataKeyField()
    answers = EncryptedJSONField(key_field="key_id")
    opened_at = models.DateTimeField(null=True)
    # Hotline requests: the operator who recorded it (they see only their own).
    recorded_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Screening: the normalised identifying values, sealed under the request's key, which
    # the screening task decrypts to confirm a candidate; the narrative's MinHash
    # signature as numbers only (screening/minhash.py).
    facts = EncryptedJSONField(key_field="key_id")
    narrative_signature = models.TextField(blank=True, default="")
    screened_at = models.DateTimeField(null=True, blank=True)
    # Copied by screening from the answers ("" until screened, or when not given).
    urgency = models.CharField(max_length=8, choices=Urgency.choices, blank=True, default="")
    # Verification: the latest decision; its deadline (a provisional acceptance's full
    # verification, a suspected request's second review); the case it opened or
    # duplicates; when a declined, duplicate or suspected request is erased.
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    review_due_at = models.DateTimeField(null=True, blank=True)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    duplicate_of = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    erase_on = models.DateField(null=True, blank=True)
    # When the answers were carried into `case`. Accepted with `case` set and this empty:
    # they wait, sealed under the request's key, for an assigned caseworker to open it.
    carried_at = models.DateTimeField(null=True, blank=True)
    # The person's latest answer on sharing, changed from their portal thread before a
    # case exists (a code, not personal; the first answer is in the sealed answers).
    sharing_changed_to = models.CharField(max_length=8, blank=True)
    # Hotline: the call was escalated to the on-call coordinator; the operator knows the
    # caller or their family, so the request went to someone else.
    escalated_at = models.DateTimeField(null=True, blank=True)
    conflict_of_interest = models.BooleanField(default=False)
    # The requester asked from the portal to delete everything: the worker carries it out
    # at this time unless the requester or a coordinator cancels first.
    deletion_due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["channel", "status"], name="intake_request_queue"),
            models.Index(fields=["sealed_to"], name="intake_request_sealed_to"),
            models.Index(fields=["status", "review_due_at"], name="intake_request_due"),
            models.Index(fields=["status", "erase_on"], name="intake_request_erase"),
        ]

    def __str__(self) -> str:
        return self.reference


class Author(models.TextChoices):
    REQUESTER = "requester", _("Requester")
    TEAM = "team", _("Team")


class Message(UUIDModel):
    """One message in a request's thread, sealed once for the team and once for the
    requester."""

    request = models.ForeignKey(Request, on_delete=models.PROTECT, related_name="messages")
    position = models.PositiveIntegerField()
    author = models.CharField(max_length=16, choices=Author.choices)
    sent_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sent_on = models.DateField()
    # The team's copy: sealed to the intake key while the portal holds it, then under
    # the request's data key (`body`) once someone on the team has read it.
    sealed_body = models.BinaryField(null=True)
    sealed_to = models.UUIDField(null=True)
    key_id = DataKeyField()
    body = EncryptedTextField(key_field="key_id")
    # The requester's copy, sealed to their codename's public key.
    for_requester = models.BinaryField(null=True)
    read_by_team_at = models.DateTimeField(null=True)
    read_by_requester_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "position"], name="one_message_per_place")
        ]
        indexes = [models.Index(fields=["sealed_to"], name="intake_message_sealed_to")]

    def __str__(self) -> str:
        return f"message {self.pk}"


class RequestFile(UUIDModel):
    """A file the requester sent from the portal thread (only where the organisation
    allows it): already stripped (people.sanitise, PDFs rebuilt from page pictures) and
    sealed to the intake key, since the portal holds no data key. When the request is
    carried into a case, the file is opened and sealed under the case key as one of the
    person's document files (`carried_at`); the box is then emptied."""

    request = models.ForeignKey(Request, on_delete=models.PROTECT, related_name="files")
    sent_on = models.DateField()
    media_type = models.CharField(max_length=30)
    size = models.PositiveBigIntegerField()
    sealed_content = models.BinaryField(null=True)
    sealed_to = models.UUIDField(null=True)
    carried_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [models.Index(fields=["sealed_to"], name="intake_file_sealed_to")]

    def __str__(self) -> str:
        return f"request file {self.pk}"


class Codename(models.Model):
    """A codename's lookup value and public key; the codename itself is never stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    lookup = models.CharField(max_length=64, unique=True)
    request = models.ForeignKey(Request, on_delete=models.PROTECT, related_name="codenames")
    public_key = models.BinaryField()
    issued_on = models.DateField()
    # Set when a newer codename replaces it (a lost codename re-linked, or a new one asked
    # for before the first was written down): a retired codename opens nothing.
    retired_on = models.DateField(null=True)
    # How the lookup value and key pair were derived (vault/requester.py): 2, one Argon2id
    # run split by HKDF; 1, two runs, for codenames issued before (decision 0011).
    scheme = models.PositiveSmallIntegerField(default=2)

    def __str__(self) -> str:
        return f"codename {self.pk}"


class Stage(models.TextChoices):
    CODENAME_DUE = "codename_due", "codename due"
    CODENAME_SHOWN = "codename_shown", "codename shown"
    SIGNED_IN = "signed_in", "signed in"


class RequesterSession(models.Model):
    """A requester's portal session: deleted once idle past the limit.

    The primary key is the SHA-256 of the random session id in the portal cookie, so a
    copy of this table cannot be replayed as a cookie. `held_key` is the requester's
    private key encrypted under a second random key that only the cookie carries.
    """

    digest = models.CharField(max_length=64, primary_key=True)
    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=16, choices=Stage.choices)
    held_key = models.BinaryField(null=True)
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"requester session {self.stage}"


class ThrottleBucket(models.Model):
    """A token bucket by name (a global limit, or one per portal session)."""

    name = models.CharField(max_length=120, primary_key=True)
    tokens = models.FloatField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


class SpentFormToken(models.Model):
    """A portal form already acted on, so a replayed or double-sent form does nothing."""

    digest = models.CharField(max_length=64, primary_key=True)
    spent_at = models.DateTimeField()

    def __str__(self) -> str:
        return "spent form"


class Signal(models.TextChoices):
    """What screening found, stored as a code; the verifier's page explains each in words."""

    DUPLICATE_PHONE = "duplicate_phone", _("Same phone number as another request")
    DUPLICATE_NAME = "duplicate_name", _("Same name as another request")
    DUPLICATE_DOCUMENT = "duplicate_document", _("Same document number as another request")
    TEMPLATED_NARRATIVE = "templated_narrative", _("Story nearly identical to another request's")
    SHARED_CONTACT = "shared_contact", _("A contact number another request also gives")
    ASKS_FOR_LOCATIONS = "asks_for_locations", _("Asks where shelters or offices are")
    ASKS_FOR_STAFF = "asks_for_staff", _("Asks for the names of staff or volunteers")
    WATCHLIST_MATCH = "watchlist_match", _("Matches an entry on the threat-actor watchlist")
    FLOOD = "flood", _("Arrived in a flood of requests")


class RequestFlag(models.Model):
    """A signal raised on a request, confirmed before it was raised; `other` names the
    request it was matched with (duplicates, templates, shared contacts)."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="flags")
    code = models.CharField(max_length=32, choices=Signal.choices)
    other = models.ForeignKey(
        Request, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    raised_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "code", "other"], name="one_flag_per_match")
        ]

    def __str__(self) -> str:
        return self.code


class WatchKind(models.TextChoices):
    RELATIVE = "relative", _("A relative hunting someone")
    OFFICIAL = "official", _("An official or security officer")
    INFORMANT = "informant", _("A known informant")


class WatchEntry(UUIDModel):
    """One threat actor on the watchlist, sealed under a key of its own; coordinators only.

    `details` holds what identifies them (names, phones, document numbers, date of birth,
    a note); requests are matched against it through the same blind indexes.
    """

    kind = models.CharField(max_length=16, choices=WatchKind.choices)
    key_id = DataKeyField()
    details = EncryptedJSONField(key_field="key_id")
    added_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    removed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"watch entry {self.pk}"


class IndexEntry(models.Model):
    """One blind-index value of a request's or a watch entry's facts: a candidate key,
    never proof (several rows share each value by design)."""

    request = models.ForeignKey(
        Request, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    watch = models.ForeignKey(
        WatchEntry, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=32)
    value = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["name", "value"], name="intake_index_lookup")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(request__isnull=True) ^ models.Q(watch__isnull=True),
                name="index_entry_has_one_owner",
            )
        ]

    def __str__(self) -> str:
        return self.name


class NarrativeBand(models.Model):
    """One band of a request's narrative signature, for finding similar narratives."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="+")
    band = models.PositiveSmallIntegerField()
    value = models.BigIntegerField()

    class Meta:
        # By value first: a lookup asks for 32 values at once, and a value (62 bits of a
        # keyed hash) is all but unique, so the band is checked on the few rows found.
        indexes = [models.Index(fields=["value", "band"], name="intake_band_value")]

    def __str__(self) -> str:
        return f"band {self.band}"


class Outcome(models.TextChoices):
    """A verifier's decision on a request."""

    ACCEPT = "accept", _("Accept: open a case")
    ACCEPT_PROVISIONAL = "accept_provisional", _("Accept provisionally (emergency)")
    NEED_INFO = "need_info", _("Ask for more information")
    CO_VERIFY = "co_verify", _("Verify with a partner organisation")
    REFER_OUT = "refer_out", _("Refer to a partner organisation")
    DECLINE = "decline", _("Decline")
    DUPLICATE = "duplicate", _("Duplicate of an existing case")
    ATTACH = "attach", _("The same person as an existing case: join their conversation")
    SUSPECTED = "suspected", _("Suspected infiltration: freeze")


class Method(models.TextChoices):
    """Safe ways of verifying; never a demand to name others or to "prove" anything."""

    CALL_HELD = "call_held", _("Video or voice call held")
    DOCUMENTS_SEEN = "documents_seen", _("Documents seen")
    STORY_CONSISTENT = "story_consistent", _("Story consistent with known events")
    PARTNER_CONFIRMED = "partner_confirmed", _("Co-verified with a partner organisation")


class Decision(UUIDModel):
    """One decision on a request, kept with the methods used. `note` (a partner's name,
    the reason) is sealed under the request's key, so erasing the request erases it."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="decisions")
    outcome = models.CharField(max_length=24, choices=Outcome.choices)
    methods = models.CharField(max_length=200, blank=True)
    decided_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    key_id = DataKeyField()
    note = EncryptedTextField(key_field="key_id")

    def __str__(self) -> str:
        return self.outcome
