"""Steps of the erasure drill and the restore checks, each run in its own process.

The test suite's databases live in memory; these steps need real files (databases,
WAL, key store, backups) to search, so each runs as
`python -m tests.vault.drill STEP ...` with the test settings, in a data dir under
$TMPDIR, and prints one JSON object on stdout. See test_erasure_drill.py.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import logging
import os
import shutil
import sys
import tarfile
from pathlib import Path
from typing import Any


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("step", choices=["populate", "restore-and-open", "restore-refusals"])
    parser.add_argument("--canary", default="")
    parser.add_argument("--source", type=Path)
    parser.add_argument("--kek-file", type=Path)
    parser.add_argument("--backups", type=Path)
    arguments = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "corridor.config.settings.test")
    import django

    django.setup()
    step = {
        "populate": populate,
        "restore-and-open": restore_and_open,
        "restore-refusals": restore_refusals,
    }[arguments.step]
    json.dump(step(arguments), sys.stdout)


def plaintexts(canary: str, label: str) -> dict[str, Any]:
    """What each kind of sealed value holds in the drill, by key label (k1 or k2)."""
    return {
        "name": f"{label} name {canary}",
        "details": {"phone": f"+7 {canary}", "story": f"{label} story {canary}"},
        "note": f"{label} note {canary}",
        "file": f"{label} testimony {canary}\n".encode() * 3000,
    }


def digest(value: object) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value, sort_keys=True).encode()
    return hashlib.sha256(raw).hexdigest()


def populate(arguments: argparse.Namespace) -> dict[str, Any]:
    """Two cases under two keys with a canary in every sealed field and file; back up;
    erase case k1 (blank, then destroy its key); back up again."""
    from django.conf import settings
    from django.core.management import call_command

    from corridor.vault import seal_field
    from corridor.vault.files import delete_file, seal_file
    from corridor.vault.keys import create_data_key, destroy_data_key
    from corridor.vault.longlived import initialise_keys
    from corridor.vault.models import WrappedKey
    from tests.canaries import find_canary
    from tests.vault.testapp.models import Note, Person

    data_dir = Path(settings.CORRIDOR_DATA_DIR)
    for alias in settings.DATABASES:
        call_command("migrate", database=alias, interactive=False, verbosity=0)
    initialise_keys()
    keys = {"k1": create_data_key(), "k2": create_data_key()}
    rows: dict[str, str] = {}
    for label, key in keys.items():
        values = plaintexts(arguments.canary, label)
        for _ in range(2):
            person = Person()
            seal_field(person, "name", values["name"], key=key)
            seal_field(person, "details", values["details"], key=key)
            person.document = seal_file(io.BytesIO(values["file"]), key=key).name
            person.save()
            note = Note()
            seal_field(note, "body", values["note"], key=key)
            note.save()
            rows[str(person.id)] = rows[str(note.id)] = label
    # Whatever Corridor logs while it works goes to the log the test searches.
    logging.getLogger("corridor.drill").info("populated %s rows", len(rows))
    wrapped_k1 = bytes(WrappedKey.objects.get(id=keys["k1"].key_id).wrapped)
    call_command("backup", str(arguments.backups / "before"), stdout=io.StringIO())

    # Erasure as Cases will do it: blank the sealed values and files, commit, then shred.
    for person in Person.objects.filter(key_id=keys["k1"].key_id):
        delete_file(person.document)
        person.name = person.details = None
        person.save()
    Note.objects.filter(key_id=keys["k1"].key_id).update(body=None)
    destruction = destroy_data_key(keys["k1"].key_id)
    call_command("backup", str(arguments.backups / "after"), stdout=io.StringIO())

    roots = database_folders()
    live = [
        p
        for root in [data_dir, *roots]
        for p in Path(root).rglob("*")
        if p.is_file() and "backups" not in p.parts
    ]
    return {
        "data_dir": str(data_dir),
        "database_folders": roots,
        "rows": rows,
        "purged": destruction.purged,
        # Searched while this process still holds the databases open (WAL files exist).
        "canary_hits_while_running": [
            hit
            for root in [data_dir.parent, *roots, *wal_folders()]
            for hit in find_canary(Path(root), arguments.canary)
        ],
        "live_files": sorted(str(p.relative_to(data_dir)) for p in live if data_dir in p.parents),
        "k1_wrapped_in_live_files": [str(p) for p in live if wrapped_k1 in p.read_bytes()],
        "k1_key_in_live_files": [str(p) for p in live if keys["k1"]._material in p.read_bytes()],
        "k1_wrapped": wrapped_k1.hex(),
        "k1_key": keys["k1"]._material.hex(),
    }


def database_folders() -> list[str]:
    """On PostgreSQL, the folders of this run's two databases (after a checkpoint, so the
    table files hold what was committed); on SQLite the files are in the data dir."""
    from django.db import connections

    if connections["default"].vendor != "postgresql":
        return []
    folders = []
    for alias in ("default", "keystore"):
        with connections[alias].cursor() as cursor:
            cursor.execute("CHECKPOINT")
            cursor.execute("SHOW data_directory")
            (cluster,) = cursor.fetchone()
            cursor.execute("SELECT oid FROM pg_database WHERE datname = current_database()")
            (oid,) = cursor.fetchone()
        folders.append(f"{cluster}/base/{oid}")
    return folders


def wal_folders() -> list[str]:
    """PostgreSQL's WAL: searched for canaries; it keeps old rows until it is recycled."""
    folders = database_folders()
    return [str(Path(folders[0]).parents[1] / "pg_wal")] if folders else []


