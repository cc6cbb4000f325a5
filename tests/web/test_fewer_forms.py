"""Fewer forms for the same work: what is always done together is one form, and a
form starts from what Corridor already knows, so saving it loses nothing."""

from __future__ import annotations

from corridor.audit.events import EventType
from corridor.cases.models import Milestone, MilestoneKind
from corridor.core import clock
from corridor.pathways.models import ApplicationStatus
from tests.accounts.helpers import form_token
from tests.cases.conftest import CASE_DB
from tests.factories import APPLICATION_ROUTE
from tests.web.conftest import client_for
from tests.web.test_case_views import events_since, last_seq

pytestmark = [CASE_DB]


def post(client, path: str, data: dict[str, str]):
    return client.post(path, {"csrfmiddlewaretoken": form_token(client, path), **data})


def test_the_protocol_form_starts_from_the_saved_protocol_and_its_words_once_opened(fx):
    client = client_for(fx.owner)
    page = f"/cases/{fx.case.ref}/protocol/?person={fx.principal.pk}"
    closed = client.get(page).content.decode()
    # The plain settings always; the sealed words only while the case is open for work.
    assert '<option value="signal" selected>' in closed
    assert 'name="every_hours" value="24"' in closed
    assert fx.canaries["if_someone_else_answers"] not in closed
    client.post(f"/cases/{fx.case.ref}/open/")
    before = last_seq()
    opened = client.get(page).content.decode()
    for name in ("safe_hours", "if_someone_else_answers", "check_in_word", "duress_word"):
        assert fx.canaries[name] in opened, name
    assert str(EventType.PERSON_OPENED) in events_since(before)

    # Saved as it was shown, with only the interval changed: the words are still there.
    saved = post(
        client,
        page,
        {
            "person": str(fx.principal.pk),
            "channel": "signal",
            "every_hours": "12",
            "safe_hours": fx.canaries["safe_hours"],
            "if_someone_else_answers": fx.canaries["if_someone_else_answers"],
            "check_in_word": fx.canaries["check_in_word"],
            "duress_word": fx.canaries["duress_word"],
        },
    )
    assert saved.status_code == 302
    case_page = client.get(f"/cases/{fx.case.ref}/").content.decode()
    assert fx.canaries["if_someone_else_answers"] in case_page
    assert "check-in every 12 hours" in case_page


def test_a_journey_that_happened_is_recorded_and_completed_in_one_form(fx):
    client = client_for(fx.owner)
    client.post(f"/cases/{fx.case.ref}/open/")
    today = clock.today().isoformat()
    before = last_seq()
    response = post(
        client,
        f"/cases/{fx.case.ref}/legs/add/",
        {
            "kind": "exit_country",
            "from_place": "RU-CE",
            "to_place": "GE",
            "mode": "bus",
            "travel_on": today,
            "completed": "on",
        },
    )
    assert response.status_code == 302
    leg = fx.case.legs.get(kind="exit_country")
    assert leg.completed_on == clock.today()
    events = events_since(before)
    assert str(EventType.TRAVEL_LEG_RECORDED) in events
    assert str(EventType.TRAVEL_LEG_COMPLETED) in events
    left = Milestone.objects.filter(case=fx.case, kind=MilestoneKind.LEFT_COUNTRY)
    assert left.count() == fx.case.members.filter(left_at__isnull=True).count()


def test_a_journey_in_the_future_cannot_be_recorded_as_made(fx):
    client = client_for(fx.owner)
    client.post(f"/cases/{fx.case.ref}/open/")
    response = post(
        client,
        f"/cases/{fx.case.ref}/legs/add/",
        {
            "kind": "exit_country",
            "from_place": "RU-CE",
            "to_place": "GE",
            "mode": "bus",
            "travel_on": "2999-01-01",
            "completed": "on",
        },
    )
    # Refused whole: no half-recorded journey is left behind.
    assert response.status_code == 400
    assert not fx.case.legs.filter(kind="exit_country").exists()


def test_an_application_already_handed_in_is_started_as_submitted(fx):
    client = client_for(fx.owner)
    client.post(f"/cases/{fx.case.ref}/open/")
    response = post(
        client,
        f"/cases/{fx.case.ref}/applications/start/",
        {
            "route": APPLICATION_ROUTE,
            "authority": "Embassy, Tbilisi",
            "people": str(fx.principal.pk),
            "started_on": clock.today().isoformat(),
            "submitted": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    started = fx.case.applications.order_by("-created_at").first()
    assert started.status == ApplicationStatus.SUBMITTED
    assert started.submitted_on == clock.today()
    assert [step.status for step in started.steps.order_by("id")] == ["draft", "submitted"]


def test_the_erasure_buttons_say_what_they_do(fx):
    client = client_for(fx.coordinator)
    asking = client.get(f"/cases/{fx.case.ref}/erase/request/").content.decode()
    assert ">Ask to erase</button>" in asking
    assert ">Save</button>" not in asking
