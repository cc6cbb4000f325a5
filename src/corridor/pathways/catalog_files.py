"""The catalog as files: one YAML file per entry, read, validated and written back.

Reading never executes anything in a file (the safe loader, within core.inputs' limits),
and every problem is reported with the file and the field, so a reviewer can fix it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from corridor.core.exceptions import InvalidInput
from corridor.core.inputs import InputRefused, parse_yaml, read_input_text
from corridor.pathways.schema import CatalogMeta, Route, Transit, entry_content, parse_entry

CATALOG_DIR = Path(__file__).resolve().parent / "catalog"
SUFFIX = ".yaml"
# The catalog's own file (its as_of date and Russia's exit risks); entries never start with "_".
META_FILE = "_catalog.yaml"
# The longest entry is a few kilobytes; sources and notes fit many times over.
MAX_FILE_BYTES = 256 * 1024


class CatalogInvalid(InvalidInput):
    """One or more catalog files are malformed; `problems` lists each with file and field."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class CatalogFile:
    path: Path
    entry: Route | Transit


def read_catalog(directory: Path = CATALOG_DIR) -> list[CatalogFile]:
    """Every entry in `directory`, validated; CatalogInvalid lists every problem found."""
    problems: list[str] = []
    files: list[CatalogFile] = []
    paths = sorted(path for path in directory.glob(f"*{SUFFIX}") if not path.name.startswith("_"))
    if not paths:
        raise CatalogInvalid([f"{directory}: no {SUFFIX} files"])
    for path in paths:
        try:
            entry = read_entry(path)
        except CatalogInvalid as error:
            problems.extend(error.problems)
            continue
        files.append(CatalogFile(path, entry))
    seen: dict[str, Path] = {}
    for item in files:
        if item.entry.id in seen:
            problems.append(
                f"{item.path.name}: id {item.entry.id} is also in {seen[item.entry.id].name}"
            )
        seen[item.entry.id] = item.path
    if problems:
        raise CatalogInvalid(problems)
    return files


def read_meta(directory: Path = CATALOG_DIR) -> CatalogMeta:
    """The catalog's `_catalog.yaml`: the date it speaks for and Russia's own exit risks."""
    path = directory / META_FILE
    if not path.is_file():
        raise CatalogInvalid([f"{META_FILE}: missing; it gives the catalog's as_of date"])
    try:
        data = parse_yaml(read_input_text(path, limit=MAX_FILE_BYTES))
    except InputRefused as error:
        raise CatalogInvalid([error.sentence(path.name)]) from None
    try:
        return CatalogMeta.model_validate(data)
    except ValidationError as error:
        raise CatalogInvalid([f"{path.name}: {line}" for line in describe(error)]) from None


def read_entry(path: Path) -> Route | Transit:
    """One validated entry; its file must be named after its id."""
    try:
        data = parse_yaml(read_input_text(path, limit=MAX_FILE_BYTES))
    except InputRefused as error:
        raise CatalogInvalid([error.sentence(path.name)]) from None
    try:
        entry = parse_entry(data)
    except ValidationError as error:
        raise CatalogInvalid([f"{path.name}: {line}" for line in describe(error)]) from None
    if path.name != f"{entry.id}{SUFFIX}":
        raise CatalogInvalid([f"{path.name}: the file must be named {entry.id}{SUFFIX}"])
    return entry


def describe(error: ValidationError) -> list[str]:
    """Each validation problem as `field.path: message` (without echoing the input)."""
    lines = []
    for problem in error.errors(include_input=False, include_url=False):
        location = ".".join(str(part) for part in problem["loc"]) or "(entry)"
        lines.append(f"{location}: {problem['msg']}")
    return lines


def write_entry(directory: Path, entry: Route | Transit) -> Path:
    """Write `entry` as `<id>.yaml` in reading order; returns the path written."""
    path = directory / f"{entry.id}{SUFFIX}"
    path.write_text(entry_as_yaml(entry), encoding="utf-8")
    return path


def entry_as_yaml(entry: Route | Transit) -> str:
    """The entry as its file holds it, in reading order (also what the admin editor shows)."""
    return yaml.safe_dump(entry_content(entry), allow_unicode=True, sort_keys=False, width=100)


def parse_entry_text(text: str, *, expected_id: str) -> Route | Transit:
    """An entry edited as YAML text, validated; its id must stay `expected_id`."""
    try:
        data = parse_yaml(text)
    except InputRefused as error:
        raise CatalogInvalid([error.sentence("The text")]) from None
    try:
        entry = parse_entry(data)
    except ValidationError as error:
        raise CatalogInvalid(describe(error)) from None
    if entry.id != expected_id:
        raise CatalogInvalid([f"id: an entry keeps its id ({expected_id})"])
    return entry


def canonical_json(entry: Route | Transit) -> str:
    """The stored form: sorted keys, no spaces, so equal content is equal text."""
    return json.dumps(
        entry_content(entry), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def content_hash(entry: Route | Transit) -> str:
    return hashlib.sha256(canonical_json(entry).encode("utf-8")).hexdigest()
