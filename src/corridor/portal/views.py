"""Portal pages. The language comes from the path (Russian at the root, English under en/),
so the portal needs no language cookie."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe


@require_safe
def start(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/start.html")
