"""The search box: a reference, a full name or a phone number (posted, never in a URL)."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from corridor.accounts.roles import Role
from corridor.core.exceptions import CorridorError
from corridor.intake.services.search import search
from corridor.vault.errors import VaultError
from corridor.web.decorators import current_staff, role_required

SEARCH_ROLES = (Role.CASEWORKER, Role.COORDINATOR, Role.VERIFIER)
KEYS_UNAVAILABLE = _("The key service is sealed or unreachable, so names cannot be checked now.")


class SearchForm(forms.Form):
    text = forms.CharField(
        label=_("Reference, full name or phone number"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(*SEARCH_ROLES)
def search_page(request: HttpRequest) -> HttpResponse:
    """GET shows the box; POST searches (a name or a phone never goes into a URL)."""
    form = SearchForm(request.POST if request.method == "POST" else None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = search(actor=current_staff(request), text=form.cleaned_data["text"])
        except VaultError:
            form.add_error(None, str(KEYS_UNAVAILABLE))
        except CorridorError as problem:
            form.add_error("text", str(problem))
    status = 400 if form.errors else 200
    # The box comes back empty: what was typed may be a person's name.
    context = {"form": SearchForm(), "errors": form.errors, "result": result}
    return render(request, "web/search.html", context, status=status)
