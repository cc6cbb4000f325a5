"""The audit events pathways services produce, returned to the caller for now.

The audit app is built in parallel: until it is merged, services return a
`PendingEvent` for each change instead of recording it, so the wiring is one call
per event. Details hold ids and codes only, never text a person wrote.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum, unique


@unique
class PathwayEvent(StrEnum):
    CATALOG_VERSION_LOADED = "pathways.catalog_version_loaded"
    CATALOG_VERSION_EDITED = "pathways.catalog_version_edited"
    CATALOG_VERSION_EXPORTED = "pathways.catalog_version_exported"


@dataclass(frozen=True)
class PendingEvent:
    """What the audit log needs to record one change (same transaction, once wired)."""

    event: PathwayEvent
    actor_id: str
    object_type: str
    object_id: str
    detail: Mapping[str, str | int | bool] = field(default_factory=dict)
