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

    class Meta:
        indexes = [
            models.Index(fields=["channel", "status"], name="intake_request_queue"),
            models.Index(fields=["sealed_to"], name="intake_request_sealed_to"),
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
