"""Codenames: shown once and kept nowhere; signing in throttled before any derivation, one
derivation whatever was typed, right or wrong."""

from __future__ import annotations

import random
import secrets

import pytest
import time_machine

from corridor.audit.events import EventType
from corridor.audit.models import AuditEntry
from corridor.core import clock
from corridor.intake.codenames import first_words, new_codename, words
from corridor.intake.errors import (
    CodenameUnavailable,
    PortalSaturated,
    RequesterSessionGone,
    TooManyAttempts,
)
from corridor.intake.models import Codename, RequesterSession, Stage
from corridor.intake.services.codenames import (
    confirm_codename,
    issue_codename,
    replace_codename,
    sign_in_with_codename,
    skip_codename_check,
)
from corridor.vault import requester as vault_requester
from corridor.vault.requester import derive_codename
from tests.canaries import canary_forms
from tests.factories import REQUESTER, new_digest, receive_request, write
from tests.portal_helpers import INTAKE_TABLES, raw_rows

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])


@pytest.fixture
def kdf_calls(monkeypatch, fast_kdf):
    """Counts every Argon2id run of the codename derivations."""
    calls = []
    real = vault_requester.hash_secret_raw

    def counting(**kwargs):
        calls.append(kwargs["salt"])
        return real(**kwargs)

    monkeypatch.setattr(vault_requester, "hash_secret_raw", counting)
    return calls


def attempt(typed: str, *, digest: str | None = None, holder: bytes = b"h" * 32):
    """One sign-in attempt from the cookie `digest` (a fresh one unless given)."""
    return sign_in_with_codename(
        actor=REQUESTER,
        attempt_digest=digest or new_digest(),
        session_digest=new_digest(),
        holder=holder,
        typed=typed,
    )


def pending_session() -> RequesterSession:
    digest = new_digest()
    receive_request("x", digest=digest)
    return RequesterSession.objects.get(digest=digest)


def test_the_codename_reaches_no_row(vault_keys, kdf_calls):
    """After issuing, no table (sessions, audit, tasks included) holds the codename in any
    form; only its lookup value and public key are kept."""
    session = pending_session()
    codename = issue_codename(actor=REQUESTER, session=session, holder=secrets.token_bytes(32))
    rows = raw_rows(*INTAKE_TABLES)
    for word in (codename, codename.replace(" ", ""), codename.split(" ")[-1] + codename[:8]):
        assert not any(form in rows for form in canary_forms(word))
    stored = Codename.objects.get()
    assert stored.lookup == derive_codename(codename).lookup.hex()
    assert stored.public_key == derive_codename(codename).key.public_key
    assert len(kdf_calls) == 3  # one to issue, one for each check above
    session.refresh_from_db()
    assert session.stage == Stage.CODENAME_SHOWN
    assert session.held_key is not None


def test_a_codename_is_shown_once(vault_keys, fast_kdf):
    session = pending_session()
    issue_codename(actor=REQUESTER, session=session, holder=secrets.token_bytes(32))
    with pytest.raises(RequesterSessionGone):
        issue_codename(actor=REQUESTER, session=session, holder=secrets.token_bytes(32))
    assert Codename.objects.count() == 1


def test_typing_it_back_right_signs_in_and_wrong_does_not(vault_keys, kdf_calls):
    session = pending_session()
    codename = issue_codename(actor=REQUESTER, session=session, holder=secrets.token_bytes(32))
    before = len(kdf_calls)
    assert not confirm_codename(actor=REQUESTER, session=session, typed=new_codename())
    assert not confirm_codename(actor=REQUESTER, session=session, typed="nonsense")
    assert len(kdf_calls) == before + 2
    assert RequesterSession.objects.get(pk=session.pk).stage == Stage.CODENAME_SHOWN
    assert confirm_codename(actor=REQUESTER, session=session, typed=codename.upper())
    assert RequesterSession.objects.get(pk=session.pk).stage == Stage.SIGNED_IN
    event = AuditEntry.objects.get(event_type=EventType.CODENAME_CONFIRMED.value)
    assert event.reason == "typed_back"


def test_the_check_can_be_skipped_without_losing_anything(vault_keys, fast_kdf):
    session = pending_session()
    issue_codename(actor=REQUESTER, session=session, holder=secrets.token_bytes(32))
    skip_codename_check(actor=REQUESTER, session=session)
    assert RequesterSession.objects.get(pk=session.pk).stage == Stage.SIGNED_IN
    assert AuditEntry.objects.get(event_type=EventType.CODENAME_CONFIRMED.value).reason == (
        "skipped"
    )


