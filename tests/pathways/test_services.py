"""Catalog versions in the database: load, admin edits, export, and the history they leave."""

from __future__ import annotations

import pytest

from corridor.audit.models import AuditEntry
from corridor.core.actors import SystemActor
from corridor.core.exceptions import InvalidInput
from corridor.pathways import selectors, services
from corridor.pathways.catalog_files import read_catalog, read_entry
from corridor.pathways.models import CatalogExport, CatalogVersion, Origin, VersionImmutable
from corridor.pathways.schema import Route, Transit, entry_content, parse_entry

pytestmark = pytest.mark.django_db

LOADER = SystemActor(name="cli:tester")


@pytest.fixture(scope="module")
def files() -> list[Route | Transit]:
    return [item.entry for item in read_catalog()]


def edited(entry: Route | Transit, **changes: object) -> Route | Transit:
    return parse_entry({**entry_content(entry), **changes})


def gar(files) -> Route | Transit:
    return next(entry for entry in files if entry.id == "ca-gar")


def audit_details(event_type: str) -> list[dict]:
    """The detail of each audit event of this type, oldest first."""
    return [
        entry.detail_values
        for entry in AuditEntry.objects.filter(event_type=event_type).order_by("seq")
    ]


def test_a_first_load_versions_every_entry_and_says_who(files):
    """Version 1 of each entry, from the files, made by the operator who ran the load."""
    report = services.load_catalog(actor=LOADER, entries=files)
    assert sorted(report.loaded) == sorted(entry.id for entry in files)
    versions = CatalogVersion.objects.all()
    assert versions.count() == len(files)
    assert {(v.number, v.origin, v.created_by) for v in versions} == {
        (1, Origin.FILE, "system:cli:tester")
    }
    loaded = audit_details("pathways.catalog_version_loaded")
    assert sorted(detail["entry"] for detail in loaded) == sorted(report.loaded)


def test_loading_unchanged_files_creates_no_version(files):
    """A second load of the same files changes nothing and records nothing."""
    services.load_catalog(actor=LOADER, entries=files)
    report = services.load_catalog(actor=LOADER, entries=files)
    assert report.loaded == ()
    assert len(report.unchanged) == len(files)
    assert len(audit_details("pathways.catalog_version_loaded")) == len(files)
    assert CatalogVersion.objects.count() == len(files)


def test_only_a_changed_entry_gets_a_new_version(files):
    """One changed file, one new version; the database then serves the new content."""
    services.load_catalog(actor=LOADER, entries=files)
    changed = edited(gar(files), discretionary=True)
    others = [entry for entry in files if entry.id != "ca-gar"]
    report = services.load_catalog(actor=LOADER, entries=[*others, changed])
    assert report.loaded == ("ca-gar",)
    latest = selectors.get_latest_version("ca-gar")
    assert latest is not None
    assert latest.number == 2
    current = {entry.id: entry for entry in selectors.list_current_entries()}
    assert isinstance(current["ca-gar"], Route)
    assert current["ca-gar"].discretionary is True


def test_a_newer_admin_edit_stops_the_load_and_is_named(files, staff):
    """Loading would lose an admin's edit: refused, naming the entry, version and editor,
    and nothing is written."""
    services.load_catalog(actor=LOADER, entries=files)
    services.record_admin_edit(actor=staff, entry=edited(gar(files), discretionary=True))
    before = CatalogVersion.objects.count()
    changed_elsewhere = edited(
        next(entry for entry in files if entry.id == "ca-upp"), discretionary=True
    )
    entries = [changed_elsewhere if e.id == "ca-upp" else e for e in files]
    with pytest.raises(services.NewerAdminEdit) as raised:
        services.load_catalog(actor=LOADER, entries=entries)
    message = str(raised.value)
    assert "ca-gar: version 2 is an admin edit by " + staff.actor_id in message
    assert "corridor pathways export" in message
    assert CatalogVersion.objects.count() == before  # not even ca-upp's change


def test_force_replaces_the_admin_edit_with_the_file(files, staff):
    """--force loads the file over the edit and records that it did."""
    services.load_catalog(actor=LOADER, entries=files)
    services.record_admin_edit(actor=staff, entry=edited(gar(files), discretionary=True))
    report = services.load_catalog(actor=LOADER, entries=files, force=True)
    assert report.replaced_admin_edits == ("ca-gar",)
    latest = selectors.get_latest_version("ca-gar")
    assert latest is not None
    assert (latest.number, latest.origin, latest.replaced_admin_edit) == (3, Origin.FILE, True)
    assert audit_details("pathways.catalog_version_loaded")[-1]["replaced_admin_edit"] == 1


def test_export_writes_admin_edits_back_so_the_next_load_agrees(files, staff, tmp_path):
    """After export the files hold the edit: loading them changes nothing, and a later file
    change loads without --force."""
    services.load_catalog(actor=LOADER, entries=files)
    services.record_admin_edit(actor=staff, entry=edited(gar(files), discretionary=True))
    report = services.export_admin_edits(actor=LOADER, directory=tmp_path)
    assert [path.name for path in report.written] == ["ca-gar.yaml"]
    assert audit_details("pathways.catalog_version_exported")[0]["entry"] == "ca-gar"
    exported = read_entry(tmp_path / "ca-gar.yaml")
    assert isinstance(exported, Route)
    assert exported.discretionary is True
    entries = [exported if e.id == "ca-gar" else e for e in files]
    assert services.load_catalog(actor=LOADER, entries=entries).loaded == ()
    later = edited(exported, discretionary=False)
    entries = [later if e.id == "ca-gar" else e for e in files]
    assert services.load_catalog(actor=LOADER, entries=entries).loaded == ("ca-gar",)
    assert services.export_admin_edits(actor=LOADER, directory=tmp_path).written == ()


def test_an_admin_edit_records_who_changed_what_when(files, staff):
    """The version keeps the editor, the time and the whole content; an edit that changes
    nothing makes no version."""
    services.load_catalog(actor=LOADER, entries=files)
    result = services.record_admin_edit(actor=staff, entry=edited(gar(files), discretionary=True))
    assert result.version is not None
    assert result.version.created_by == staff.actor_id
    assert result.version.origin == Origin.ADMIN
    assert '"discretionary":true' in result.version.content
    assert audit_details("pathways.catalog_version_edited")[0]["entry"] == "ca-gar"
    again = services.record_admin_edit(actor=staff, entry=edited(gar(files), discretionary=True))
    assert again.version is None


def test_history_cannot_be_rewritten(files):
    """Versions and exports are append-only, one row or many at once."""
    services.load_catalog(actor=LOADER, entries=files)
    version = CatalogVersion.objects.first()
    assert version is not None
    version.content = "{}"
    with pytest.raises(VersionImmutable):
        version.save()
    with pytest.raises(VersionImmutable):
        version.delete()
    with pytest.raises(VersionImmutable):
        CatalogVersion.objects.filter(pk=version.pk).update(content="{}")
    with pytest.raises(VersionImmutable):
        CatalogVersion.objects.all().delete()
    with pytest.raises(VersionImmutable):
        CatalogExport.objects.all().delete()


def test_two_entries_with_one_id_are_refused(files):
    with pytest.raises(InvalidInput, match="ca-gar: two entries share this id"):
        services.load_catalog(actor=LOADER, entries=[gar(files), gar(files)])


def test_the_catalog_must_be_loaded_before_it_is_used():
    """Before any load the selectors say so, in words an operator can act on."""
    with pytest.raises(selectors.CatalogNotLoaded, match="corridor pathways load"):
        selectors.get_current_catalog()
