"""Words, not codes: every staff page of the demo, walked as each role (in English and in
Russian), shows sentences, never an event code (`pathways.application_status_recorded`)
or an enum value (`trusted_contact_tried`). Raw codes belong in the auditor's detail
column and in exports only, so the audit pages are not walked here; nor is the text of
a source being edited (`<textarea>`, `<pre>`, `<code>`: the route catalog's YAML, whose
keys are its format)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pprint import pformat

import pytest
from django.conf import settings

from corridor.accounts.models import Staff
from corridor.accounts.roles import Role
from corridor.cases.models import CaseAssignment
from corridor.core.actors import cli_actor
from corridor.operations.demo import create_demo_data
from corridor.pathways.services import load_catalog
from tests.cases.conftest import CASE_DB
from tests.factories import TEST_PASSWORD, catalog_entries
from tests.web.conftest import client_for
from tests.web.test_crawl import links_of, pattern_of

pytestmark = CASE_DB

# `app.some_event`, or `some_value` with at least one underscore between lower-case words.
CODE = re.compile(r"(?<![\w.@/-])(?:[a-z]+\.)?[a-z]+(?:_[a-z0-9]+)+(?![\w-])")
# The auditor's pages show codes on purpose (their detail column); exports are files.
SKIP = ("/audit/", "/help/", "/static/", "/i18n/", "/logout/", "/reports/exports/")
SOURCE_TAGS = ("script", "style", "template", "textarea", "pre", "code")
PER_PATTERN = 3
PER_ROLE = 120


class VisibleText(HTMLParser):
    """The text a reader sees: no tags, attributes, scripts or styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SOURCE_TAGS:
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in SOURCE_TAGS and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def codes_in(body: str) -> set[str]:
    parser = VisibleText()
    parser.feed(body)
    return set(CODE.findall(" ".join(parser.parts)))


def walk(client, starts: list[str]) -> dict[str, set[str]]:
    """Follow staff links from `starts` (GET only); the codes each page shows."""
    queue, seen, per_pattern = list(starts), set(), {}
    found: dict[str, set[str]] = {}
    while queue and len(seen) < PER_ROLE:
        path = queue.pop(0)
        if path in seen or path.startswith(SKIP):
            continue
        pattern = pattern_of(path)
        if per_pattern.get(pattern, 0) >= PER_PATTERN:
            continue
        seen.add(path)
        per_pattern[pattern] = per_pattern.get(pattern, 0) + 1
        response = client.get(path)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        body = response.content.decode()
        codes = codes_in(body)
        if codes:
            found[path] = codes
        queue.extend(link for link in links_of(body) if link not in seen)
    return found


def test_the_code_pattern_catches_codes_and_spares_words():
    assert codes_in("<p>pathways.application_status_recorded</p>") == {
        "pathways.application_status_recorded"
    }
    assert codes_in("<td>trusted_contact_tried</td>") == {"trusted_contact_tried"}
    assert codes_in('<a href="/x_y/" title="a_b">Trusted contact tried</a>') == set()
    assert codes_in("<script>var some_name = 1;</script><p>CR-7K3M-Q9TZ</p>") == set()


@pytest.mark.usefixtures("vault_keys")
@pytest.mark.parametrize("language", ["en", "ru"])
def test_no_staff_page_of_the_demo_shows_an_event_or_enum_code(tmp_path, language):
    load_catalog(actor=cli_actor(), entries=catalog_entries())
    create_demo_data(actor=cli_actor(), data_dir=tmp_path, case_count=12)
    problems = {}
    for role in Role:
        staff = Staff.objects.filter(username=f"demo-{role.value}".replace("_", "-")).get()
        staff.set_password(TEST_PASSWORD)  # the demo's own passwords are random
        staff.save(update_fields=["password"])
        client = client_for(staff)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        if role in (Role.COORDINATOR, Role.CASEWORKER):
            # Opened for work, so the pages show what a person working sees.
            mine = CaseAssignment.objects.filter(staff=staff, ended_at__isnull=True)
            for ref in mine.values_list("case__ref", flat=True)[:3]:
                client.post(f"/cases/{ref}/open/")
        for path, codes in walk(client, ["/"]).items():
            problems.setdefault(pattern_of(path), set()).update(codes)
    # By page pattern: one line per kind of page, whichever role met it.
    assert problems == {}, pformat({key: sorted(value) for key, value in problems.items()})


def test_a_timeline_detail_is_put_into_words_in_the_readers_language():
    from django.utils import translation

    from corridor.web.labels import word_detail

    assert word_detail("lost_contact") == "Contact lost"
    assert word_detail("submitted 2026-05-01 → granted") == "Submitted 2026-05-01 → Granted"
    assert word_detail("CR-7K3M-Q9TZ") == "CR-7K3M-Q9TZ"
    with translation.override("ru"):
        assert "_" not in word_detail("lost_contact")
