"""Who may open a staff page: logged-in staff, and for some pages only certain roles."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect

from corridor.accounts.models import Staff
from corridor.accounts.roles import Role
from corridor.accounts.selectors import roles_of

P = ParamSpec("P")
View = Callable[Concatenate[HttpRequest, P], HttpResponseBase]


def staff_required(view: View[P]) -> View[P]:
    """Anonymous visitors go to the login form."""

    @wraps(view)
    def wrapped(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        if not isinstance(request.user, Staff):
            return redirect(settings.LOGIN_URL)
        return view(request, *args, **kwargs)

    return wrapped


def role_required(*roles: Role) -> Callable[[View[P]], View[P]]:
    """Only staff holding one of `roles`; others get the 403 page."""

    def decorate(view: View[P]) -> View[P]:
        @staff_required
        @wraps(view)
        def wrapped(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
            assert isinstance(request.user, Staff)  # noqa: S101 - staff_required ran first
            if not roles_of(request.user) & set(roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def current_staff(request: HttpRequest) -> Staff:
    """The logged-in staff member of a view behind staff_required."""
    user = request.user
    if not isinstance(user, Staff):
        raise PermissionDenied
    return user
