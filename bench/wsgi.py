"""The bench gunicorn's WSGI application: the product's Django application,
plus one path served by Django with no middleware at all.

``/bench/bare/`` goes to a second Django WSGI handler whose middleware chain
is empty (what ``BaseHandler.load_middleware`` builds when MIDDLEWARE is
``[]``): Django still builds the request, sends request_started and
request_finished, resolves the URL against bench/urls.py and calls the view,
but no middleware runs. Every other path goes to the product's handler with
its whole middleware stack. Both run in the same gunicorn workers, so the
bare view is the baseline for the page throughput ratios; the dispatch here
is one string comparison, paid by every path alike.
"""

import os

from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

BARE_PATH = "/bench/bare/"


class BareHandler(WSGIHandler):
    """Django's WSGI handler with MIDDLEWARE = [] (nothing else changed)."""

    def load_middleware(self, is_async=False):
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        self._middleware_chain = convert_exception_to_response(self._get_response)


django_application = get_wsgi_application()  # runs django.setup()
bare_application = BareHandler()


def application(environ, start_response):
    if environ.get("PATH_INFO") == BARE_PATH:
        return bare_application(environ, start_response)
    return django_application(environ, start_response)
