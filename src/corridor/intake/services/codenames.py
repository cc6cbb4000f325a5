"""Issuing codenames and signing in with them.

Every path that derives from a typed codename is throttled first (the global bucket,
then the session's) and then runs exactly one Argon2id derivation, whatever was typed:
a wrong, malformed or unknown codename gets the same answer after the same work. Only a
match runs the second derivation (the requester's key pair).

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
from corridor.audit.services import record_event
from corridor.core import clock
from corridor.core.actors import RequesterActor
from corridor.core.exceptions import KeysUnavailable
from corridor.intake.codenames import canonical_codename, new_codename
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
    RequesterKey,
    codename_lookup,
    hold_requester_key,
    requester_key,
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
    lookup, key = _derive_both(codename)
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
            lookup=lookup.hex(),
            request_id=current.request_id,
            public_key=key.public_key,
            issued_on=today,
        )
        current.stage = Stage.CODENAME_SHOWN
        current.held_key = hold_requester_key(key, holder=holder, binding=current.digest)
        current.save(update_fields=["stage", "held_key"])
        record_event(
            actor=actor,
            event=EventType.CODENAME_ISSUED,
            object_type="request",
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
    canonical, lookup = _read(typed)
    active = Codename.objects.filter(request_id=session.request_id, retired_on__isnull=True).first()
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
            object_type="request",
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
    canonical, lookup = _read(typed)
    match = Codename.objects.filter(lookup=lookup, retired_on__isnull=True).first()
    if canonical is None or match is None:
        return None
    key = _key(canonical)
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
            object_type="request",
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
            object_type="request",
            object_id=str(session.request_id),
            reason=reason,
        )


def _throttle(actor: RequesterActor, session_digest: str) -> None:
    take_or_refuse(
        [session_bucket("codename", session_digest)], limit="codename", source=actor.source
    )


def _read(typed: str) -> tuple[str | None, str]:
    """What was typed as a canonical codename (or None) and its lookup value in hex; one
    derivation either way, so an unreadable codename costs what a wrong one does."""
    canonical = canonical_codename(typed)
    return canonical, _lookup(canonical or _NOT_A_CODENAME).hex()


def _lookup(codename: str) -> bytes:
    try:
        return codename_lookup(codename)
    except _PROVIDER_DOWN:
        raise CodenameUnavailable from None


def _key(codename: str) -> RequesterKey:
    try:
        return requester_key(codename)
    except _PROVIDER_DOWN:
        raise CodenameUnavailable from None


def _derive_both(codename: str) -> tuple[bytes, RequesterKey]:
    return _lookup(codename), _key(codename)
