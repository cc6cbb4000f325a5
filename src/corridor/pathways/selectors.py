"""Reads of the catalog in the database."""

from __future__ import annotations

import json

from django.db.models import Max

from corridor.core.exceptions import NotFound
from corridor.pathways.models import CatalogExport, CatalogVersion, Origin
from corridor.pathways.rules import Catalog, compile_catalog
from corridor.pathways.schema import Route, Transit, parse_entry

CATALOG_NOT_LOADED = "The pathway catalog is not loaded: run `corridor pathways load`."


class CatalogNotLoaded(NotFound):
    """No catalog version exists in the database yet."""


def list_latest_versions() -> list[CatalogVersion]:
    """The newest version of every entry, by entry id."""
    newest = CatalogVersion.objects.values("entry_id").annotate(number=Max("number"))
    wanted = {(row["entry_id"], row["number"]) for row in newest}
    versions = CatalogVersion.objects.filter(entry_id__in=[entry for entry, _ in wanted])
    return [version for version in versions if (version.entry_id, version.number) in wanted]


def get_latest_version(entry_id: str) -> CatalogVersion | None:
    return CatalogVersion.objects.filter(entry_id=entry_id).order_by("-number").first()


def version_entry(version: CatalogVersion) -> Route | Transit:
    """The validated entry a version holds (validated again: the schema may be stricter now)."""
    return parse_entry(json.loads(version.content))


def list_current_entries() -> list[Route | Transit]:
    """The catalog in force: the newest version of every entry. Raises CatalogNotLoaded."""
    versions = list_latest_versions()
    if not versions:
        raise CatalogNotLoaded(CATALOG_NOT_LOADED)
    return [version_entry(version) for version in versions]


def get_current_catalog() -> Catalog:
    """The catalog in force, compiled for matching. Raises CatalogNotLoaded."""
    return compile_catalog(list_current_entries())


def is_exported(version: CatalogVersion) -> bool:
    return CatalogExport.objects.filter(version=version).exists()


def list_unexported_admin_edits() -> list[CatalogVersion]:
    """Entries whose newest version is an admin edit not yet written back to the files."""
    return [
        version
        for version in list_latest_versions()
        if version.origin == Origin.ADMIN and not is_exported(version)
    ]
