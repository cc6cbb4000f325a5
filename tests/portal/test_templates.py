"""The portal's templates: no script anywhere, nothing loaded from another site."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import corridor

pytestmark = pytest.mark.pure
SRC = Path(corridor.__file__).parent
# Every template a portal page can render: its own, and the shared error page.
PORTAL_TEMPLATES = [
    *sorted((SRC / "portal" / "templates").rglob("*.html")),
    SRC / "core" / "templates" / "core" / "error.html",
]


def test_there_are_portal_templates_to_check():
    assert len(PORTAL_TEMPLATES) >= 8


@pytest.mark.parametrize("path", PORTAL_TEMPLATES, ids=lambda p: p.name)
def test_no_template_has_a_script_or_an_inline_handler(path):
    text = path.read_text(encoding="utf-8").lower()
    assert "<script" not in text
    assert not re.search(r"\son[a-z]+\s*=", text), "inline event handler"
    assert "javascript:" not in text


@pytest.mark.parametrize("path", PORTAL_TEMPLATES, ids=lambda p: p.name)
def test_no_template_loads_anything_from_elsewhere(path):
    """No http(s) URL in src, href of a stylesheet, or CSS url(): only the site itself."""
    text = path.read_text(encoding="utf-8")
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', text)
    assert "@import" not in text


def test_the_stylesheet_loads_nothing_from_elsewhere():
    css = (SRC / "portal" / "static" / "portal" / "portal.css").read_text(encoding="utf-8")
    assert "url(" not in css
    assert "@import" not in css
