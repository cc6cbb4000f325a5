"""What an import keeps: the rows it has written (so a second run writes nothing twice)
and the mappings saved for reuse. The spreadsheet itself is never stored."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from corridor.cases.models import Case
from corridor.core import clock
from corridor.core.models import UUIDModel
from corridor.vault.fields import DataKeyField, EncryptedJSONField


class SavedMapping(models.Model):
    """A mapping from a spreadsheet's columns to Corridor's fields, kept to be reused.
    Column headings only: no personal data."""

    name = models.SlugField(max_length=60, unique=True)
    body = models.TextField()
    saved_by = models.CharField(max_length=80)
    saved_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return self.name


class ImportedRow(UUIDModel):
    """One spreadsheet row written as a case. `row_key` is a keyed hash of the sheet's own
    reference (or of the whole row), so the same row is recognised in a later run without
    keeping the reference; `facts` are the row's normalised identifying values, sealed
    under the case's key, against which later rows are confirmed as duplicates."""

    row_key = models.BigIntegerField(unique=True)
    case = models.ForeignKey(Case, on_delete=models.SET_NULL, null=True, related_name="+")
    batch = models.UUIDField()
    imported_at = models.DateTimeField(default=clock.now)
    key_id = DataKeyField()
    facts = EncryptedJSONField(key_field="key_id")

    def __str__(self) -> str:
        return f"imported row {self.pk}"


class ImportedIndex(models.Model):
    """One blind-index value of an imported row's facts: a candidate key, never proof."""

    row = models.ForeignKey(ImportedRow, on_delete=models.CASCADE, related_name="indexes")
    name = models.CharField(max_length=32)
    value = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["name", "value"], name="transfer_index_lookup")]

    def __str__(self) -> str:
        return self.name


class HeldUpload(UUIDModel):
    """A spreadsheet uploaded on the import page, held between the preview and the
    confirmation: sealed under a key of its own, the uploader's alone (as a form draft's
    is), and shredded (key destroyed) once imported, cancelled or an hour old."""

    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key_id = DataKeyField()
    content = EncryptedJSONField(key_field="key_id")

    def __str__(self) -> str:
        return f"held upload {self.pk}"
