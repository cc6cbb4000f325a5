"""A route's documents checklist in the catalog: sourced, in the register's words, and
absent (unknown) where no source lists the documents."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from corridor.pathways.catalog_files import CATALOG_DIR, content_hash, read_catalog, read_meta
from corridor.pathways.lint import Level, lint_catalog
from corridor.pathways.schema import Route, entry_content, parse_entry

LTV = "eu-ltv-visa.yaml"


def _ltv() -> dict[str, object]:
    return yaml.safe_load((CATALOG_DIR / LTV).read_text(encoding="utf-8"))


def test_only_routes_whose_sources_list_documents_have_a_checklist():
    with_checklist = {
        item.entry.id
        for item in read_catalog()
        if isinstance(item.entry, Route) and item.entry.checklist is not None
    }
    assert with_checklist == {"eu-ltv-visa"}


def test_a_checklist_without_a_source_is_refused():
    data = _ltv()
    data["checklist"] = {"documents": ["international_passport"], "source": "not_verified"}
    with pytest.raises(ValidationError, match="checklist"):
        parse_entry(data)


def test_a_checklist_naming_a_document_twice_is_refused():
    data = _ltv()
    data["checklist"]["documents"] = ["international_passport", "international_passport"]
    with pytest.raises(ValidationError, match="once"):
        parse_entry(data)


def test_lint_names_a_document_the_register_does_not_know(tmp_path: Path):
    shutil.copytree(CATALOG_DIR, tmp_path, dirs_exist_ok=True)
    data = _ltv()
    data["checklist"]["documents"] = ["international_passport", "zagran_passport"]
    (tmp_path / LTV).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    findings = lint_catalog(read_catalog(tmp_path), meta=read_meta(tmp_path))
    errors = [str(f) for f in findings if f.level is Level.ERROR]
    assert errors == ["ERROR eu-ltv-visa.yaml: checklist: 'zagran_passport' is not a register kind"]


def test_a_route_without_a_checklist_is_stored_as_before():
    """No `checklist` key (its content hash unchanged), so loading this catalog makes no
    new version of the routes that have none."""
    entry = next(item.entry for item in read_catalog() if item.entry.id == "ca-gar")
    assert "checklist" not in entry_content(entry)
    again = parse_entry(entry_content(entry))
    assert content_hash(again) == content_hash(entry)
