"""The per-request portal state and the decorator every portal view wears.

    @portal_view(methods=("GET", "POST"))
    def thread(request, portal): ...

`portal_view` exempts the view from Django's CSRF middleware, which would set the staff
CSRF cookie, and puts the portal's own check in its place: every POST must carry a form
token made for this cookie (tokens.py), or the view sees `portal.posted_ok(...)` False.
It also refuses bodies over the portal's cap before anything reads them, and sets the
portal cookie on the way out when it is new or was rotated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Concatenate

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from corridor.core.errors import request_too_large
from corridor.core.uploads import portal_upload_path
from corridor.intake.models import RequesterSession
from corridor.intake.services.sessions import resume_requester_session
from corridor.portal.cookies import PortalCookie, read_cookie, write_cookie
from corridor.portal.tokens import form_token, form_token_valid

TOKEN_FIELD = "form_token"  # noqa: S105 - a field name, not a secret


class Portal:
    """The cookie, the session it names (if any), and the form tokens of this request."""

    def __init__(self, request: HttpRequest) -> None:
        found = read_cookie(request)
        self.cookie = found or PortalCookie.new()
        self.cookie_changed = found is None
        self._request = request
        self._session: RequesterSession | None = None
        self._looked_up = False

    @property
    def session(self) -> RequesterSession | None:
        """The live requester session this cookie names, resumed once per request."""
        if not self._looked_up and not self.cookie_changed:
            self._session = resume_requester_session(self.cookie.digest)
        self._looked_up = True
        return self._session

    def replace_cookie(self, cookie: PortalCookie) -> None:
        """Answer with `cookie` from now on: a signed-in session gets a cookie of its own,
        so an id someone else planted or saw never becomes a signed-in session."""
        self.cookie = cookie
        self.cookie_changed = True
        self._session, self._looked_up = None, True

    def leave_cookie_alone(self) -> None:
        """Send no Set-Cookie for the portal cookie (it was deleted, or must not change)."""
        self.cookie_changed = False

    def token(self, purpose: str) -> str:
        return form_token(self.cookie, purpose)

    def posted_token(self) -> str:
        return str(self._request.POST.get(TOKEN_FIELD, ""))

    def posted_ok(self, purpose: str) -> bool:
        """True when this POST carries a valid token for `purpose` and this cookie."""
        return not self.cookie_changed and form_token_valid(
            self.cookie, purpose, self.posted_token()
        )


PortalHandler = Callable[Concatenate[HttpRequest, Portal, ...], HttpResponseBase]


def portal_view(
    *, methods: Iterable[str] = ("GET", "HEAD")
) -> Callable[[PortalHandler], Callable[..., HttpResponseBase]]:
    allowed = list(methods)

    def decorate(view: PortalHandler) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
            if request.method == "POST" and _declared_length(request) > _portal_limit(request):
                return request_too_large(request)
            portal = Portal(request)
            response = view(request, portal, *args, **kwargs)
            if portal.cookie_changed:
                write_cookie(request, response, portal.cookie)
            return response

        # Django's CSRF check would set the staff CSRF cookie on portal pages; the portal's
        # own token check (Portal.posted_ok) replaces it for every form. Defends against
        # cross-site form posts exactly as Django's would: a token bound to this cookie.
        return csrf_exempt(require_http_methods(allowed)(wrapped))

    return decorate


def see_other(url: str) -> HttpResponse:
    """POST then redirect (303), so reloading the next page never sends the form again."""
    response = HttpResponse(status=303)
    response["Location"] = url
    return response


def _portal_limit(request: HttpRequest) -> int:
    """The portal's small body limit, or the document limit where files may come."""
    if portal_upload_path(request.path_info):
        return int(settings.CORRIDOR_MAX_DOCUMENT_BYTES)
    return int(settings.CORRIDOR_PORTAL_MAX_BODY_BYTES)


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0
