"""The staff site, with the requester portal mounted under /help/."""

from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    path("", include("corridor.web.urls")),
    path("help/", include("corridor.portal.urls")),
    # Partner Corridors send and fetch witnessed tree heads here (no session).
    path("witness/", include("corridor.partners.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
]

handler400 = "corridor.core.errors.bad_request"
handler403 = "corridor.core.errors.permission_denied"
handler404 = "corridor.core.errors.page_not_found"
handler500 = "corridor.core.errors.server_error"
