"""The KEK in SLIP-39 shares: any M of N rebuild it; every kind of bad share is named."""

from __future__ import annotations

import itertools
import json
import secrets

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shamir_mnemonic import EncryptedMasterSecret, split_ems

from corridor.vault import aead
from corridor.vault.errors import (
    InputRejected,
    InvalidShare,
    KeydAlreadyInitialised,
    KeydNotInitialised,
)
from corridor.vault.keyd import shares as slip39
from tests.keyd.helpers import short_dir

pytestmark = pytest.mark.pure


@pytest.fixture
def directory():
    with short_dir() as path:
        yield path


def gathering_for(directory, *, idle_seconds=600.0, clock=None):
    record = slip39.read_record(directory)
    extra = {"clock": clock} if clock else {}
    return record, slip39.ShareGathering(record.sets, idle_seconds=idle_seconds, **extra)


def test_init_prints_n_shares_and_keeps_only_a_check_value(directory):
    shares = slip39.initialise_kek(directory, shares=5, threshold=3)
    assert len(shares) == 5
    assert all(len(share.split()) == 33 for share in shares)  # 256 bits in SLIP-39
    record = json.loads((directory / "kek-check.json").read_text())
    assert record["format"] == "corridor-keyd-kek-v1"
    assert set(record["versions"]["1"]) == {"check", "identifier", "threshold", "shares"}
    assert (directory / "kek-check.json").stat().st_mode & 0o777 == 0o600


def test_any_three_of_five_rebuild_the_same_kek(directory):
    shares = slip39.initialise_kek(directory, shares=5, threshold=3)
    rebuilt = set()
    for chosen in itertools.combinations(shares, 3):
        _, gathering = gathering_for(directory)
        offers = [gathering.offer(share, held=set()) for share in chosen]
        assert [offer.needed for offer in offers] == [2, 1, 0]
        assert list(offers[-1].rebuilt) == [1]
        rebuilt.add(bytes(offers[-1].rebuilt[1]))
    assert len(rebuilt) == 1
    record, _ = gathering_for(directory)
    assert aead.kek_check_value(rebuilt.pop()) == record.sets[1].check


def test_a_mistyped_word_is_checksum_and_keeps_earlier_shares(directory):
    shares = slip39.initialise_kek(directory, shares=5, threshold=3)
    _, gathering = gathering_for(directory)
    gathering.offer(shares[0], held=set())
    words = shares[1].split()
    words[5] = "academic" if words[5] != "academic" else "acid"
    with pytest.raises(InvalidShare) as refused:
        gathering.offer(" ".join(words), held=set())
    assert refused.value.reason == "checksum"
    assert refused.value.needed == 2
    with pytest.raises(InvalidShare, match="checksum"):
        gathering.offer("not words at all", held=set())
    assert gathering.accepted == 1
    gathering.offer(shares[1], held=set())
    assert gathering.offer(shares[2], held=set()).rebuilt


def test_upper_case_and_extra_spaces_are_the_same_share(directory):
    shares = slip39.initialise_kek(directory, shares=2, threshold=2)
    _, gathering = gathering_for(directory)
    gathering.offer("  " + shares[0].upper().replace(" ", "   ") + "\n", held=set())
    assert gathering.offer(shares[1], held=set()).rebuilt


def test_a_share_of_another_installation_is_other_set(directory):
    shares = slip39.initialise_kek(directory, shares=5, threshold=3)
    with short_dir() as elsewhere:
        other = slip39.initialise_kek(elsewhere, shares=5, threshold=3)
    _, gathering = gathering_for(directory)
    gathering.offer(shares[0], held=set())
    with pytest.raises(InvalidShare) as refused:
        gathering.offer(other[0], held=set())
    assert refused.value.reason == "other_set"
    assert gathering.accepted == 1


def test_the_same_share_twice_is_repeated(directory):
    shares = slip39.initialise_kek(directory, shares=5, threshold=3)
    _, gathering = gathering_for(directory)
    gathering.offer(shares[3], held=set())
    with pytest.raises(InvalidShare) as refused:
        gathering.offer(shares[3], held=set())
    assert refused.value.reason == "repeated"
    assert gathering.accepted == 1


def test_a_share_of_a_version_already_held_is_repeated(directory):
    shares = slip39.initialise_kek(directory, shares=2, threshold=2)
    _, gathering = gathering_for(directory)
    with pytest.raises(InvalidShare, match="repeated"):
        gathering.offer(shares[0], held={1})


def impostor_shares(directory, *, threshold: int, count: int) -> list[str]:
    """Shares of another random key under this record's set id (a collision, or a forgery)."""
    identifier = slip39.read_record(directory).sets[1].identifier
    impostor = EncryptedMasterSecret.from_master_secret(
        secrets.token_bytes(32), b"", identifier, True, slip39.ITERATION_EXPONENT
    )
    return [share.mnemonic() for share in split_ems(1, [(threshold, count)], impostor)[0]]


