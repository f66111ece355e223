"""The product's URLs plus one tiny plain view, the baseline for page throughput."""

from django.http import HttpResponse
from django.urls import include, path


def plain(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/plain/", plain, name="bench_plain"),
    path("", include("config.urls")),
]

handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
