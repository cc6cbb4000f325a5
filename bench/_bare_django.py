"""The baseline of bench_portal: a bare Django POST (one view, no middleware, no database)
served by gunicorn with the same workers and threads as `corridor serve`."""

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, HttpResponse
from django.urls import path


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"{len(request.POST)} fields", content_type="text/plain")


urlpatterns = [path("bare/", bare)]

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-only-" + "x" * 50,  # serves nothing but this benchmark
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    DATABASES={},
)
application = get_wsgi_application()
