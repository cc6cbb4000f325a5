"""Building intake state through the real services, as the portal does."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from corridor.core.actors import RequesterActor
from corridor.intake.models import Request, RequesterSession
from corridor.intake.services.codenames import issue_codename, skip_codename_check
from corridor.intake.services.requests import receive_portal_request

REQUESTER = RequesterActor()


def new_digest() -> str:
    return hashlib.sha256(secrets.token_bytes(32)).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(24)


@dataclass
class Written:
    """A request as its requester left it: the session, the cookie key and the codename."""

    request: Request
    session: RequesterSession
    holder: bytes
    codename: str


def write(story: str = "Нужна помощь", **answers: object) -> Written:
    """Send a request and take the codename through the real services."""
    digest = new_digest()
    request = receive_portal_request(
        actor=REQUESTER,
        answers={"story": story, **answers},
        session_digest=digest,
        form_token=new_token(),
    )
    session = RequesterSession.objects.get(digest=digest)
    holder = secrets.token_bytes(32)
    codename = issue_codename(actor=REQUESTER, session=session, holder=holder)
    skip_codename_check(actor=REQUESTER, session=session)
    return Written(request=request, session=session, holder=holder, codename=codename)
