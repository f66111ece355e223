"""The product's URLs plus two tiny views for the page throughput baselines.

One view, two paths: ``/bench/bare/`` is served only through bench/wsgi.py's
handler with no middleware, ``/bench/plain/`` through the whole middleware stack."""

from django.http import HttpResponse
from django.urls import include, path


def plain(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/bare/", plain, name="bench_bare"),
    path("bench/plain/", plain, name="bench_plain"),
    path("", include("config.urls")),
]

handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
