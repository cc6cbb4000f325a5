"""The canary search finds every encoding a leak could take, and nothing else."""

from __future__ import annotations

import base64

import pytest

from tests.canaries import find_canary

pytestmark = pytest.mark.pure
CANARY = "CANARY5F3A9C0D12E47B86"


@pytest.mark.parametrize(
    "content",
    [
        CANARY.encode(),
        CANARY.lower().encode(),
        CANARY.encode("utf-16-le"),
        CANARY.encode("utf-16-be"),
        base64.b64encode(CANARY.encode()),
        base64.b64encode(b"x" + CANARY.encode() + b"y"),
        base64.b64encode(b"xy" + CANARY.encode()),
        base64.urlsafe_b64encode(b"\xff\xfe" + CANARY.encode() + b"\xfb"),
    ],
)
def test_each_form_of_the_canary_is_found(tmp_path, content):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "file.bin").write_bytes(b"noise " * 100 + content + b" noise")
    assert find_canary(tmp_path, CANARY) == ["sub/file.bin"]


def test_a_canary_across_a_read_boundary_is_found(tmp_path):
    (tmp_path / "big").write_bytes(b"n" * ((1 << 20) - 5) + CANARY.encode())
    assert find_canary(tmp_path, CANARY) == ["big"]


def test_clean_files_and_other_canaries_are_not_reported(tmp_path):
    (tmp_path / "a").write_bytes(b"CANARY0000000000000000 and other text")
    (tmp_path / "b").write_bytes(base64.b64encode(b"unrelated content of similar length"))
    assert find_canary(tmp_path, CANARY) == []
