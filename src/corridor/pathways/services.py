"""Writes to the catalog: loading the reviewed files, admin edits, exporting edits back.

Every function is atomic, names its actor and records its audit events in the same
transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.core.actors import Actor
from corridor.core.exceptions import CorridorError, InvalidInput
from corridor.pathways import selectors
from corridor.pathways.catalog_files import canonical_json, content_hash, write_entry
from corridor.pathways.models import CatalogEntry, CatalogExport, CatalogVersion, Origin
from corridor.pathways.route_changes import AffectedCase, alert_route_change, is_material_change
from corridor.pathways.schema import Route, Transit

DUPLICATE_ID = "{id}: two entries share this id."
NEWER_ADMIN_EDIT = (
    "{id}: version {number} is an admin edit by {actor} at {when}, newer than the file. "
    "Run `corridor pathways export` to keep it, or `corridor pathways load --force` to "
    "replace it with the file."
)


class NewerAdminEdit(CorridorError):
    """Loading would overwrite admin edits that the files do not have; `conflicts` names them."""

    def __init__(self, conflicts: list[CatalogVersion]) -> None:
        self.conflicts = conflicts
        super().__init__(
            "\n".join(
                NEWER_ADMIN_EDIT.format(
                    id=version.entry_id,
                    number=version.number,
                    actor=version.created_by,
                    when=version.created_at.isoformat(timespec="seconds"),
                )
                for version in conflicts
            )
        )


@dataclass(frozen=True)
class LoadReport:
    loaded: tuple[str, ...]  # entries that got a new version
    unchanged: tuple[str, ...]
    replaced_admin_edits: tuple[str, ...]  # with force: admin edits the file replaced
    not_in_files: tuple[str, ...]  # in the database but in no file (kept, not deleted)
    # Cases with an open application or chosen plan on a route this load materially changed
    # (alerted).
    affected: tuple[AffectedCase, ...] = ()


@transaction.atomic
def load_catalog(
    *, actor: Actor, entries: Sequence[Route | Transit], force: bool = False
) -> LoadReport:
    """Make the database catalog match `entries`: a new version for each entry whose content
    changed, nothing for the rest. Refuses (NewerAdminEdit, nothing written) when an entry's
    newest version is an admin edit not yet exported, unless `force`."""
    ids = [entry.id for entry in entries]
    if len(set(ids)) != len(ids):
        duplicate = next(entry_id for entry_id in ids if ids.count(entry_id) > 1)
        raise InvalidInput(DUPLICATE_ID.format(id=duplicate))
    latest = {version.entry_id: version for version in selectors.list_latest_versions()}
    changed: list[Route | Transit] = []
    unchanged: list[str] = []
    conflicts: list[CatalogVersion] = []
    for entry in entries:
        current = latest.get(entry.id)
        if current is not None and current.content_hash == content_hash(entry):
            unchanged.append(entry.id)
            continue
        if (
            current is not None
            and current.origin == Origin.ADMIN
            and not selectors.is_exported(current)
        ):
            conflicts.append(current)
        changed.append(entry)
    if conflicts and not force:
        raise NewerAdminEdit(conflicts)
    replaced = {version.entry_id for version in conflicts}
    material = [
        entry.id
        for entry in changed
        if entry.id in latest
        and is_material_change(selectors.version_entry(latest[entry.id]), entry)
    ]
    for entry in changed:
        _add_version(
            actor=actor,
            entry=entry,
            origin=Origin.FILE,
            previous=latest.get(entry.id),
            replaced_admin_edit=entry.id in replaced,
        )
    return LoadReport(
        loaded=tuple(entry.id for entry in changed),
        unchanged=tuple(unchanged),
        replaced_admin_edits=tuple(sorted(replaced)),
        not_in_files=tuple(sorted(set(latest) - set(ids))),
        affected=tuple(alert_route_change(material)),
    )


@dataclass(frozen=True)
class EditResult:
    version: CatalogVersion | None  # None when the edit changed nothing
    affected: tuple[AffectedCase, ...] = ()  # cases alerted about a material change


@transaction.atomic
def record_admin_edit(*, actor: Actor, entry: Route | Transit) -> EditResult:
    """Save an admin's edit of one entry as its newest version (the admin screen's service)."""
    current = selectors.get_latest_version(entry.id)
    if current is not None and current.content_hash == content_hash(entry):
        return EditResult(version=None)
    version = _add_version(
        actor=actor, entry=entry, origin=Origin.ADMIN, previous=current, replaced_admin_edit=False
    )
    older = selectors.version_entry(current) if current is not None else None
    changed = [entry.id] if is_material_change(older, entry) else []
    return EditResult(version=version, affected=tuple(alert_route_change(changed)))


@dataclass(frozen=True)
class ExportReport:
    written: tuple[Path, ...]


@transaction.atomic
def export_admin_edits(*, actor: Actor, directory: Path) -> ExportReport:
    """Write every admin edit the files lack into `directory` as YAML and record the export,
    so the next load sees the files and the database agree."""
    written: list[Path] = []
    for version in selectors.list_unexported_admin_edits():
        written.append(write_entry(directory, selectors.version_entry(version)))
        CatalogExport.objects.create(version=version, exported_by=actor.actor_id)
        record_event(
            actor=actor,
            event=EventType.CATALOG_VERSION_EXPORTED,
            object_type=ObjectType.CATALOG_VERSION,
            object_id=str(version.pk),
            detail={"entry": version.entry_id, "number": version.number},
        )
    return ExportReport(written=tuple(written))


def _add_version(
    *,
    actor: Actor,
    entry: Route | Transit,
    origin: Origin,
    previous: CatalogVersion | None,
    replaced_admin_edit: bool,
) -> CatalogVersion:
    # Route and transit ids cannot collide (the schema gives them different shapes), so an
    # entry keeps its kind for life.
    catalog_entry, _ = CatalogEntry.objects.get_or_create(
        id=entry.id, defaults={"kind": entry.kind}
    )
    version = CatalogVersion.objects.create(
        entry=catalog_entry,
        number=(previous.number + 1) if previous else 1,
        origin=origin,
        content=canonical_json(entry),
        content_hash=content_hash(entry),
        created_by=actor.actor_id,
        replaced_admin_edit=replaced_admin_edit,
    )
    record_event(
        actor=actor,
        event=EventType.CATALOG_VERSION_LOADED
        if origin == Origin.FILE
        else EventType.CATALOG_VERSION_EDITED,
        object_type=ObjectType.CATALOG_VERSION,
        object_id=str(version.pk),
        detail={
            "entry": entry.id,
            "number": version.number,
            "replaced_admin_edit": int(replaced_admin_edit),
        },
    )
    return version
