"""Staff pages: the login form at the root, the dashboard once logged in."""

from __future__ import annotations

from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from corridor.web.forms import LoginForm

LOGIN_FAILED = _("That username and password do not match an active account.")


@require_http_methods(["GET", "HEAD", "POST"])
def home(request: HttpRequest) -> HttpResponse:
    """Anonymous visitors get the login form (200, no redirect); staff get their dashboard."""
    if request.user.is_authenticated:
        return render(request, "web/dashboard.html")
    form = LoginForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_valid():
        user = authenticate(
            request,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
        )
        if user is not None:
            login(request, user)
            return redirect("web:home")
        form.add_error(None, LOGIN_FAILED)
        status = 401
    return render(request, "web/login.html", {"form": form}, status=status)


@require_POST
def log_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    response = redirect("web:home")
    # Tell the browser to drop everything it kept for this site.
    response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response
