"""The organisations directory, proposed key changes, and heads witnessed for partners.

No personal data: an organisation's own way in (its website, general address or
office) is not about a person, and the forms refuse nothing more; a named contact
person is not kept here.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from corridor.core import clock
from corridor.core.models import AppendOnlyModel, AppendOnlyQuerySet, UUIDModel


class OrganisationKind(models.TextChoices):
    UN_AGENCY = "un_agency", _("UN agency")
    GOVERNMENT_PROGRAMME = "government_programme", _("Government programme")
    EMBASSY = "embassy", _("Embassy")
    NGO = "ngo", _("Non-governmental organisation")
    SETTLEMENT_AGENCY = "settlement_agency", _("Settlement agency")
    CRISIS_GROUP = "crisis_group", _("Crisis group")


class FingerprintCheck(models.TextChoices):
    """How the second coordinator compared the fingerprint with the partner's own."""

    IN_PERSON = "in_person", _("In person")
    VIDEO_CALL = "video_call", _("Video call, read aloud")
    VOICE_CALL = "voice_call", _("Voice call, read aloud")
    SIGNED_LETTER = "signed_letter", _("A letter signed with a key we already hold")


class Organisation(UUIDModel):
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=OrganisationKind.choices)
    country = models.CharField(max_length=2)  # ISO 3166-1 alpha-2
    # The code a route's designated referrers name (the catalog's `designated` list).
    referrer_code = models.CharField(max_length=40, blank=True, default="")
    # The organisation's own way in: a website, a general e-mail address, an office.
    reach = models.CharField(max_length=300, blank=True, default="")
    # Corridor partners: their Corridor's address and the keys two coordinators approved.
    corridor_url = models.URLField(max_length=300, blank=True, default="")
    signing_key = models.BinaryField(null=True)
    encryption_key = models.BinaryField(null=True)
    keys_installed_at = models.DateTimeField(null=True)
    # Witnesses of our tree heads: their Corridor (checks and countersigns), or a keeper
    # that only stores what we send (an HTTPS endpoint or an e-mail address).
    witnesses_our_heads = models.BooleanField(default=False)
    keeper_url = models.URLField(max_length=300, blank=True, default="")
    keeper_email = models.EmailField(max_length=200, blank=True, default="")
    removed_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["referrer_code"],
                condition=~models.Q(referrer_code="") & models.Q(removed_at__isnull=True),
                name="partners_one_active_referrer_code",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def runs_corridor(self) -> bool:
        return self.signing_key is not None and self.encryption_key is not None


class KeyProposalStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a second coordinator")
    INSTALLED = "installed", _("Installed")
    REFUSED = "refused", _("Refused")


class KeyProposal(UUIDModel):
    """A proposed set of keys for an organisation: installed only once a second
    coordinator, not the proposer, has compared the fingerprint out of band."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    signing_key = models.BinaryField()
    encryption_key = models.BinaryField()
    corridor_url = models.URLField(max_length=300)
    fingerprint = models.CharField(max_length=64)
    proposed_by = models.CharField(max_length=80)  # the coordinator answering for it: staff:<id>
    checked_by = models.CharField(max_length=80, blank=True, default="")  # staff:<id>
    checked_how = models.CharField(max_length=32, choices=FingerprintCheck.choices, blank=True)
    status = models.CharField(
        max_length=16, choices=KeyProposalStatus.choices, default=KeyProposalStatus.PENDING
    )
    decided_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"keys for {self.organisation_id}"


class WitnessedHead(AppendOnlyModel):
    """A tree head a partner's Corridor sent us, checked consistent with the one before."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    key_id = models.CharField(max_length=64)
    tree_size = models.BigIntegerField()
    root_hash = models.CharField(max_length=44)
    timestamp = models.BigIntegerField()
    signature = models.CharField(max_length=88)
    countersignature = models.CharField(max_length=88, blank=True, default="")
    received_at = models.DateTimeField(default=clock.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["tree_size", "received_at"]

    def __str__(self) -> str:
        return f"{self.organisation_id} at {self.tree_size}"


class WitnessState(models.Model):
    """What we last heard from, or sent to, one organisation's witness."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, primary_key=True)
    last_heard_at = models.DateTimeField(null=True)  # they sent us a head
    last_sent_at = models.DateTimeField(null=True)  # we sent them one and it was kept
    last_sent_size = models.BigIntegerField(null=True)
    silence_alerted_at = models.DateTimeField(null=True)
    conflict_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"witness state of {self.organisation_id}"
