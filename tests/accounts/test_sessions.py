"""C6: sessions rotate, time out, and end everywhere when they must."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from corridor.accounts import services as accounts
from corridor.accounts.models import StaffSession
from corridor.accounts.roles import Role
from tests.accounts.helpers import log_in
from tests.factories import StaffFactory, staff_with

pytestmark = pytest.mark.django_db

LOGGED_IN = b"Logged in as"


def test_a_cookie_replayed_after_logout_opens_nothing(client, staff):
    """After logout, the old session cookie gives the login form."""
    log_in(client, staff)
    stolen = client.cookies["corridor_session"].value
    response = client.post("/logout/")
    assert response["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    thief = Client()
    thief.cookies["corridor_session"] = stolen
    assert LOGGED_IN not in thief.get("/").content


def test_idle_for_fifteen_minutes_ends_the_session(client, staff, time_machine):
    """Fifteen idle minutes log out; fourteen do not."""
    time_machine.move_to("2026-05-01 10:00:00Z", tick=False)
    log_in(client, staff)
    time_machine.shift(timedelta(minutes=14))
    assert LOGGED_IN in client.get("/").content
    time_machine.shift(timedelta(minutes=15, seconds=1))
    response = client.get("/account/")
    assert response.status_code == 302
    page = client.get("/")
    assert LOGGED_IN not in page.content
    assert b"15 minutes without activity" in page.content


def test_eight_hours_end_even_an_active_session(client, staff, time_machine):
    """Activity every ten minutes still ends at eight hours."""
    time_machine.move_to("2026-05-01 08:00:00Z", tick=False)
    log_in(client, staff)
    for _ in range(47):
        time_machine.shift(timedelta(minutes=10))
        assert LOGGED_IN in client.get("/").content
    time_machine.shift(timedelta(minutes=11))
    assert LOGGED_IN not in client.get("/").content


def test_disabling_a_user_ends_all_their_sessions(client, staff):
    """Two sessions of a person both end when an administrator suspends the account (the
    at-once way to switch off someone holding a data role)."""
    admin = staff_with(Role.ADMIN)
    other = Client()
    log_in(client, staff)
    device = TOTPDevice.objects.create(user=staff, name="second", confirmed=True)
    log_in(other, staff, device)
    accounts.suspend_staff(actor=admin, staff=staff)
    assert LOGGED_IN not in client.get("/").content
    assert LOGGED_IN not in other.get("/").content
    assert StaffSession.objects.filter(staff=staff).count() == 0


def test_log_out_everywhere_ends_every_session(client, staff):
    """'Log out everywhere' from one browser ends the others too."""
    other = Client()
    log_in(client, staff)
    log_in(other, staff, TOTPDevice.objects.create(user=staff, name="b", confirmed=True))
    client.post("/account/sessions/end/")
    assert LOGGED_IN not in other.get("/").content
    assert LOGGED_IN not in client.get("/").content


def test_a_revoked_session_ends_before_its_next_request(client, staff):
    """Deleting a session's tracking row (remote revocation) ends it at once."""
    log_in(client, staff)
    StaffSession.objects.filter(staff=staff).delete()
    page = client.get("/")
    assert LOGGED_IN not in page.content


def test_a_one_time_password_must_be_changed_first(client):
    """An account with a one-time password sees only the password page until it is changed."""
    staff = StaffFactory(must_change_password=True)
    log_in(client, staff)
    assert client.get("/approvals/")["Location"] == "/account/password/"
    response = client.post(
        "/account/password/",
        {
            "current": "correct horse battery staple 7",
            "new": "a brand new passphrase 42",
            "again": "a brand new passphrase 42",
        },
    )
    assert response.status_code == 302
    assert LOGGED_IN in client.get("/").content


def test_changing_the_password_keeps_this_session_and_ends_others(client, staff):
    """A password change ends other sessions but not the one that made it."""
    other = Client()
    log_in(client, staff)
    log_in(other, staff, TOTPDevice.objects.create(user=staff, name="b", confirmed=True))
    client.post(
        "/account/password/",
        {
            "current": "correct horse battery staple 7",
            "new": "another long passphrase 9",
            "again": "another long passphrase 9",
        },
    )
    assert LOGGED_IN in client.get("/").content
    assert LOGGED_IN not in other.get("/").content


def test_weak_or_common_passwords_are_refused(client, staff):
    """Shorter than 12 characters, or on the common-password list: refused with a reason."""
    log_in(client, staff)
    for weak in ("short pw", "password1234"):
        response = client.post(
            "/account/password/",
            {"current": "correct horse battery staple 7", "new": weak, "again": weak},
        )
        assert response.status_code == 400


def test_sensitive_pages_ask_again_after_five_minutes(client, staff, time_machine):
    """Adding a factor right after login works; six minutes later it asks to re-authenticate."""
    time_machine.move_to("2026-05-01 10:00:00Z", tick=False)
    device = TOTPDevice.objects.create(user=staff, name="totp", confirmed=True)
    log_in(client, staff, device)
    assert client.get("/account/totp/").status_code == 200
    time_machine.shift(timedelta(minutes=6))
    response = client.get("/account/totp/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/reauth/?next=")


def test_registering_a_passkey_after_a_stale_check_asks_for_password_and_code(
    client, staff, time_machine
):
    """The page's script asked for passkey options and read the redirect
    to the re-authentication page as a broken answer (a raw error). It now gets words and
    where to go: the password and code page, then back to the account page."""
    time_machine.move_to("2026-05-01 10:00:00Z", tick=False)
    device = TOTPDevice.objects.create(user=staff, name="totp", confirmed=True)
    log_in(client, staff, device)
    time_machine.shift(timedelta(minutes=6))
    response = client.post(
        "/account/passkey/",
        # What the page's script sends (its first request, for the options).
        CONTENT_TYPE="application/json",
        HTTP_REFERER="http://testserver/account/",
    )
    assert response.status_code == 401
    answer = response.json()
    assert answer["reauth"] == "/account/reauth/?next=%2Faccount%2F"
    assert "Confirm your password and code" in answer["error"]
    page = client.get(answer["reauth"])
    assert page.status_code == 200
    assert b'name="password"' in page.content
    assert b'name="code"' in page.content


def test_idle_warning_data_is_on_every_staff_page(client, staff):
    """Pages tell the script how long until the idle logout, so it can warn a minute before."""
    log_in(client, staff)
    page = client.get("/account/").content.decode()
    assert 'data-idle-seconds="900"' in page or 'data-idle-seconds="899"' in page
    assert 'id="idle-warning"' in page
