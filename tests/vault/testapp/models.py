"""Two models shaped like the real ones: a UUID id, a data key column, sealed fields."""

from __future__ import annotations

from django.db import models

from corridor.core.models import UUIDModel
from corridor.vault.fields import DataKeyField, EncryptedJSONField, EncryptedTextField


class Person(UUIDModel):
    key_id = DataKeyField()
    name = EncryptedTextField(key_field="key_id")
    details = EncryptedJSONField(key_field="key_id")
    # The storage name of a sealed file (random, never user-supplied).
    document = models.CharField(max_length=64, blank=True, default="")

    def __str__(self) -> str:
        return f"person {self.id}"


class Note(UUIDModel):
    key_id = DataKeyField()
    body = EncryptedTextField()

    def __str__(self) -> str:
        return f"note {self.id}"
