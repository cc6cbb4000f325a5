"""Base models: a UUID key assigned in Python and creation/update times."""

import uuid

from django.db import models

from corridor.core import clock


class TimestampedModel(models.Model):
    """A row with creation and update times set by the service that writes it."""

    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        abstract = True


class UUIDModel(TimestampedModel):
    """A row whose primary key exists before the insert.

    Encrypted fields bind their ciphertext to the row id, so the id must be
    known when the value is sealed, before the database assigns anything.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    class Meta:
        abstract = True


class PeriodicJobState(models.Model):
    """When each periodic job last started, shared by every worker process."""

    name = models.CharField(primary_key=True, max_length=100)
    last_run_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return self.name


class ParkedWork(models.Model):
    """Work that met a sealed (or unreachable) key service: awaiting unseal.

    `kind` names a function registered with `parking.parks_until_unseal`; the
    periodic sweep calls it again with `object_id` once keys can be used.
    """

    kind = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    parked_at = models.DateTimeField(default=clock.now)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="one_parked_per_object")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"


class Tally(models.Model):
    """One anonymous counter: how many times `name` happened in `period` with these
    `dimensions` (canonical `key=value;key=value`). No ids, no times: see core.tallies."""

    name = models.CharField(max_length=60)
    period = models.CharField(max_length=7)
    dimensions = models.CharField(max_length=200, blank=True)
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "period", "dimensions"], name="one_tally_row")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.period}"


class WorkerLease(models.Model):
    """A worker process's claim to be alive: it renews `renewed_at` while it runs.

    A task left running by a worker whose lease has lapsed is the task of a dead worker
    and is queued again (core.leases).
    """

    worker_id = models.CharField(primary_key=True, max_length=64)
    renewed_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return self.worker_id
