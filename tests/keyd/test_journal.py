"""keyd's hash-chained log: it verifies as written, and any edited line is named."""

from __future__ import annotations

import json
import threading

import pytest

from corridor.vault.keyd.journal import (
    GENESIS,
    KeydJournal,
    KeydLogDamaged,
    LogHead,
    entry_hash,
    verify_log,
)

pytestmark = pytest.mark.pure


@pytest.fixture
def log_path(tmp_path):
    path = tmp_path / "keyd.log"
    journal = KeydJournal(path)
    journal.append("start", detail="pid:1")
    for number in range(1, 5):
        journal.append(
            "unwrap",
            peer="pid:9/uid:1000",
            principal=f"staff:{number}",
            case="6f1c6c1e-4a55-4d2b-9b55-2a3f2f1d0a11",
            key="0b4f4a64-8a5e-4d43-8f1d-0b8e1c3f6a22",
            outcome="ok" if number % 2 else "refused:not_allowed",
        )
    journal.close()
    return path


def rewrite(path, number, change):
    lines = path.read_text().splitlines(keepends=True)
    lines[number - 1] = change(lines[number - 1])
    path.write_text("".join(lines))


def test_the_log_verifies_as_written(log_path):
    result = verify_log(log_path)
    assert result.ok
    assert result.lines == 5
    first = json.loads(log_path.read_text().splitlines()[0])
    assert first["prev"] == GENESIS
    assert result.head.seq == 5


def test_every_line_holds_who_which_case_which_op_and_when(log_path):
    entry = json.loads(log_path.read_text().splitlines()[1])
    assert {
        "seq",
        "at",
        "op",
        "peer",
        "principal",
        "case",
        "key",
        "outcome",
        "prev",
        "hash",
    } <= set(entry)
    assert entry["principal"] == "staff:1"
    assert entry["at"].endswith("+00:00")


def test_editing_one_line_names_that_line(log_path):
    rewrite(log_path, 3, lambda line: line.replace('"staff:2"', '"staff:7"'))
    result = verify_log(log_path)
    assert (result.bad_line, result.problem) == (3, "was changed")
    assert result.lines == 2


def test_a_rehashed_edit_still_breaks_the_next_line(log_path):
    def forge(line):
        entry = json.loads(line)
        entry["outcome"] = "ok"
        entry["hash"] = entry_hash(entry)
        return json.dumps(entry, separators=(",", ":")) + "\n"

    rewrite(log_path, 3, forge)
    result = verify_log(log_path)
    assert (result.bad_line, result.problem) == (4, "does not follow the line before it")


def test_a_removed_line_is_named(log_path):
    rewrite(log_path, 2, lambda line: "")
    assert (verify_log(log_path).bad_line, verify_log(log_path).problem) == (
        2,
        "has sequence 3, expected 2",
    )


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda line: "garbage\n", "is not a log line"),
        (lambda line: line.replace('"op":"unwrap",', ""), "is not a log line"),
        (lambda line: line.rstrip("\n"), "is cut short"),
    ],
)
def test_a_broken_line_is_named(log_path, change, problem):
    rewrite(log_path, 5, change)
    result = verify_log(log_path)
    assert (result.bad_line, result.problem) == (5, problem)


def test_a_recorded_head_catches_a_rewritten_history(log_path):
    """Rewriting the whole chain keeps it consistent; the head kept elsewhere does not match."""
    head = verify_log(log_path).head
    assert verify_log(log_path, expected_head=head).ok
    assert verify_log(log_path, expected_head=LogHead(3, head.hash)).problem == (
        "differs from the recorded head"
    )
    missing = verify_log(log_path, expected_head=LogHead(9, head.hash))
    assert (missing.bad_line, missing.problem) == (6, "the recorded head is missing")


def test_keyd_continues_the_chain_after_a_restart(log_path):
    journal = KeydJournal(log_path)
    assert journal.head.seq == 5
    journal.append("start")
    journal.close()
    assert verify_log(log_path).lines == 6


def test_keyd_will_not_append_to_a_damaged_log(log_path):
    rewrite(log_path, 5, lambda line: line.replace('"staff:4"', '"staff:5"'))
    with pytest.raises(KeydLogDamaged, match="keys log verify"):
        KeydJournal(log_path)
    log_path.write_bytes(log_path.read_bytes().rstrip(b"\n"))
    with pytest.raises(KeydLogDamaged):
        KeydJournal(log_path)


def test_an_empty_log_starts_from_the_genesis(tmp_path):
    (tmp_path / "keyd.log").touch()
    journal = KeydJournal(tmp_path / "keyd.log")
    assert journal.head == LogHead(0, GENESIS)
    journal.close()


def test_threads_appending_together_keep_one_chain(tmp_path):
    journal = KeydJournal(tmp_path / "keyd.log")

    def write() -> None:
        for _ in range(200):
            journal.append("index", detail="index:phone")
            journal.sync()

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    journal.close()
    result = verify_log(tmp_path / "keyd.log")
    assert result.ok
    assert result.lines == 800