def test_a_lost_new_codename_replaces_the_first(vault_keys, fast_kdf):
    """Before it was written down, a new codename can be asked for; the old one stops."""
    session = pending_session()
    first = issue_codename(actor=REQUESTER, session=session, holder=secrets.token_bytes(32))
    replace_codename(actor=REQUESTER, session=session)
    second = issue_codename(actor=REQUESTER, session=session, holder=secrets.token_bytes(32))
    assert first != second
    assert Codename.objects.filter(retired_on__isnull=True).count() == 1
    assert attempt(first) is None
    assert attempt(second) is not None


def test_replacing_is_only_for_a_codename_not_yet_confirmed(vault_keys, fast_kdf):
    written = write()
    with pytest.raises(RequesterSessionGone):
        replace_codename(actor=REQUESTER, session=written.session)


def test_coming_back_with_the_codename_opens_a_new_session(vault_keys, kdf_calls):
    written = write()
    before = len(kdf_calls)
    digest = new_digest()
    session = sign_in_with_codename(
        actor=REQUESTER,
        attempt_digest=new_digest(),
        session_digest=digest,
        holder=secrets.token_bytes(32),
        typed=written.codename.replace(" ", "  ").upper(),
    )
    assert session is not None
    assert session.request_id == written.request.pk
    assert session.stage == Stage.SIGNED_IN
    assert len(kdf_calls) == before + 1  # the lookup and the key pair from one run
    assert AuditEntry.objects.filter(event_type=EventType.SIGNED_IN.value).count() == 1


def test_a_codename_issued_from_the_first_list_still_signs_in_with_a_typo(
    vault_keys, fast_kdf, monkeypatch
):
    """People hold codenames made of words the rebuilt list dropped: typed as written, or
    with one typo in one word, they still open their request."""
    dropped = sorted(set(first_words()) - set(words()))
    chosen = random.Random(3).sample(dropped, 5)
    old = " ".join([*chosen, "5190"])
    monkeypatch.setattr("corridor.intake.services.codenames.new_codename", lambda: old)
    written = write()
    assert written.codename == old
    first = chosen[0]
    mistyped = old.replace(first, first[1:] if len(first) > 3 else first + "а", 1)
    for typed in (old, mistyped, old.upper()):
        session = attempt(typed)
        assert session is not None, typed
        assert session.request_id == written.request.pk
    assert attempt(old.replace(first, words()[0], 1)) is None


@pytest.mark.parametrize(
    "typed", ["", "x", "облако", "<b>", lambda: new_codename(), lambda: " ".join(words()[:6])]
)
def test_every_wrong_codename_costs_exactly_one_derivation(vault_keys, kdf_calls, typed):
    """Wrong, malformed or unknown: the same answer (None) after the same work."""
    write()
    before = len(kdf_calls)
    value = typed() if callable(typed) else typed
    assert attempt(value) is None
    assert len(kdf_calls) == before + 1


def test_a_session_is_throttled_before_any_derivation(vault_keys, kdf_calls, settings):
    settings.CORRIDOR_PORTAL_RATES = {
        **settings.CORRIDOR_PORTAL_RATES,
        "codename_session": (5, 900),
    }
    digest = new_digest()
    with time_machine.travel(clock.now(), tick=False):
        for _ in range(5):
            attempt(new_codename(), digest=digest)
        with pytest.raises(TooManyAttempts) as refusal:
            attempt(new_codename(), digest=digest)
    assert len(kdf_calls) == 5
    assert refusal.value.retry_after == 180


@pytest.mark.slow
def test_ten_thousand_random_codenames_open_nothing_and_are_throttled_first(
    vault_keys, kdf_calls, settings
):
    """10,000 guesses spread over 500 sessions: none succeeds, and only the shared bucket's
    tokens ever reach a derivation; the rest are refused before any Argon2id runs."""
    settings.CORRIDOR_PORTAL_RATES = {
        **settings.CORRIDOR_PORTAL_RATES,
        "codename_global": (30, 60),
        "codename_session": (5, 900),
    }
    written = write()
    rng = random.Random(9)
    list_of_words = words()
    sessions = [new_digest() for _ in range(500)]
    before = len(kdf_calls)
    successes = refused = 0
    with time_machine.travel(clock.now(), tick=False):
        for number in range(10_000):
            guess = " ".join(
                [rng.choice(list_of_words) for _ in range(5)] + [f"{rng.randrange(10_000):04d}"]
            )
            try:
                session = attempt(guess, digest=sessions[number % len(sessions)])
            except (TooManyAttempts, PortalSaturated):
                refused += 1
                continue
            successes += session is not None
    assert successes == 0
    assert len(kdf_calls) - before == 30
    assert refused == 10_000 - 30
    assert RequesterSession.objects.exclude(digest=written.session.digest).count() == 0
    assert AuditEntry.objects.filter(event_type=EventType.FLOOD_DETECTED.value).count() == 1


