"""Issuing codenames and signing in with them.

Every path that derives from a typed codename is throttled first (the global bucket,
then the session's) and then runs exactly one Argon2id derivation, whatever was typed:
a wrong, malformed or unknown codename gets the same answer after the same work. That
one run gives both the lookup value and the requester's key pair (vault/requester.py).
Codenames issued before the single derivation (scheme 1) take their own two runs: while
any is still active, a sign-in that matches no current codename tries the first scheme's
lookup too, so every wrong codename still costs the same (decision 0011).
Each derivation waits for a slot of its own (intake/derivations.py), so page-serving
threads never all sit in derivations; past the short queue the page says to wait.

    codename = issue_codename(actor=requester, session=session, holder=cookie_key)
    confirm_codename(actor=requester, session=session, typed="...")  -> bool
    session = sign_in_with_codename(actor=requester, attempt_digest=current_cookie,
                                    session_digest=new_cookie, holder=new_cookie_key,
                                    typed="...")  # or None
"""

from __future__ import annotations

import hmac

from django.db import transaction

from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.core import clock
from corridor.core.actors import RequesterActor
from corridor.core.exceptions import KeysUnavailable
from corridor.intake.codenames import canonical_codename, new_codename
from corridor.intake.derivations import derivation_slot
from corridor.intake.errors import CodenameUnavailable, RequesterSessionGone
from corridor.intake.models import Codename, RequesterSession, Stage
from corridor.intake.services._common import take_or_refuse
from corridor.intake.services.sessions import bind_requester_session
from corridor.intake.throttles import session_bucket
from corridor.vault.errors import (
    KekMismatch,
    KeyNotFound,
    KeyProviderUnavailable,
    KeyStoreUnavailable,
)
from corridor.vault.requester import (
    CURRENT_SCHEME,
    FIRST_SCHEME,
    DerivedCodename,
    RequesterKey,
    derive_codename,
    first_scheme_key,
    first_scheme_lookup,
    hold_requester_key,
)

# Derived when what was typed cannot be a codename, so that attempt costs the same one
# derivation as any other; no canonical codename contains a space-free dash.
_NOT_A_CODENAME = "-"
_PROVIDER_DOWN = (
    KeysUnavailable,  # sealed, or keyd unreachable
    KeyProviderUnavailable,
    KeyNotFound,
    KeyStoreUnavailable,
    KekMismatch,
)


def issue_codename(*, actor: RequesterActor, session: RequesterSession, holder: bytes) -> str:
    """Make the codename of the session's request and return it, once; the session then
    holds the requester's key (under `holder`, the cookie's key).

    Raises CodenameUnavailable when the key provider is sealed or unreachable: the
    request stays stored and the page can be tried again.
    """
    if session.stage != Stage.CODENAME_DUE:
        raise RequesterSessionGone
    codename = new_codename()
    derived = _derive(codename)
    with transaction.atomic():
        locked = RequesterSession.objects.select_for_update().filter(digest=session.digest)
        current = locked.first()
        if current is None or current.stage != Stage.CODENAME_DUE:
            # Another tab issued one first; this codename is forgotten unshown.
            raise RequesterSessionGone
        today = clock.today()
        Codename.objects.filter(request_id=current.request_id, retired_on__isnull=True).update(
            retired_on=today
        )
        Codename.objects.create(
            lookup=derived.lookup.hex(),
            request_id=current.request_id,
            public_key=derived.key.public_key,
            issued_on=today,
            scheme=CURRENT_SCHEME,
        )
        current.stage = Stage.CODENAME_SHOWN
        current.held_key = hold_requester_key(derived.key, holder=holder, binding=current.digest)
        current.save(update_fields=["stage", "held_key"])
        record_event(
            actor=actor,
            event=EventType.CODENAME_ISSUED,
            object_type=ObjectType.REQUEST,
            object_id=str(current.request_id),
        )
    session.stage, session.held_key = current.stage, current.held_key
    return codename


def confirm_codename(*, actor: RequesterActor, session: RequesterSession, typed: str) -> bool:
    """The "type it back" check after the codename was shown; True signs the session in.

    Raises TooManyAttempts before any derivation when a limit is reached.
    """
    if session.stage != Stage.CODENAME_SHOWN:
        raise RequesterSessionGone
    _throttle(actor, session.digest)
    active = Codename.objects.filter(request_id=session.request_id, retired_on__isnull=True).first()
    canonical = canonical_codename(typed)
    candidate = canonical or _NOT_A_CODENAME
    if active is not None and active.scheme == FIRST_SCHEME:
        lookup = _first_lookup(candidate).hex()
    else:
        lookup = _derive(candidate).lookup.hex()
    if canonical is None or active is None or not hmac.compare_digest(active.lookup, lookup):
        return False
    _sign_in_step(actor, session, reason="typed_back")
    return True


