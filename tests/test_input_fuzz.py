"""Fuzzing every command that reads an operator's file or stdin: whatever the bytes, the
command exits 0, or with its documented error code and a sentence; never a traceback.

The commands run in-process (call_command, which lets every exception but a
CommandError or SystemExit through), so an unhandled exception fails the example.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor.core.actors import SystemActor
from corridor.pathways import services
from corridor.pathways.catalog_files import CATALOG_DIR, read_catalog
from corridor.vault.errors import KeyProviderUnavailable
from corridor.vault.providers.file import parse_kek_file
from tests.pathways.conftest import INSIDE_RUSSIA

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
LARGE = settings(FUZZ, max_examples=400)

BOM = b"\xef\xbb\xbf"
ENTRY_TEXT = (CATALOG_DIR / "ca-gar.yaml").read_text(encoding="utf-8")
# Input that crashed Python's parsers, or that a careless reader would take whole.
HOSTILE = [
    "[" * 5000,
    '{"a":' * 3000,
    "9" * 5000,
    "-" + "1" * 4400,
    "1" + "0" * 30,
    "1e999999",
    "NaN",
    "-Infinity",
    '"\\ud800"',
    "\x00",
    '"' + "x" * 70_000 + '"',
]

json_leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
json_values = st.recursive(
    json_leaves,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=16,
)


@st.composite
def facts_documents(draw) -> bytes:
    """Facts files as a careless or hostile hand could write them: mostly facts, with a
    key replaced by anything, a giant or a nested value, or bytes that are not text."""
    kind = draw(st.sampled_from(["valid", "mutated", "hostile value", "any json", "bytes"]))
    if kind == "valid":
        size = draw(st.integers(min_value=1, max_value=50))
        body = json.dumps({**INSIDE_RUSSIA, "household_size": size}).encode()
    elif kind == "bytes":
        body = draw(st.binary(max_size=300))
    elif kind == "any json":
        body = json.dumps(draw(json_values)).encode()
    else:
        key = draw(st.sampled_from(sorted(INSIDE_RUSSIA)))
        document = {k: v for k, v in INSIDE_RUSSIA.items() if k != key}
        if kind == "mutated":
            if draw(st.booleans()):
                document[key] = draw(json_values)
            body = json.dumps(document).encode()
        else:
            value = draw(st.sampled_from(HOSTILE))
            body = (json.dumps(document)[:-1] + f', "{key}": {value}}}').encode()
    return (BOM if draw(st.booleans()) else b"") + body


@st.composite
def yaml_documents(draw) -> bytes:
    """Catalog files: a real entry cut or spliced with hostile YAML, or arbitrary text."""
    entry = ENTRY_TEXT
    kind = draw(st.sampled_from(["cut", "splice", "text", "bytes"]))
    if kind == "cut":
        body = entry[: draw(st.integers(0, len(entry)))]
    elif kind == "splice":
        hostile = draw(
            st.sampled_from(
                [
                    "[" * 5000,
                    "".join("  " * depth + "-\n" for depth in range(1500)),
                    "&a [1]\nother: [*a, *a, *a]",
                    "9" * 5000,
                    "1.0e+99999",
                    "!!python/object/apply:os.system [true]",
                    "{" * 40 + "}" * 40,
                ]
            )
        )
        lines = entry.splitlines()
        at = draw(st.integers(0, len(lines)))
        body = "\n".join([*lines[:at], f"extra: {hostile}", *lines[at:]])
    elif kind == "text":
        body = draw(st.text(max_size=300))
    else:
        return draw(st.binary(max_size=300))
    return (BOM if draw(st.booleans()) else b"") + body.encode("utf-8", "surrogatepass")


def outcome(command: str, *args: str) -> tuple[int, str]:
    """Exit code and the message an operator would read: 0 and "", or the error's sentence."""
    stderr = io.StringIO()
    try:
        call_command(command, *args, stdout=io.StringIO(), stderr=stderr)
    except CommandError as error:
        return error.returncode, str(error)
    except SystemExit as exit_:
        return int(exit_.code or 0), stderr.getvalue()
    return 0, ""


def assert_clean(code: int, message: str, allowed: set[int]) -> None:
    assert code in allowed, (code, message)
    if code:
        assert message.strip(), "an error without a sentence"
        assert "Traceback" not in message


