"""verify_log: an intact log verifies; every kind of tampering is caught and named.

Each tampering test first drops the triggers, as an operator with a SQL prompt would.
"""

from __future__ import annotations

import base64
import json
from datetime import date

import pytest
from django.db import connection

from corridor.audit.leaves import build_leaf, canonical_json
from corridor.audit.models import AuditEntry, TreeHead
from corridor.audit.selectors import iter_export_lines, list_leaf_hashes
from corridor.core.merkle import EMPTY_ROOT, hash_leaf, root_hash
from tests.audit.helpers import (
    execute,
    fake_head,
    fake_verify,
    record_many,
    rehash,
    shift,
    store_head,
    swap,
    triggers_dropped,
)

pytestmark = pytest.mark.django_db
EVENTS = 20


@pytest.fixture
def signed_log():
    """Twenty varied events and a stored signed head over all of them."""
    record_many(EVENTS)
    return store_head(fake_head())


def failure(verification):
    assert verification.failure is not None, verification.line()
    return verification.failure.line()


def test_an_intact_log_verifies_with_its_root(signed_log):
    """Every leaf, the sequence and the stored head check out; the root is the tree's root."""
    result = fake_verify()
    assert result.failure is None
    root = base64.b64encode(root_hash(list_leaf_hashes(EVENTS))).decode()
    assert result.line() == f"verified {EVENTS} events, root {root}"
    assert result.root == signed_log.root_hash


def test_an_empty_log_verifies_with_the_empty_root():
    """No events: verified 0 events, and the root is SHA-256 of the empty string."""
    result = fake_verify(store_head(fake_head(0)))
    assert result.line() == "verified 0 events, root 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    assert result.root == EMPTY_ROOT


def test_a_log_that_grew_after_its_head_still_verifies(signed_log):
    """Events appended after a head are checked against the head at its own size."""
    record_many(5)
    result = fake_verify()
    assert result.failure is None
    assert result.events == EVENTS + 5


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("actor", "system:forger"),
        ("event_type", "accounts.logout"),
        ("object_type", "cases.case"),
        ("object_id", "999"),
        ("case_id", "CR-FAKE-0000"),
        ("reason", "routine"),
        ("detail", '{"n":1}'),
        ("time_us", 1),
    ],
)
def test_an_edited_column_is_a_hash_mismatch_at_that_seq(signed_log, column, value):
    """Changing any stored column of one row fails at exactly that row."""
    with triggers_dropped():
        execute(f"UPDATE audit_entry SET {column} = %s WHERE seq = 7", [value])  # noqa: S608
    assert failure(fake_verify()) == "FAIL seq=7 reason=hash_mismatch"


def test_an_edit_with_a_recomputed_hash_contradicts_the_signed_head(signed_log):
    """A forger who also fixes the leaf hash is caught by the head's root."""
    with triggers_dropped():
        execute("UPDATE audit_entry SET actor = 'system:forger' WHERE seq = 7")
        rehash(7)
    assert failure(fake_verify()) == f"FAIL seq={EVENTS} reason=inconsistent_head"


def test_the_first_failure_in_sequence_order_is_reported(signed_log):
    """With two edited rows, the earlier one is named."""
    with triggers_dropped():
        execute("UPDATE audit_entry SET object_id = 'x' WHERE seq IN (12, 5)")
    assert failure(fake_verify()) == "FAIL seq=5 reason=hash_mismatch"


def test_a_deleted_row_under_a_head_is_a_deletion(signed_log):
    """A missing number that a signed head covers proves a row was removed."""
    with triggers_dropped():
        execute("DELETE FROM audit_entry WHERE seq = 9")
    assert failure(fake_verify()) == "FAIL seq=9 reason=deletion"


def test_a_missing_number_beyond_every_head_is_a_gap():
    """Without a head covering it, a missing number is reported as a gap."""
    record_many(10)
    with triggers_dropped():
        execute("DELETE FROM audit_entry WHERE seq = 4")
    assert failure(fake_verify()) == "FAIL seq=4 reason=gap"


