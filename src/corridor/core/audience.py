"""Who a request is for: the anonymous requester portal or the staff interface.

The two audiences get different CSP, language defaults and error pages. A
request is for the portal when it arrives under the portal prefix, or when the
process serves only the portal (`corridor serve --portal`), which marks every
request through its WSGI entry point.
"""

from django.conf import settings
from django.http import HttpRequest

PORTAL_ONLY_ENVIRON_KEY = "corridor.portal_only"
PORTAL_ONLY_URLCONF = "corridor.config.portal_urls"


def is_portal_only(request: HttpRequest) -> bool:
    """True when this process serves nothing but the portal."""
    return bool(request.META.get(PORTAL_ONLY_ENVIRON_KEY))


def is_portal_request(request: HttpRequest) -> bool:
    """True when the request is for the requester portal."""
    return is_portal_only(request) or request.path_info.startswith(settings.CORRIDOR_PORTAL_PREFIX)


def portal_root(request: HttpRequest) -> str:
    """The portal's first page as this process serves it."""
    return "/" if is_portal_only(request) else settings.CORRIDOR_PORTAL_PREFIX


def portal_language(request: HttpRequest) -> str:
    """Russian first: English only under the portal's `en/` path."""
    english = portal_root(request) + "en/"
    return "en" if request.path_info.startswith(english) else "ru"
