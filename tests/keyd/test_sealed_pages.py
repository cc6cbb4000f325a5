"""What staff and requesters see while keyd is sealed, down, or refuses a person.

Through a keyd running in this process (policies read committed rows, so these tests
commit), with the test-only case pages of tests/keyd/urls.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client, RequestFactory, override_settings

from corridor.accounts.models import Draft, StaffAlert
from corridor.accounts.roles import Role
from corridor.audit.models import AuditEntry
from corridor.core.exceptions import KeysUnavailable
from corridor.vault.errors import KeydUnreachable, UnwrapRefused, VaultSealed
from corridor.vault.keyd.client import KeydAdmin
from corridor.vault.keyd.server import KeydDaemon
from corridor.vault.ledger import as_operator
from corridor.vault.longlived import initialise_keys
from corridor.web.middleware import KeyFailureMiddleware
from tests.accounts.helpers import form_token, log_in
from tests.factories import StaffFactory, open_case_for
from tests.keyd.helpers import config_in, limits, point_settings_at

COMMITTED = pytest.mark.django_db(transaction=True, databases=["default", "keystore"])
pytestmark = pytest.mark.urls("tests.keyd.urls")


def unseal(shares) -> None:
    for share in shares[:3]:
        KeydAdmin().unseal(share)


@pytest.fixture
def ready(daemon, shares, coordinator, caseworker):
    """keyd unsealed with the long-lived keys made, a case led by a logged-in caseworker."""
    unseal(shares)
    initialise_keys()
    with as_operator():  # the assignment reaches keyd's ledger as the operator's
        case = open_case_for(coordinator, caseworker)
    client = Client()
    log_in(client, caseworker)
    return client, case


@COMMITTED
def test_sealed_keyd_makes_the_case_page_503_while_the_rest_works(ready, shares):
    client, case = ready
    page = f"/test/cases/{case.pk}/"
    assert client.get(page).status_code == 200
    KeydAdmin().seal()
    sealed = client.get(page)
    assert sealed.status_code == 503
    assert b"Ask your trustees to unseal it" in sealed.content
    assert case.ref.encode() not in sealed.content
    assert client.get("/").status_code == 200  # the dashboard needs no key
    assert Client().get("/").status_code == 200  # nor does the login page
    assert Client().get("/help/").status_code == 200  # nor the portal
    unseal(shares[2:])
    assert client.get(page).status_code == 200
    KeydAdmin().seal()
    assert client.get(page).status_code == 503


@COMMITTED
def test_keyd_down_is_503_naming_the_key_service(vault_keys, caseworker, coordinator, settings):
    case = open_case_for(coordinator, caseworker)  # made with the file provider
    client = Client()
    log_in(client, caseworker)
    from tests.keyd.helpers import short_dir

    with short_dir() as nowhere:
        point_settings_at(settings, config_in(nowhere))
        response = client.get(f"/test/cases/{case.pk}/")
    assert response.status_code == 503
    assert b"The key service is not running" in response.content


@COMMITTED
def test_a_key_asked_for_an_unassigned_case_is_refused_and_audited(ready, coordinator):
    _client, case = ready
    outsider = StaffFactory(roles=[Role.CASEWORKER])
    client = Client()
    log_in(client, outsider)
    response = client.get(f"/test/cases/{case.pk}/key/")
    assert response.status_code == 503
    assert b"The key service refused this case" in response.content
    event = AuditEntry.objects.get(event_type="vault.unwrap_refused")
    assert (event.actor, event.reason, event.object_id) == (
        outsider.actor_id,
        "not_allowed",
        str(case.pk),
    )


@COMMITTED
def test_the_61st_case_opening_in_an_hour_is_refused_with_an_event(
    keyd_dir, shares, settings, coordinator, caseworker
):
    """A limit of 60 per hour: sixty openings work, the 61st answers 429, the refusal is in
    the audit log and every coordinator gets an alert."""
    config = config_in(keyd_dir, limits=limits(staff=60))
    # keyd's limit is under test here, not the insider alert's lower one (cases).
    settings.CORRIDOR_INSIDER_OPENINGS_PER_HOUR = 1000
    running = KeydDaemon(config)
    running.start()
    point_settings_at(settings, config)
    try:
        unseal(shares)
        initialise_keys()
        with as_operator():
            case = open_case_for(coordinator, caseworker)
        client = Client()
        log_in(client, caseworker)
        statuses = [client.get(f"/test/cases/{case.pk}/").status_code for _ in range(61)]
    finally:
        running.stop()
    assert statuses == [200] * 60 + [429]
    refusals = AuditEntry.objects.filter(event_type="vault.unwrap_refused")
    assert [(e.actor, e.reason) for e in refusals] == [(caseworker.actor_id, "rate_limited")]
    assert StaffAlert.objects.filter(staff=coordinator, code="unwrap_limit").count() == 1
    assert '"outcome":"refused:rate_limited"' in config.log.read_text()


# ---------------------------------------------------------------- the middlewares alone
def raising(exception):
    def view(request):
        raise exception

    return view


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "exception", "text"),
    [
        ("/cases/", VaultSealed("sealed"), b"Ask your trustees to unseal it"),
        ("/cases/", KeydUnreachable("down"), b"The key service is not running"),
        ("/help/replies/", VaultSealed("sealed"), b"Please try again in a few hours"),
        ("/help/en/replies/", KeydUnreachable("down"), b"Please try again in a few hours"),
    ],
)
def test_sealed_pages_say_what_each_audience_needs(path, exception, text):
    request = RequestFactory().get(path)
    response = KeyFailureMiddleware(raising(exception)).process_exception(request, exception)
    assert response.status_code == 503
    assert text in response.content
    assert b"trustees" not in response.content or not path.startswith("/help/")


@pytest.mark.pure
def test_other_exceptions_pass_through_the_key_middlewares():
    request = RequestFactory().get("/cases/")
    error = ValueError("x")
    assert KeyFailureMiddleware(raising(error)).process_exception(request, error) is None
    assert isinstance(VaultSealed("x"), KeysUnavailable)


@pytest.mark.django_db
def test_a_refusal_without_a_logged_in_person_is_recorded_as_the_web_process():
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/cases/")
    request.user = AnonymousUser()
    refusal = UnwrapRefused("no", reason="rate_limited", principal="staff:1")
    response = KeyFailureMiddleware(raising(refusal)).process_exception(request, refusal)
    assert response.status_code == 429
    event = AuditEntry.objects.get(event_type="vault.unwrap_refused")
    assert (event.actor, event.reason) == ("system:web", "rate_limited")


@pytest.mark.django_db(databases=["default", "keystore"])
@override_settings(ROOT_URLCONF="tests.accounts.draft_views")
def test_an_expired_form_while_sealed_logs_out_without_keeping_text(
    vault_keys, caseworker, settings, time_machine
):
    """The session ran out mid-form and keyd is not there to seal the text: the person is sent
    to log in again, and the text is not kept at all (it is never kept in clear)."""
    time_machine.move_to("2026-05-01 10:00:00Z", tick=False)
    client = Client(enforce_csrf_checks=True)
    log_in(client, caseworker)
    csrf = form_token(client, "/notes/")
    settings.CORRIDOR_KEY_PROVIDER = "keyd"
    settings.CORRIDOR_KEYD_SOCKET = "/tmp/no-keyd-here/d.sock"
    time_machine.shift(timedelta(minutes=20))
    response = client.post("/notes/", {"note": "caller said", "csrfmiddlewaretoken": csrf})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not Draft.objects.exists()


@pytest.mark.django_db
def test_a_form_opens_empty_while_its_draft_waits_for_unseal(caseworker, monkeypatch):
    from corridor.web import drafts as web_drafts

    def sealed(staff, path):
        raise VaultSealed("sealed")

    monkeypatch.setattr(web_drafts, "access_draft_by_form", sealed)
    request = RequestFactory().get("/notes/")
    request.user = caseworker
    assert web_drafts.initial_from_draft(request) == {}