def restore_and_open(arguments: argparse.Namespace) -> dict[str, Any]:
    """Restore into this (empty) data dir, then try to open every sealed value and file."""
    from django.core.management import call_command

    from corridor.vault.errors import VAULT_FAILURES
    from corridor.vault.files import open_file
    from corridor.vault.keys import data_key
    from corridor.vault.opening import open_field
    from tests.vault.testapp.models import Note, Person

    # The live key store is of another set than the old data: the drill accepts that.
    call_command(
        "restore",
        str(arguments.source),
        kek_file=arguments.kek_file,
        allow_older_keys=True,
        stdout=io.StringIO(),
    )
    opened: dict[str, list[str]] = {}
    refused: dict[str, list[str]] = {}

    def attempt(row_id: str, read: Any) -> None:
        try:
            value = digest(read())
        except VAULT_FAILURES as error:
            refused.setdefault(row_id, []).append(type(error).__name__)
        else:
            opened.setdefault(row_id, []).append(value)

    def key_of(row: Any) -> Any:
        return data_key(row.key_id, for_actor="system:drill", case_id=None)

    for person in Person.objects.all():
        row_id = str(person.id)
        attempt(row_id, lambda p=person: open_field(p.name, key=key_of(p)))
        attempt(row_id, lambda p=person: open_field(p.details, key=key_of(p)))
        attempt(row_id, lambda p=person: b"".join(open_file(p.document, key=key_of(p))))
    for note in Note.objects.all():
        attempt(str(note.id), lambda n=note: open_field(n.body, key=key_of(n)))
    return {"opened": opened, "refused": refused}