def test_deleting_the_newest_rows_is_caught_by_the_head(signed_log):
    """Rows removed from the end: the head is larger than the log."""
    with triggers_dropped():
        execute("DELETE FROM audit_entry WHERE seq > 17")
    assert failure(fake_verify()) == "FAIL seq=18 reason=deletion"


def test_a_deletion_with_the_rest_renumbered_is_a_deletion(signed_log):
    """Closing the gap by renumbering leaves each moved row hashing as its old number."""
    with triggers_dropped():
        execute("DELETE FROM audit_entry WHERE seq = 9")
        shift(10, -1)
    assert failure(fake_verify()) == "FAIL seq=9 reason=deletion"


def test_a_deletion_renumbered_and_rehashed_is_caught_by_the_head(signed_log):
    """Even with every hash recomputed, the log is now shorter than its signed head."""
    with triggers_dropped():
        execute("DELETE FROM audit_entry WHERE seq = 9")
        shift(10, -1)
        rehash(*range(9, EVENTS))
    assert failure(fake_verify()) == f"FAIL seq={EVENTS} reason=deletion"


def forge_row(seq: int, *, valid_hash: bool) -> None:
    fields = (seq, 1_790_000_000_000_000, "system:forger", "accounts.logout", "", "", "", "", "{}")
    leaf_hash = hash_leaf(build_leaf(*fields)).hex() if valid_hash else "0" * 64
    execute(
        "INSERT INTO audit_entry (seq, time_us, actor, event_type, object_type, object_id, "
        "case_id, reason, detail, leaf_hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        [*fields, leaf_hash],
    )


@pytest.mark.parametrize("valid_hash", [True, False])
def test_an_inserted_row_is_an_insertion_where_it_was_put(signed_log, valid_hash):
    """A row slipped in at 6, the rest pushed down, is named at 6 whether or not it hashes."""
    with triggers_dropped():
        shift(6, 1)
        forge_row(6, valid_hash=valid_hash)
    assert failure(fake_verify()) == "FAIL seq=6 reason=insertion"


def test_an_insertion_with_every_hash_recomputed_contradicts_the_head(signed_log):
    """A careful forger re-hashes everything after the insertion; the head's root differs."""
    with triggers_dropped():
        shift(6, 1)
        forge_row(6, valid_hash=True)
        rehash(*range(7, EVENTS + 2))
    assert failure(fake_verify()) == f"FAIL seq={EVENTS} reason=inconsistent_head"


@pytest.mark.parametrize(("first", "second"), [(4, 5), (4, 15)])
def test_swapped_rows_are_a_reorder(signed_log, first, second):
    """Two rows exchanged, next to each other or far apart, are named at the earlier place."""
    with triggers_dropped():
        swap(first, second)
    assert failure(fake_verify()) == f"FAIL seq={first} reason=reorder"


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("detail", '{"b":1,"a":2}'),
        ("detail", "not json"),
        ("detail", '{"a":1.5}'),
        ("leaf_hash", "not-a-hash"),
    ],
)
def test_rows_the_writer_could_not_have_written_are_malformed(signed_log, column, value):
    """Non-canonical or non-JSON detail, or a leaf hash that is not hex, is a malformed row."""
    with triggers_dropped():
        execute(f"UPDATE audit_entry SET {column} = %s WHERE seq = 3", [value])  # noqa: S608
    assert failure(fake_verify()) == "FAIL seq=3 reason=malformed_row"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="only SQLite stores text in a number")
def test_text_in_a_number_column_is_malformed(signed_log):
    """SQLite keeps text written into an integer column; verify names the row, not a crash."""
    with triggers_dropped():
        execute("UPDATE audit_entry SET time_us = 'yesterday' WHERE seq = 3")
    assert failure(fake_verify()) == "FAIL seq=3 reason=malformed_row"


