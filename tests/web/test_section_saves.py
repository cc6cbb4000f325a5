"""Saving a section of the case page in place: the same action URL answers
staff.js's fragments when X-Corridor-Section names the section, and without that header
(JavaScript off) everything is as before: a page of its own, POST, redirect, GET."""

from __future__ import annotations

from corridor.audit.events import EventType
from corridor.core import clock
from tests.accounts.helpers import form_token
from tests.cases.conftest import CASE_DB
from tests.web.conftest import client_for
from tests.web.test_case_views import events_since, last_seq

pytestmark = [CASE_DB]

SECTION = {"HTTP_X_CORRIDOR_SECTION": "tasks"}


def task_data(client, path: str, title: str, due: str) -> dict[str, str]:
    return {"csrfmiddlewaretoken": form_token(client, path), "title": title, "due_on": due}


def test_without_javascript_a_task_is_saved_by_post_redirect_get(fx):
    client = client_for(fx.owner)
    client.post(f"/cases/{fx.case.ref}/open/")
    path = f"/cases/{fx.case.ref}/tasks/add/"
    page = client.get(path).content.decode()
    assert "<html" in page
    assert 'action="' + path + '"' in page
    title = "call the sister back"
    saved = client.post(path, task_data(client, path, title, clock.today().isoformat()))
    assert saved.status_code == 302
    assert saved["Location"] == f"/cases/{fx.case.ref}/"
    shown = client.get(saved["Location"]).content.decode()
    assert title in shown
    assert "The next action was added." in shown


def test_from_its_section_the_form_and_the_saved_section_come_as_fragments(fx):
    client = client_for(fx.owner)
    client.post(f"/cases/{fx.case.ref}/open/")
    path = f"/cases/{fx.case.ref}/tasks/add/"

    form = client.get(path, **SECTION)
    assert form["X-Corridor-Partial"] == "form"
    assert "X-Corridor-Section" in form["Vary"]
    body = form.content.decode()
    assert "<html" not in body
    assert "data-section-form" in body
    assert "data-section-cancel" in body

    # A refused form comes back in the section with what was typed and what to fix.
    refused = client.post(path, task_data(client, path, "ring the lawyer", "not a date"), **SECTION)
    assert refused.status_code == 400
    assert refused["X-Corridor-Partial"] == "form"
    assert 'value="ring the lawyer"' in refused.content.decode()
    assert "field__error" in refused.content.decode()

    before = last_seq()
    saved = client.post(
        path, task_data(client, path, "ring the lawyer", clock.today().isoformat()), **SECTION
    )
    assert saved.status_code == 200
    assert saved["X-Corridor-Partial"] == "section"
    section = saved.content.decode()
    assert "<html" not in section
    assert 'id="section-tasks-heading"' in section
    assert "ring the lawyer" in section
    assert "The next action was added." in section
    assert str(EventType.TASK_ADDED) in events_since(before)
    # The message was said in the section: the next page does not repeat it.
    assert "The next action was added." not in client.get(f"/cases/{fx.case.ref}/").content.decode()


def test_a_redirect_asked_from_a_section_is_said_where_to_go(fx):
    # A coordinator not on the case holds no key until they open it for work with a
    # reason: a note needs the key, so the answer is "open it first".
    client = client_for(fx.coordinator)
    response = client.get(f"/cases/{fx.case.ref}/notes/add/", HTTP_X_CORRIDOR_SECTION="notes")
    assert response.status_code == 204
    assert response["X-Corridor-Go"] == f"/cases/{fx.case.ref}/open/"
    # The queued message waits for that page, which the browser now loads itself.
    assert "Open the case for work first" in client.get(response["X-Corridor-Go"]).content.decode()


def test_a_logged_out_section_save_is_sent_to_the_login(fx, client):
    response = client.get(f"/cases/{fx.case.ref}/tasks/add/", **SECTION)
    assert response.status_code == 204
    assert response["X-Corridor-Go"].startswith("/")
    assert "X-Corridor-Partial" not in response


def test_a_save_that_reaches_beyond_its_section_brings_the_whole_page_back(fx):
    # A journey recorded as done reaches "left the country", which the milestones section
    # (and the phase in the page's head) shows: the whole page is loaded again.
    client = client_for(fx.owner)
    client.post(f"/cases/{fx.case.ref}/open/")
    milestones = fx.case.milestones.count()
    path = f"/cases/{fx.case.ref}/legs/add/"
    today = clock.today().isoformat()
    data = {
        "csrfmiddlewaretoken": form_token(client, path),
        "kind": "exit_country",
        "from_place": "RU-CE",
        "to_place": "GE",
        "mode": "bus",
        "travel_on": today,
        "completed": "on",
    }
    response = client.post(path, data, HTTP_X_CORRIDOR_SECTION="logistics")
    assert fx.case.milestones.count() > milestones
    assert response.status_code == 204
    assert response["X-Corridor-Go"] == f"/cases/{fx.case.ref}/"
    shown = client.get(response["X-Corridor-Go"]).content.decode()
    assert "The journey was recorded" in shown
