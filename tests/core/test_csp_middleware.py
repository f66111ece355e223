"""The CSP middleware's headers, built once per policy, match django-csp's own."""

import pytest
from csp.constants import HEADER, HEADER_REPORT_ONLY, NONCE
from csp.middleware import CSPMiddleware
from django.http import HttpResponse
from django.test import RequestFactory

from core import middleware as core_middleware
from core.middleware import ContentSecurityPolicyMiddleware

POLICY = {"DIRECTIVES": {"default-src": ["'self'"], "script-src": ["'self'"], "object-src": ["'none'"]}}


@pytest.fixture
def policy(settings):
    settings.DEBUG = False
    settings.CONTENT_SECURITY_POLICY = POLICY
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"default-src": ["'none'"]}}


def served(path, response=None, middleware_class=ContentSecurityPolicyMiddleware):
    request = RequestFactory().get(path)
    response = response or HttpResponse("ok")
    middleware = middleware_class(lambda request: response)
    return request, middleware(request)


def built_each_time(path):
    """The headers django-csp's own process_response builds, with this project's policy parts."""
    request = RequestFactory().get(path)
    middleware = ContentSecurityPolicyMiddleware(lambda request: HttpResponse("ok"))
    response = CSPMiddleware.process_response(middleware, request, HttpResponse("ok"))
    return response[HEADER], response[HEADER_REPORT_ONLY]


@pytest.mark.parametrize("path", ["/courses/", "/admin/pages/"])
def test_repeated_responses_carry_the_headers_django_csp_builds(policy, path):
    expected = built_each_time(path)
    for _ in range(3):
        request, response = served(path)
        assert (response[HEADER], response[HEADER_REPORT_ONLY]) == expected
    assert ("'unsafe-inline'" in expected[0]) == path.startswith("/admin/")


def test_admin_and_public_headers_are_kept_apart(policy):
    served("/admin/")
    served("/courses/")
    assert "'unsafe-inline'" in served("/admin/")[1][HEADER]
    assert "'unsafe-inline'" not in served("/courses/")[1][HEADER]


def test_a_nonce_used_by_the_page_is_in_its_header(policy, settings):
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"script-src": ["'self'", NONCE]}}
    served("/courses/")  # the fixed headers are built
    request = RequestFactory().get("/courses/")
    middleware = ContentSecurityPolicyMiddleware(lambda r: HttpResponse(str(r.csp_nonce)))
    response = middleware(request)
    assert f"'nonce-{response.content.decode()}'" in response[HEADER]


def test_a_views_own_policy_is_honoured(policy):
    served("/courses/")
    response = HttpResponse("ok")
    response._csp_replace = {"img-src": ["https://images.example"]}
    assert "img-src https://images.example" in served("/courses/", response)[1][HEADER]
    exempt = HttpResponse("ok")
    exempt._csp_exempt = True
    assert HEADER not in served("/courses/", exempt)[1]


def test_changing_the_policy_setting_rebuilds_the_header(policy, settings):
    assert "object-src 'none'" in served("/courses/")[1][HEADER]
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'self'"], "object-src": ["'self'"]}}
    assert "object-src 'self'" in served("/courses/")[1][HEADER]
    assert core_middleware._fixed_headers


def test_a_nonce_asked_for_after_the_header_is_refused(policy):
    from csp.exceptions import CSPNonceError

    served("/courses/")
    request, _ = served("/courses/")
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)