def test_a_given_head_with_a_different_root_is_inconsistent(signed_log):
    """A witness's head for a size the log has, but with another root, fails at that size."""
    witness = fake_head(10)
    with triggers_dropped():
        execute("UPDATE audit_entry SET actor = 'system:forger' WHERE seq = 2")
        rehash(2)
    assert failure(fake_verify(witness)) == "FAIL seq=10 reason=inconsistent_head"


def test_a_given_head_beyond_the_log_proves_a_deletion():
    """A witness holding a signed head of 12 events shows the log was cut back to 10."""
    record_many(12)
    witness = fake_head(12)
    with triggers_dropped():
        execute("DELETE FROM audit_entry WHERE seq > 10")
    assert failure(fake_verify(witness)) == "FAIL seq=11 reason=deletion"


def test_a_head_with_a_wrong_signature_is_bad(signed_log):
    """A head whose signature does not verify fails before its root is compared."""
    head = fake_head(10)
    forged = type(head)(**{**head.__dict__, "signature": bytes(64)})
    assert failure(fake_verify(forged)) == "FAIL seq=10 reason=bad_signature"


def test_a_head_signed_by_an_unknown_key_is_named(signed_log):
    """A head naming a key the key store does not know fails as unknown_key."""
    head = fake_head(10)
    stranger = type(head)(**{**head.__dict__, "key_id": "cd" * 32})
    assert failure(fake_verify(stranger)) == "FAIL seq=10 reason=unknown_key"


def test_a_bad_head_beyond_the_log_is_reported_as_bad_not_as_a_deletion(signed_log):
    """A forged head claiming more events than exist does not make verify cry deletion."""
    head = fake_head()
    inflated = type(head)(**{**head.__dict__, "tree_size": EVENTS + 5})
    assert failure(fake_verify(inflated)) == f"FAIL seq={EVENTS + 5} reason=bad_signature"


def test_a_hand_inserted_head_row_is_a_bad_signature(signed_log):
    """A heads-table row nobody could have signed (bad base64) fails as bad_signature."""
    TreeHead.objects.create(
        tree_size=5, root_hash="!!", timestamp=1, key_id="ab" * 32, signature="!!"
    )
    assert failure(fake_verify()) == "FAIL seq=5 reason=bad_signature"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="only SQLite stores text in a number")
def test_a_head_row_with_text_for_its_size_is_a_bad_signature(signed_log):
    """A head row whose size is not a number is refused at the start of the log."""
    with triggers_dropped():
        execute("UPDATE audit_tree_head SET tree_size = 'many'")
    assert failure(fake_verify()) == "FAIL seq=0 reason=bad_signature"


def test_export_lines_rebuild_the_leaf_hashes(signed_log):
    """Each exported leaf, canonicalised, hashes to the exported leaf_hash (checked off-host)."""
    lines = list(iter_export_lines(since=date(1970, 1, 1)))
    assert len(lines) == EVENTS
    for number, line in enumerate(lines, start=1):
        item = json.loads(line)
        assert item["seq"] == item["leaf"]["seq"] == number
        assert hash_leaf(canonical_json(item["leaf"]).encode()).hex() == item["leaf_hash"]
    assert AuditEntry.objects.get(seq=1).leaf_hash == json.loads(lines[0])["leaf_hash"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="only SQLite stores text in a number")
def test_a_malformed_row_after_an_edited_one_does_not_hide_the_edit(signed_log):
    """The edited row is still named when the rows after it cannot even be rebuilt."""
    with triggers_dropped():
        execute("UPDATE audit_entry SET actor = 'system:forger' WHERE seq = 3")
        execute("UPDATE audit_entry SET time_us = 'later' WHERE seq > 3")
    assert failure(fake_verify()) == "FAIL seq=3 reason=hash_mismatch"