def test_shares_that_rebuild_another_key_are_wrong_key_check_and_forgotten(directory):
    """A record swapped for another installation's (same set id by chance): the rebuilt key
    fails the check value, and the shares given for it are dropped."""
    shares = slip39.initialise_kek(directory, shares=3, threshold=2)
    forged = impostor_shares(directory, threshold=2, count=3)
    _, gathering = gathering_for(directory)
    gathering.offer(forged[0], held=set())
    with pytest.raises(InvalidShare) as refused:
        gathering.offer(forged[1], held=set())
    assert refused.value.reason == "wrong_key_check"
    assert gathering.accepted == 0
    gathering.offer(shares[0], held=set())
    assert gathering.offer(shares[2], held=set()).rebuilt


def test_shares_that_do_not_belong_together_drop_only_the_newest(directory):
    """Two splits under one set id: the digest fails, the newest share goes, the rest stay."""
    shares = slip39.initialise_kek(directory, shares=3, threshold=3)
    forged = impostor_shares(directory, threshold=3, count=3)
    _, gathering = gathering_for(directory)
    gathering.offer(shares[0], held=set())
    gathering.offer(shares[1], held=set())
    with pytest.raises(InvalidShare, match="other_set"):
        gathering.offer(forged[2], held=set())
    assert gathering.accepted == 2
    assert gathering.offer(shares[2], held=set()).rebuilt


def test_shares_are_forgotten_after_ten_idle_minutes(directory):
    shares = slip39.initialise_kek(directory, shares=5, threshold=3)
    now = [100.0]
    _, gathering = gathering_for(directory, clock=lambda: now[0])
    gathering.offer(shares[0], held=set())
    now[0] += 599
    assert not gathering.forget_if_idle()
    gathering.offer(shares[1], held=set())
    now[0] += 600
    gathering.offer(shares[2], held=set())  # the first two were forgotten first
    assert gathering.accepted == 1
    assert gathering.needed(set()) == 2


def test_init_never_replaces_a_record(directory):
    slip39.initialise_kek(directory, shares=2, threshold=2)
    before = (directory / "kek-check.json").read_bytes()
    with pytest.raises(KeydAlreadyInitialised, match="already has a KEK"):
        slip39.initialise_kek(directory, shares=2, threshold=2)
    assert (directory / "kek-check.json").read_bytes() == before


@pytest.mark.parametrize(
    ("shares", "threshold", "message"),
    [(5, 6, "at most 16"), (17, 3, "at most 16"), (0, 0, "at most 16"), (3, 1, "any one share")],
)
def test_impossible_splits_are_refused(directory, shares, threshold, message):
    with pytest.raises(InputRejected, match=message):
        slip39.initialise_kek(directory, shares=shares, threshold=threshold)
    assert not (directory / "kek-check.json").exists()


def test_one_of_one_is_allowed(directory):
    (share,) = slip39.initialise_kek(directory, shares=1, threshold=1)
    _, gathering = gathering_for(directory)
    assert gathering.offer(share, held=set()).rebuilt


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        '{"format": "other", "versions": {}}',
        '{"format": "corridor-keyd-kek-v1", "versions": {}}',
        '{"format": "corridor-keyd-kek-v1", "versions": {"1": {"check": "c2hvcnQ=", '
        '"identifier": 1, "threshold": 2, "shares": 3}}}',
        '{"format": "corridor-keyd-kek-v1", "versions": {"1": {}}}',
    ],
)
def test_a_damaged_record_is_named(directory, content):
    (directory / "kek-check.json").write_text(content)
    with pytest.raises(KeydNotInitialised, match="not a keyd KEK record"):
        slip39.read_record(directory)


def test_a_record_past_the_size_limit_or_a_folder_is_named(directory):
    """keyd reads its record before anything else: a giant file or a folder in its place
    stops it with a sentence, not a traceback or gigabytes in memory."""
    record = directory / "kek-check.json"
    record.write_bytes(b" " * (slip39.RECORD_LIMIT + 1))
    with pytest.raises(KeydNotInitialised, match=r"kek-check\.json is larger than 65,536 bytes"):
        slip39.read_record(directory)
    record.unlink()
    record.mkdir()
    with pytest.raises(KeydNotInitialised, match=r"kek-check\.json is a folder, not a file"):
        slip39.read_record(directory)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    content=st.binary(max_size=300)
    | st.sampled_from([b"[" * 5000, b"9" * 5000, b"\xef\xbb\xbf{}", b'{"format": NaN}'])
    | st.builds(
        lambda versions: json.dumps(
            {"format": "corridor-keyd-kek-v1", "versions": versions}, default=str
        ).encode(),
        st.dictionaries(
            st.text(max_size=4),
            st.dictionaries(
                st.sampled_from(["check", "identifier", "threshold", "shares"]),
                st.none() | st.integers() | st.text(max_size=8) | st.lists(st.integers()),
            ),
            max_size=3,
        ),
    )
)
def test_any_damaged_record_is_named_never_a_crash(content):
    """Whatever bytes sit in the record, reading it names the record or returns one."""
    with short_dir() as directory:
        (directory / "kek-check.json").write_bytes(content)
        problem = ""
        try:
            slip39.read_record(directory)
        except KeydNotInitialised as error:
            problem = str(error)
        assert problem == "" or "kek-check.json" in problem


def test_no_record_says_to_run_keys_init(directory):
    with pytest.raises(KeydNotInitialised, match="corridor keys init"):
        slip39.read_record(directory)


def test_wipe_zeroes_a_key_in_place():
    key = bytearray(b"\x11" * 32)
    slip39.wipe(key)
    assert key == bytearray(32)