@pytest.fixture
def catalog_loaded(db):
    services.load_catalog(
        actor=SystemActor(name="cli:fuzz"), entries=[item.entry for item in read_catalog()]
    )


def _match(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "facts.json"
    path.write_bytes(content)
    code, message = outcome("pathways", "match", "--facts", str(path), "--json")
    assert_clean(code, message, {0, 2})


@FUZZ
@given(content=facts_documents())
def test_pathways_match_facts_file_never_crashes(catalog_loaded, tmp_path, content):
    _match(tmp_path, content)


@pytest.mark.slow
@LARGE
@given(content=facts_documents())
def test_pathways_match_facts_file_never_crashes_many_examples(catalog_loaded, tmp_path, content):
    _match(tmp_path, content)


@FUZZ
@given(content=facts_documents())
def test_pathways_match_facts_on_stdin_never_crashes(catalog_loaded, monkeypatch, content):
    """stdin as a terminal pipe delivers it: bytes, decoded by the reader itself."""
    stdin = io.TextIOWrapper(io.BytesIO(content), encoding="utf-8")
    monkeypatch.setattr("sys.stdin", stdin)
    code, message = outcome("pathways", "match", "--facts", "-", "--json")
    assert_clean(code, message, {0, 2})


@FUZZ
@given(content=yaml_documents())
def test_pathways_lint_and_load_never_crash_on_a_catalog_file(db, tmp_path, content):
    """lint exits 1 for catalog errors it finds; files it cannot read are bad input (2)."""
    (tmp_path / "ca-gar.yaml").write_bytes(content)
    assert_clean(*outcome("pathways", "lint", "--dir", str(tmp_path)), {0, 1, 2})
    assert_clean(*outcome("pathways", "load", "--dir", str(tmp_path)), {0, 1, 2})


@FUZZ
@given(content=facts_documents() | st.sampled_from([s.encode() for s in HOSTILE]))
def test_audit_verify_head_file_never_crashes(db, tmp_path, content):
    """verify exits 1 for a head that does not match the log, 2 for a file it cannot use."""
    path = tmp_path / "head.json"
    path.write_bytes(content)
    assert_clean(*outcome("audit", "verify", "--head", str(path)), {0, 1, 2})


@FUZZ
@given(content=facts_documents() | st.sampled_from([s.encode() + b"\n" for s in HOSTILE]))
def test_keys_log_verify_never_crashes(tmp_path, content):
    """A line keyd did not write is named (exit 1); nothing crashes the verifier."""
    path = tmp_path / "keyd.log"
    path.write_bytes(content)
    assert_clean(*outcome("keys", "log", "verify", "--file", str(path)), {0, 1, 2})


@FUZZ
@given(content=st.binary(max_size=400) | st.sampled_from([s.encode() for s in HOSTILE]))
def test_unseal_on_stdin_never_crashes(settings, tmp_path, monkeypatch, content):
    """Shares on stdin that are not text are refused (2); text goes to keyd, which is not
    running here (1); a traceback is neither."""
    settings.CORRIDOR_KEYD_ADMIN_SOCKET = tmp_path / "none.sock"
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(content), encoding="utf-8"))
    assert_clean(*outcome("unseal"), {1, 2})


@FUZZ
@given(content=facts_documents() | st.sampled_from([s.encode() for s in HOSTILE]))
def test_a_restore_kek_file_is_refused_as_a_key_file_never_a_crash(tmp_path, content):
    """`restore --kek-file` parses the file with parse_kek_file before it writes anything."""
    path = tmp_path / "kek.demo"
    with pytest.raises(KeyProviderUnavailable) as refused:
        parse_kek_file(content, path)
    assert str(refused.value) == f"{path} is not a Corridor key file."


def test_keys_log_verify_a_log_it_cannot_read_exits_2_with_a_sentence(tmp_path, monkeypatch):
    """A log this user may not read (keyd's own, run as the web's user) is named, not raised."""
    path = tmp_path / "keyd.log"
    path.write_bytes(b"")

    def refused(path: Path, **_: object) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("corridor.operations.management.commands.keys.verify_log", refused)
    code, message = outcome("keys", "log", "verify", "--file", str(path))
    assert (code, message) == (2, f"Cannot read the keyd log {path} (Permission denied).")
