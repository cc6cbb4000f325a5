"""The repository explains itself: no file points at the brief's folders beside the checkout
(only the README names `../shared/testdata`, the RFC 6962 vectors the tree-head tests read),
and no code or test names the issue that asked for it. An issue number in a comment means
nothing to a reader of this repository; what the code does and why must be said instead."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Spelled in two pieces so this file does not match itself.
OUTSIDE = re.compile(r"\.\./" + r"shared/(?!testdata\b)|/work/" + "shared")
ISSUE_NUMBER = re.compile(r"\b[Ii]ssues? #?\d{1,3}\b|\(#\d{1,3}\)")
# Dated records of past decisions and guides may name the work that led to them.
ISSUES_ALLOWED_UNDER = ("docs/",)
BINARY = {".mo", ".png", ".jpg", ".xlsx", ".pdf", ".sqlite3", ".pyc", ".gz"}

pytestmark = pytest.mark.pure


def tracked_text_files() -> list[Path]:
    """The project's own text: its folders and top-level files (no virtualenv, no caches)."""
    tops = [ROOT / name for name in ("Makefile", "README.md", "pyproject.toml")]
    found = [path for path in tops if path.is_file()]
    for folder in ("src", "tests", "scripts", "bench", "docs", ".ci", "requirements"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix not in BINARY:
                found.append(path)
    return found


def matches(pattern: re.Pattern[str], path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return []
    return [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}"
        for number, line in enumerate(text.splitlines(), 1)
        if pattern.search(line)
    ]


def test_nothing_points_outside_the_repository_but_the_shared_test_vectors():
    found = [hit for path in tracked_text_files() for hit in matches(OUTSIDE, path)]
    assert found == []


def test_no_code_or_test_names_an_issue_number():
    found = [
        hit
        for path in tracked_text_files()
        if not str(path.relative_to(ROOT)).startswith(ISSUES_ALLOWED_UNDER)
        for hit in matches(ISSUE_NUMBER, path)
    ]
    assert found == []
