"""Base models: a UUID key assigned in Python, creation/update times, and append-only rows."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar, NoReturn, TypeVar

from django.db import models

from corridor.core import clock
from corridor.core.exceptions import AppendOnlyViolation

_M = TypeVar("_M", bound=models.Model)


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


class AppendOnlyQuerySet(models.QuerySet[_M]):
    """A QuerySet whose bulk writes raise: `update()`, `bulk_update()` and `delete()` bypass
    model methods. The error is the model's `append_only_error`."""

    def _refuse(self) -> NoReturn:
        model = self.model
        error = getattr(model, "append_only_error", AppendOnlyViolation)
        raise error(getattr(model, "append_only_message", AppendOnlyModel.append_only_message))

    def update(self, **kwargs: Any) -> NoReturn:
        self._refuse()

    def delete(self) -> NoReturn:
        self._refuse()

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> NoReturn:
        self._refuse()


class AppendOnlyModel(models.Model):
    """A row that can be inserted once and never saved again or deleted (audit entries,
    catalog versions). Give the subclass `objects = AppendOnlyQuerySet.as_manager()` so bulk
    writes are refused too (a test checks every subclass), and the database's own triggers
    where the table must hold against SQL as well (audit/triggers.py)."""

    append_only_error: ClassVar[type[AppendOnlyViolation]] = AppendOnlyViolation
    append_only_message: ClassVar[str] = "These rows are append-only: they cannot be changed."

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise self.append_only_error(self.append_only_message)
        # Insert only: a plain save() of a row with its key set would try UPDATE first.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise self.append_only_error(self.append_only_message)
