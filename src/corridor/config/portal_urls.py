"""The requester portal alone, at the root of its own host or onion (`corridor serve --portal`)."""

from django.urls import include, path

urlpatterns = [
    path("", include("corridor.portal.urls")),
]

handler400 = "corridor.core.errors.bad_request"
handler403 = "corridor.core.errors.permission_denied"
handler404 = "corridor.core.errors.page_not_found"
handler500 = "corridor.core.errors.server_error"
