"""The export file read on its own, no database: a header made up by an attacker is refused
before any Argon2 runs, a changed header does not authenticate, and files of the first
format version are still read."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from corridor.transfer import export
from corridor.vault import recipients
from corridor.vault.requester import DEFAULT_COST
from corridor.vault.streams import encrypt_stream, passphrase_stream_key

PASSPHRASE = "correct horse battery staple"


def _export_file(path: Path, header: dict, records: list[dict], *, key: bytes) -> Path:
    """An export file made by hand (a test's attacker, or an older Corridor)."""
    raw = json.dumps(header, sort_keys=True, separators=(",", ":")).encode() + b"\n"
    lines = [json.dumps(r).encode() + b"\n" for r in [*records, {"end": len(records)}]]
    with path.open("wb") as handle:
        handle.write(export.MAGIC + raw)
        encrypt_stream(
            lines, handle, dek_id=uuid.UUID(header["export_id"]), key=key, associated_data=raw
        )
    return path


def _v1_header(cost: dict) -> dict:
    return {
        "format": export.FORMAT_V1,
        "export_id": str(uuid.uuid4()),
        "created": "2026-01-01T00:00:00Z",
        "salt": "00" * 16,
        "cost": cost,
    }


@pytest.mark.parametrize(
    "cost",
    [
        {"time_cost": 2, "memory_cost": 4 * 1024 * 1024, "parallelism": 1},  # 4 GiB
        {"time_cost": 100000, "memory_cost": 19 * 1024, "parallelism": 1},
        {"time_cost": 1, "memory_cost": 8, "parallelism": 1},  # too cheap to guess at
        {"time_cost": 2, "memory_cost": 19 * 1024},
    ],
)
def test_a_passphrase_cost_outside_the_limits_is_refused_before_argon2_runs(
    tmp_path, monkeypatch, cost
):
    """Attack: a made-up header asks the reader for gigabytes and hours of Argon2id (or a
    cost too cheap to resist guessing). No database: the file is refused on its header."""
    path = _export_file(tmp_path / "made.corridor-export", _v1_header(cost), [], key=b"k" * 32)

    def no_derivation(*args, **kwargs):
        raise AssertionError("Argon2 ran on an unchecked cost")

    monkeypatch.setattr(export, "passphrase_stream_key", no_derivation)
    with pytest.raises(export.ExportRefused, match="passphrase cost outside") as refused:
        export.read_export(path, lock=export.Lock(passphrase=PASSPHRASE))
    assert "memory_cost 19456–262144" in str(refused.value)


def test_a_cost_changed_within_the_limits_fails_authentication(tmp_path):
    """The header is the stream's associated data: the right passphrase at a cost the
    writer did not use gives another key, and a changed header no longer authenticates."""
    header = _v1_header(dict(DEFAULT_COST))
    key = passphrase_stream_key(PASSPHRASE, salt=bytes(16), cost=DEFAULT_COST)
    path = _export_file(tmp_path / "v1.corridor-export", header, [], key=key)
    raw = path.read_bytes()
    path.write_bytes(raw.replace(b'"time_cost":2', b'"time_cost":3'))
    with pytest.raises(export.ExportRefused, match="altered, damaged or cut short"):
        export.read_export(path, lock=export.Lock(passphrase=PASSPHRASE))


def test_a_version_1_export_is_still_read(tmp_path):
    """Files written before the move carried notes, documents and the rest: read as cases
    with those parts empty. No database."""
    header = _v1_header(dict(DEFAULT_COST))
    key = passphrase_stream_key(PASSPHRASE, salt=bytes(16), cost=DEFAULT_COST)
    case = {
        "ref": "K-OLD1", "region": "RU-CE", "opened_on": "2017-03-12",
        "people": [{"relation": "principal", "names": [{"script": "latn", "given": "A"}]}],
        "milestones": {}, "expenses": [], "applications": [],
    }  # fmt: skip
    path = _export_file(tmp_path / "v1.corridor-export", header, [case], key=key)
    contents = export.read_export(path, lock=export.Lock(passphrase=PASSPHRASE))
    (record,) = contents.cases
    assert record["ref"] == "K-OLD1"
    assert record["notes"] == []
    assert record["placements"] == []
    assert record["risk"] is None


def test_a_version_2_export_from_before_protocols_and_incidents_is_still_read(tmp_path):
    """A v2 file written before protocols, incidents, links and cancelled journeys were
    carried: read with none of them, its journeys drafted as they were. No database."""
    header = {
        "format": export.FORMAT,
        "export_id": str(uuid.uuid4()),
        "created": "2026-11-01T00:00:00Z",
        "lock": {"kind": "passphrase", "salt": "00" * 16, "cost": dict(DEFAULT_COST)},
    }
    key = passphrase_stream_key(PASSPHRASE, salt=bytes(16), cost=DEFAULT_COST)
    case = {
        "ref": "K-OLD2", "region": "RU-CE", "opened_on": "2026-10-02",
        "people": [{"relation": "principal", "names": [{"script": "latn", "given": "A"}],
                    "documents": [], "files": []}],
        "milestones": {}, "expenses": [], "applications": [], "placements": [],
        "journeys": [{"kind": "exit_country", "from_place": "RU-CE", "to_place": "GE",
                      "mode": "bus", "travel_on": "2026-12-20", "itinerary": "-",
                      "completed": False}],
        "notes": [], "tasks": [], "risk": None, "consent": None, "caseworker": "",
        "history": None,
    }  # fmt: skip
    path = _export_file(tmp_path / "v2.corridor-export", header, [case], key=key)
    (record,) = export.read_export(path, lock=export.Lock(passphrase=PASSPHRASE)).cases
    assert record["incidents"] == []
    assert record["links"] == []
    assert "protocol" not in record["people"][0]
    (journey,) = export._draft(1, record).journeys
    assert not journey.completed
    assert journey.cancelled_on is None


def test_an_identity_does_not_open_a_passphrase_export(tmp_path):
    header = _v1_header(dict(DEFAULT_COST))
    key = passphrase_stream_key(PASSPHRASE, salt=bytes(16), cost=DEFAULT_COST)
    path = _export_file(tmp_path / "v1.corridor-export", header, [], key=key)
    identity = recipients.parse_identity(recipients.new_identity()[0])
    with pytest.raises(export.ExportRefused, match="locked with a passphrase"):
        export.read_export(path, lock=export.Lock(identity=identity))
