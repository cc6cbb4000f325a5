"""A safe house or hotel arrangement. Its exact address and host are sealed under a data
key of the shelter's own (never any case's): keyd hands it to coordinators only, for
that shelter only. City and region are plain and coarse, for the board."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from corridor.core.models import UUIDModel
from corridor.vault.fields import DataKeyField, EncryptedJSONField, EncryptedTextField


class ShelterStatus(models.TextChoices):
    AVAILABLE = "available", _("Available")
    FULL = "full", _("Full")
    PAUSED = "paused", _("Paused")
    COMPROMISED = "compromised", _("Compromised")
    CLOSED = "closed", _("Closed")


# Statuses that take no new placement (full is a statement of the host; beds are counted).
CLOSED_TO_NEW = frozenset({ShelterStatus.PAUSED, ShelterStatus.COMPROMISED, ShelterStatus.CLOSED})


class WhoMayStay(models.TextChoices):
    ANYONE = "anyone", _("Anyone")
    WOMEN = "women", _("Women only")
    MEN = "men", _("Men only")


class Shelter(UUIDModel):
    code_name = models.CharField(max_length=20, unique=True)
    city = models.CharField(max_length=60, blank=True)
    region = models.CharField(max_length=60, blank=True)
    key_id = DataKeyField()
    # Sealed: {"address": ..., "host": ..., "host_contact": ...}
    details = EncryptedJSONField(key_field="key_id")
    capacity = models.PositiveSmallIntegerField()
    who_may_stay = models.CharField(
        max_length=10, choices=WhoMayStay.choices, default=WhoMayStay.ANYONE
    )
    max_nights = models.PositiveSmallIntegerField(null=True, blank=True)
    pets = models.BooleanField(default=False)
    children = models.BooleanField(default=True)
    accessible = models.BooleanField(default=False)
    nightly_cost_minor = models.PositiveIntegerField(default=0)
    currency = models.CharField(max_length=3, default="EUR")
    status = models.CharField(
        max_length=12, choices=ShelterStatus.choices, default=ShelterStatus.AVAILABLE
    )
    compromised_at = models.DateTimeField(null=True, blank=True)
    # Why it was marked compromised, in the coordinator's words (sealed like the address).
    compromise_reason = EncryptedTextField(key_field="key_id")
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["code_name"]

    def __str__(self) -> str:
        return self.code_name