def restore_refusals(arguments: argparse.Namespace) -> dict[str, Any]:
    """Try every way a restore must be refused, one after another in the same empty data
    dir; each must leave it empty. Finally restore for real, and try once more."""
    from django.conf import settings

    from corridor.vault.backup import restore
    from corridor.vault.errors import VAULT_FAILURES

    data_dir = Path(settings.CORRIDOR_DATA_DIR)
    good = arguments.source
    work = data_dir.parent / "cases"
    kek = arguments.kek_file
    data = next(good.glob("corridor-data-*"))
    files = next(good.glob("corridor-files-*"))
    keys = next(good.glob("corridor-keys-*"))
    listed = next(good.glob("corridor-manifest-*"))

    def case(name: str, members: dict[str, Any]) -> Path:
        folder = work / name
        folder.mkdir(parents=True)
        # The set's own manifest: each case is then refused for what was done to its files.
        shutil.copy(listed, folder / listed.name)
        for target, origin in members.items():
            if isinstance(origin, Path):
                shutil.copy(origin, folder / target)
            else:
                (folder / target).write_bytes(origin)
        return folder

    other_kek = work / "other-kek.demo"
    work.mkdir(parents=True)
    other_kek.write_text(
        '{"format": "corridor-kek-v1", "keys": {"1": "' + "A" * 43 + '="}}', encoding="ascii"
    )
    evil = io.BytesIO()
    with tarfile.open(fileobj=evil, mode="w") as archive:
        entry = tarfile.TarInfo("../escaped")
        entry.size = 4
        archive.addfile(entry, io.BytesIO(b"evil"))
    stamp = data.name.removeprefix("corridor-data-").split(".")[0]
    attempts: list[tuple[str, Path, Path | None]] = [
        ("not a folder", good / "absent", kek),
        ("no key backup", case("no-keys", {data.name: data, files.name: files}), kek),
        ("no files archive", case("no-files", {data.name: data, keys.name: keys}), kek),
        (
            "keys are data",
            case("keys-are-data", {data.name: data, files.name: files, keys.name: data}),
            kek,
        ),
        (
            "data are keys",
            case("data-are-keys", {data.name: keys, files.name: files, keys.name: keys}),
            kek,
        ),
        (
            "garbage data",
            case("garbage", {data.name: b"not a database", files.name: files, keys.name: keys}),
            kek,
        ),
        ("no kek file", good, None),
        ("unreadable kek file", good, work),
        ("another kek", good, other_kek),
        (
            "escaping archive",
            case("evil", {data.name: data, files.name: evil.getvalue(), keys.name: keys}),
            kek,
        ),
        (
            "archive not a tar",
            case("not-tar", {data.name: data, files.name: b"x" * 600, keys.name: keys}),
            kek,
        ),
    ]
    results: dict[str, Any] = {"stamp": stamp}
    for name, source, kek_file in attempts:
        try:
            restore(source, kek_file=kek_file)
            results[name] = "restored"
        except VAULT_FAILURES as error:
            results[name] = [type(error).__name__, str(error), _is_empty(data_dir)]
    (data_dir / "kek.demo").write_bytes(b"{}")
    results["kek already there"] = _refusal(restore, good, kek)
    (data_dir / "kek.demo").unlink()
    settings.CORRIDOR_KEY_PROVIDER = "keyd"
    results["kek for keyd"] = _refusal(restore, good, kek)
    # keyd must answer, unsealed, to check its KEK against the key store (none runs here).
    results["keyd not running"] = [*_refusal(restore, good, None), _is_empty(data_dir)]
    settings.CORRIDOR_KEY_PROVIDER = "file"
    results["restored"] = restore(good, kek_file=kek).file_count
    results["again"] = _refusal(restore, good, kek)
    return results


def _refusal(restore: Any, source: Path, kek: Path | None) -> list[str]:
    from corridor.vault.errors import VAULT_FAILURES

    try:
        restore(source, kek_file=kek)
    except VAULT_FAILURES as error:
        return [type(error).__name__, str(error)]
    return ["restored"]


def _is_empty(data_dir: Path) -> bool:
    """No database, no encrypted file and no KEK file in the data dir."""
    from django.db import connections

    from corridor.vault.dumps import dumper_for

    files = data_dir / "files"
    return (
        all(dumper_for(alias).is_empty() for alias in connections)
        and not (files.is_dir() and any(files.iterdir()))
        and not (data_dir / "kek.demo").exists()
    )


if __name__ == "__main__":
    main()
