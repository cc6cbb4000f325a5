"""Test data kept beside the project rather than in it (the shared RFC 6962 vectors).

Absent data skips its tests on a developer's machine, saying where it was looked for;
under CI a shared folder without the data fails them, so a file gone missing cannot pass
with checks missing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[1]


def shared_testdata(name: str) -> Path:
    """The nearest `shared/testdata/<name>` above the checkout: beside the main checkout,
    or further up for a git worktree (which sits one folder deeper)."""
    for ancestor in CHECKOUT.parents:
        candidate = ancestor / "shared" / "testdata" / name
        if candidate.is_dir():
            return candidate
    return CHECKOUT.parent / "shared" / "testdata" / name


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require_testdata(path: Path, *, present: bool) -> None:
    """Skip (locally) or fail (CI) the calling test when its data is absent.

    A machine with no shared test data folder at all is told so and skips even under CI,
    where the skip is listed with its reason: such a machine cannot be mended from the
    checkout (the data is never copied into the project). A shared folder that lacks this
    data, or holds it damaged, fails under CI.
    """
    if present:
        return
    message = f"test data not found at {path}"
    if in_ci() and path.parent.is_dir():
        pytest.fail(f"{message}: CI runs every check, so the data must be there", pytrace=False)
    pytest.skip(f"{message}: the shared test data is absent")
