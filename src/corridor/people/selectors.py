"""Reads of people's plain columns (nothing here opens a sealed value)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from corridor.people.models import DocumentFile, IdentityDocument


def list_documents_by_person(person_ids: Iterable[Any]) -> dict[Any, list[IdentityDocument]]:
    """Each person's identity documents in the order they were registered."""
    found: dict[Any, list[IdentityDocument]] = {}
    rows = IdentityDocument.objects.filter(person_id__in=list(person_ids)).order_by(
        "created_at", "id"
    )
    for document in rows:
        found.setdefault(document.person_id, []).append(document)
    return found


def list_files_by_person(person_ids: Iterable[Any]) -> dict[Any, list[DocumentFile]]:
    """Each person's document files (no plaintext), the newest first."""
    found: dict[Any, list[DocumentFile]] = {}
    rows = (
        DocumentFile.objects.filter(person_id__in=list(person_ids))
        .select_related("document")
        .order_by("-created_at", "id")
    )
    for row in rows:
        found.setdefault(row.person_id, []).append(row)
    return found