def skip_codename_check(*, actor: RequesterActor, session: RequesterSession) -> None:
    """Go on to the thread without typing the codename back (it can be done later)."""
    if session.stage == Stage.CODENAME_SHOWN:
        _sign_in_step(actor, session, reason="skipped")


def replace_codename(*, actor: RequesterActor, session: RequesterSession) -> None:
    """Before the codename was confirmed: retire it so the next page shows a new one."""
    if session.stage != Stage.CODENAME_SHOWN:
        raise RequesterSessionGone
    _throttle(actor, session.digest)
    with transaction.atomic():
        Codename.objects.filter(request_id=session.request_id, retired_on__isnull=True).update(
            retired_on=clock.today()
        )
        session.stage, session.held_key = Stage.CODENAME_DUE, None
        session.save(update_fields=["stage", "held_key"])
        record_event(
            actor=actor,
            event=EventType.CODENAME_REPLACED,
            object_type=ObjectType.REQUEST,
            object_id=str(session.request_id),
        )


def sign_in_with_codename(
    *, actor: RequesterActor, attempt_digest: str, session_digest: str, holder: bytes, typed: str
) -> RequesterSession | None:
    """A session (`session_digest`, its key held under `holder`) signed in to the
    codename's request, or None for a wrong codename.

    `attempt_digest` names the cookie the attempt came with, whose rate limit it counts
    against; the new session gets a cookie of its own only when the codename is right.
    Raises TooManyAttempts before any derivation, CodenameUnavailable when the key
    provider cannot derive.
    """
    _throttle(actor, attempt_digest)
    canonical = canonical_codename(typed)
    candidate = canonical or _NOT_A_CODENAME
    derived = _derive(candidate)
    active = Codename.objects.filter(retired_on__isnull=True)
    match = active.filter(lookup=derived.lookup.hex(), scheme=CURRENT_SCHEME).first()
    key: RequesterKey | None = derived.key
    if match is None and active.filter(scheme=FIRST_SCHEME).exists():
        lookup = _first_lookup(candidate).hex()
        match = active.filter(lookup=lookup, scheme=FIRST_SCHEME).first()
        key = None  # a first-scheme key pair takes its own derivation, below
    if canonical is None or match is None:
        return None
    if key is None:
        key = _first_key(canonical)
    with transaction.atomic():
        session = bind_requester_session(
            digest=session_digest,
            request_id=match.request_id,
            stage=Stage.SIGNED_IN,
            held_key=hold_requester_key(key, holder=holder, binding=session_digest),
        )
        record_event(
            actor=actor,
            event=EventType.SIGNED_IN,
            object_type=ObjectType.REQUEST,
            object_id=str(match.request_id),
        )
    return session


def _sign_in_step(actor: RequesterActor, session: RequesterSession, *, reason: str) -> None:
    with transaction.atomic():
        session.stage = Stage.SIGNED_IN
        session.save(update_fields=["stage"])
        record_event(
            actor=actor,
            event=EventType.CODENAME_CONFIRMED,
            object_type=ObjectType.REQUEST,
            object_id=str(session.request_id),
            reason=reason,
        )


def _throttle(actor: RequesterActor, session_digest: str) -> None:
    take_or_refuse(
        [session_bucket("codename", session_digest)], limit="codename", source=actor.source
    )


def _derive(codename: str) -> DerivedCodename:
    """The codename's lookup value and key pair (one derivation, in a slot of its own).

    An unreadable codename is derived as `_NOT_A_CODENAME`, so it costs what a wrong one
    does."""
    try:
        with derivation_slot():
            return derive_codename(codename)
    except _PROVIDER_DOWN:
        raise CodenameUnavailable from None


def _first_lookup(codename: str) -> bytes:
    try:
        with derivation_slot():
            return first_scheme_lookup(codename)
    except _PROVIDER_DOWN:
        raise CodenameUnavailable from None


def _first_key(codename: str) -> RequesterKey:
    try:
        with derivation_slot():
            return first_scheme_key(codename)
    except _PROVIDER_DOWN:
        raise CodenameUnavailable from None
