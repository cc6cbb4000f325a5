"""Template context every page gets: the demo banner and the audience's paths."""

from django.conf import settings
from django.http import HttpRequest

from corridor.core import audience


def corridor(request: HttpRequest) -> dict[str, object]:
    return {
        "corridor_demo": settings.CORRIDOR_DEMO_BANNER,
        "portal_root": audience.portal_root(request),
    }
