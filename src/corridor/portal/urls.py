"""Portal URLs: each page Russian at the root and English under en/."""

from collections.abc import Callable

from django.http import HttpResponseBase
from django.urls import URLPattern, path

from corridor.portal import views

app_name = "portal"


def _both(route: str, view: Callable[..., HttpResponseBase], name: str) -> list[URLPattern]:
    return [path(route, view, name=name), path(f"en/{route}", view, name=f"{name}_en")]


urlpatterns = [
    *_both("", views.start, "start"),
    *_both("codename/", views.codename, "codename"),
    *_both("codename/new/", views.codename_new, "codename_new"),
    *_both("codename/skip/", views.codename_skip, "codename_skip"),
    *_both("enter/", views.enter, "enter"),
    *_both("thread/", views.thread, "thread"),
    *_both("sharing/", views.sharing, "sharing"),
    *_both("deletion/", views.deletion, "deletion"),
    *_both("leave/", views.leave, "leave"),
    path("exit/", views.exit_now, name="exit"),
]
