"""C4, C5: logging in needs two factors; guessing is slowed, then locked; no enumeration."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from django_otp.plugins.otp_totp.models import TOTPDevice

from corridor.accounts.models import Staff
from tests.accounts.helpers import current_code, log_in
from tests.factories import TEST_PASSWORD, StaffFactory, totp_device

pytestmark = pytest.mark.django_db


def password_step(client, username: str, password: str = TEST_PASSWORD):
    return client.post("/", {"username": username, "password": password})


def test_a_password_alone_reaches_only_the_second_step(client, staff):
    """After the right password, every staff page still shows the login form or the second step."""
    totp_device(staff)
    response = password_step(client, staff.username)
    assert response.status_code == 302
    assert response["Location"] == "/login/verify/"
    for path in ("/", "/account/", "/approvals/", "/staff/"):
        page = client.get(path)
        assert page.status_code in (200, 302)
        assert b"Logged in as" not in page.content
        assert "_auth_user_id" not in client.session


def test_totp_completes_the_login_and_rotates_the_session_key(client, staff):
    """The right code logs in, and the session key differs from the one before login."""
    device = totp_device(staff)
    client.get("/")
    password_step(client, staff.username)
    key_before = client.session.session_key
    response = client.post("/login/verify/", {"code": current_code(device)})
    assert response.status_code == 302
    assert client.session.session_key != key_before
    assert int(client.session["_auth_user_id"]) == staff.pk
    assert b"Logged in as" in client.get("/").content


def test_a_replayed_totp_code_is_rejected(client, staff, time_machine):
    """The same code cannot be used twice, even in a new login within its 30 seconds."""
    time_machine.move_to("2026-05-01 10:00:05Z", tick=False)
    device = totp_device(staff)
    code = current_code(device)
    password_step(client, staff.username)
    assert client.post("/login/verify/", {"code": code}).status_code == 302
    client.post("/logout/")
    password_step(client, staff.username)
    replay = client.post("/login/verify/", {"code": code})
    assert replay.status_code == 401
    assert "_auth_user_id" not in client.session


def test_a_wrong_code_five_times_sends_back_to_the_password(client, staff):
    """Five wrong second factors end the half-finished login."""
    totp_device(staff)
    password_step(client, staff.username)
    for _ in range(4):
        assert client.post("/login/verify/", {"code": "000000"}).status_code == 401
    last = client.post("/login/verify/", {"code": "000000"})
    assert b"Start again with your password" in last.content
    assert client.get("/login/verify/").status_code == 401


def test_backup_code_works_once(client, staff):
    """A backup code logs in once; the second use fails."""
    from corridor.accounts import factors

    totp_device(staff)
    code = factors.replace_backup_codes(staff=staff)[0]
    password_step(client, staff.username)
    assert client.post("/login/verify/", {"backup_code": code}).status_code == 302
    client.post("/logout/")
    password_step(client, staff.username)
    assert client.post("/login/verify/", {"backup_code": code}).status_code == 401


def test_known_and_unknown_usernames_look_the_same(client, staff):
    """Wrong password for a real account and any password for a made-up one: same status, body."""
    known = password_step(client, staff.username, "wrong password here")
    unknown = password_step(client, "nobody-by-this-name", "wrong password here")
    assert known.status_code == unknown.status_code == 401

    def strip(body: bytes) -> bytes:
        import re

        return re.sub(rb'(value|nonce)="[^"]*"', b"", body)

    assert strip(known.content).replace(staff.username.encode(), b"U") == strip(
        unknown.content
    ).replace(b"nobody-by-this-name", b"U")


@pytest.mark.parametrize("known", [True, False])
def test_the_password_hasher_runs_exactly_once_per_attempt(client, staff, known):
    """One Argon2 computation for a known username and one for an unknown one."""
    calls = []
    real_encode, real_verify = Argon2PasswordHasher.encode, Argon2PasswordHasher.verify

    def count_encode(self, *args, **kwargs):
        calls.append("encode")
        return real_encode(self, *args, **kwargs)

    def count_verify(self, *args, **kwargs):
        calls.append("verify")
        return real_verify(self, *args, **kwargs)

    with (
        mock.patch.object(Argon2PasswordHasher, "encode", count_encode),
        mock.patch.object(Argon2PasswordHasher, "verify", count_verify),
    ):
        password_step(client, staff.username if known else "no-such-user", "not it at all")
    assert len(calls) == 1


def test_the_fifth_failure_locks_and_the_sixth_attempt_gets_429(client, staff, time_machine):
    """Within a minute, five failures lock the username; the next attempt is 429, right password
    or not, with no password hash computed."""
    time_machine.move_to("2026-05-01 10:00:00Z", tick=False)
    statuses = []
    for second in (0, 1, 4, 9, 18):
        time_machine.move_to(f"2026-05-01 10:00:{second:02d}Z", tick=False)
        statuses.append(password_step(client, staff.username, "wrong").status_code)
    assert statuses[:4] == [401, 401, 401, 401]
    assert statuses[4] == 429
    time_machine.move_to("2026-05-01 10:00:40Z", tick=False)
    with mock.patch.object(Argon2PasswordHasher, "verify") as verify:
        sixth = password_step(client, staff.username)
    assert sixth.status_code == 429
    assert "Retry-After" in sixth
    verify.assert_not_called()


def test_a_locked_unknown_username_answers_like_a_locked_known_one(client, staff, time_machine):
    """Lockout does not reveal whether a username exists."""
    bodies = {}
    for name in (staff.username, "ghost-account"):
        for second in range(5):
            time_machine.move_to(f"2026-05-01 10:0{second}:00Z", tick=False)
            password_step(client, name, "wrong")
        time_machine.move_to("2026-05-01 10:06:00Z", tick=False)
        response = password_step(client, name, "wrong")
        bodies[name] = (response.status_code, response.content.count(b"locked"))
    assert bodies[staff.username] == bodies["ghost-account"] == (429, 1)


def test_guessing_is_slowed_before_the_lockout(client, staff, time_machine):
    """After two failures the next attempt must wait; a too-early attempt is 429 and not counted."""
    time_machine.move_to("2026-05-01 10:00:00Z", tick=False)
    password_step(client, staff.username, "wrong")
    password_step(client, staff.username, "wrong")
    too_soon = password_step(client, staff.username, TEST_PASSWORD)
    assert too_soon.status_code == 429
    assert b"Wait" in too_soon.content
    time_machine.move_to("2026-05-01 10:00:05Z", tick=False)
    totp_device(staff)
    assert password_step(client, staff.username).status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, staff, time_machine):
    """Fifteen minutes after the lockout the right password works again."""
    totp_device(staff)
    for minute in range(5):
        time_machine.move_to(f"2026-05-01 10:0{minute}:00Z", tick=False)
        password_step(client, staff.username, "wrong")
    time_machine.move_to("2026-05-01 10:05:00Z", tick=False)
    assert password_step(client, staff.username).status_code == 429
    time_machine.move_to("2026-05-01 10:25:00Z", tick=False)
    assert password_step(client, staff.username).status_code == 302


def test_disabled_account_cannot_log_in(client):
    """An inactive account gets the ordinary failure message."""
    staff = StaffFactory(is_active=False)
    response = password_step(client, staff.username)
    assert response.status_code == 401


def test_first_login_without_a_factor_goes_to_enrolment(client, staff):
    """Someone with no second factor is sent to set one up, and nothing else opens."""
    response = password_step(client, staff.username)
    assert response["Location"] == "/login/enrol/"
    page = client.get("/login/enrol/")
    assert page.status_code == 200
    assert b"data:image/svg+xml" in page.content
    assert "_auth_user_id" not in client.session


def test_enrolment_confirms_totp_then_shows_backup_codes_once(client, staff):
    """Confirming the first code logs in and shows ten backup codes."""
    password_step(client, staff.username)
    client.get("/login/enrol/")
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    response = client.post("/login/enrol/", {"code": current_code(device)})
    assert response.status_code == 200
    assert response.content.count(b"<li>") == 10
    assert int(client.session["_auth_user_id"]) == staff.pk
    device.refresh_from_db()
    assert device.confirmed


def test_enrolment_is_closed_once_a_factor_exists(client, staff):
    """A password alone cannot add a factor to an account that already has one."""
    totp_device(staff)
    password_step(client, staff.username)
    assert client.get("/login/enrol/").status_code == 401
    options = client.post("/login/webauthn/options/?for=enrol")
    assert options.status_code == 403


def test_log_in_helper_works(client, staff):
    """The helper used by other tests goes through both real steps."""
    log_in(client, staff)
    assert Staff.objects.get(pk=client.session["_auth_user_id"]) == staff


def test_login_expires_if_the_second_step_takes_too_long(client, staff, time_machine):
    """The half-finished login lasts five minutes."""
    time_machine.move_to("2026-05-01 10:00:00Z", tick=False)
    device = totp_device(staff)
    password_step(client, staff.username)
    time_machine.move_to("2026-05-01 10:00:00Z", tick=False)
    time_machine.shift(timedelta(minutes=6))
    response = client.post("/login/verify/", {"code": current_code(device)})
    assert response.status_code == 401
    assert "_auth_user_id" not in client.session
