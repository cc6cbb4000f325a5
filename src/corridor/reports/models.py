"""What a coordinator marked "never publish": a route or a country that public reports
fold into "other", so a small, telling destination never appears by name."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from corridor.core import clock


class NeverPublishKind(models.TextChoices):
    ROUTE = "route", _("Route")
    COUNTRY = "country", _("Country")


class NeverPublish(models.Model):
    """A route id or an ISO 3166-1 country code kept out of public reports while active."""

    kind = models.CharField(max_length=10, choices=NeverPublishKind.choices)
    code = models.CharField(max_length=60)
    marked_by = models.CharField(max_length=100)
    marked_at = models.DateTimeField(default=clock.now)
    cleared_by = models.CharField(max_length=100, blank=True)
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "code"],
                condition=Q(cleared_at__isnull=True),
                name="one_active_mark",
            )
        ]

    def __str__(self) -> str:
        return f"never publish {self.kind} {self.code}"