def test_without_the_key_provider_a_codename_waits_and_the_request_stays(
    vault_keys, fast_kdf, settings
):
    session = pending_session()
    settings.CORRIDOR_KEY_PROVIDER = "keyd"
    with pytest.raises(CodenameUnavailable):
        issue_codename(actor=REQUESTER, session=session, holder=secrets.token_bytes(32))
    with pytest.raises(CodenameUnavailable):
        attempt("x")
    assert RequesterSession.objects.get(pk=session.pk).stage == Stage.CODENAME_DUE
    settings.CORRIDOR_KEY_PROVIDER = "file"
    assert issue_codename(actor=REQUESTER, session=session, holder=secrets.token_bytes(32))


def test_the_steps_refuse_a_session_at_the_wrong_stage(vault_keys, fast_kdf):
    session = pending_session()
    with pytest.raises(RequesterSessionGone):
        confirm_codename(actor=REQUESTER, session=session, typed="x")
    skip_codename_check(actor=REQUESTER, session=session)  # nothing to skip yet
    assert RequesterSession.objects.get(pk=session.pk).stage == Stage.CODENAME_DUE


def test_two_tabs_issuing_at_once_show_one_codename(vault_keys, fast_kdf):
    """The second tab's codename is never stored nor shown: the first one stands."""
    session = pending_session()
    stale = RequesterSession.objects.get(pk=session.pk)
    issue_codename(actor=REQUESTER, session=session, holder=secrets.token_bytes(32))
    with pytest.raises(RequesterSessionGone):
        issue_codename(actor=REQUESTER, session=stale, holder=secrets.token_bytes(32))
    assert Codename.objects.count() == 1


def as_first_scheme(written):
    """Turn the written request's codename into one issued before the single derivation."""
    from corridor.vault.requester import first_scheme_key, first_scheme_lookup

    Codename.objects.filter(request=written.request).update(
        lookup=first_scheme_lookup(written.codename).hex(),
        public_key=first_scheme_key(written.codename).public_key,
        scheme=1,
    )


def test_a_codename_issued_before_the_single_derivation_still_signs_in(vault_keys, kdf_calls):
    """Scheme 1 (two derivations) keeps working; a wrong codename then costs the same two
    runs as the old one's lookup, whatever was typed."""
    written = write()
    as_first_scheme(written)
    before = len(kdf_calls)
    assert attempt(new_codename()) is None
    assert attempt("x") is None
    assert len(kdf_calls) == before + 4
    session = attempt(written.codename)
    assert session is not None
    assert session.request_id == written.request.pk
    assert len(kdf_calls) == before + 4 + 3  # current, first-scheme lookup, its key pair


def test_the_key_service_failing_between_the_two_derivations(vault_keys, fast_kdf, monkeypatch):
    """A first-scheme codename's key pair is a second run: if the provider fails there, the
    page says to come back, and nothing is signed in."""
    written = write()
    as_first_scheme(written)
    from corridor.intake.services import codenames as service
    from corridor.vault.errors import VaultSealed

    def sealed(codename):
        raise VaultSealed("sealed")

    monkeypatch.setattr(service, "first_scheme_key", sealed)
    with pytest.raises(CodenameUnavailable):
        attempt(written.codename)
    assert (
        not RequesterSession.objects.filter(stage=Stage.SIGNED_IN)
        .exclude(digest=written.session.digest)
        .exists()
    )


def test_when_every_derivation_slot_is_taken_the_page_says_wait(vault_keys, fast_kdf, settings):
    """Past the slots and their short queue a sign-in is not run: PortalSaturated (the
    self-refreshing page), before any derivation."""
    from corridor.intake import derivations

    written = write()
    settings.CORRIDOR_CODENAME_KDF_SLOTS = 1
    settings.CORRIDOR_CODENAME_KDF_QUEUE = 0
    with derivations.derivation_slot(), pytest.raises(PortalSaturated):
        attempt(written.codename)
    assert attempt(written.codename) is not None
