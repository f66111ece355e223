"""The public verification page is cached per code (QR scans hammer it), and
every change to the certificate or its credential shows on the next request."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from certificates.models import Certificate
from certificates.selectors import VERIFICATION_KEY
from certificates.services import certificate_issue, certificate_reissue, certificate_revoke
from tests.factories import complete_course, learner

pytestmark = pytest.mark.django_db


def page(client, code):
    response = client.get(reverse("certificate_verify", args=[code]))
    return response.status_code, response.content.decode()


def cached_page(client, code):
    """The page as a visitor sees it once any earlier change's mark has
    expired, and so cached (each change below must then undo that copy)."""
    cache.delete(VERIFICATION_KEY.format(code=code))
    return page(client, code)


@pytest.fixture
def pending(course, learner_user, media_root):
    complete_course(learner_user, course)
    return Certificate.objects.get(user=learner_user)


@pytest.fixture
def staff(db):
    return learner(email="staff@example.org", legal_name="Staff Member", is_staff=True)


def test_a_second_visit_makes_no_query(client, pending, django_assert_num_queries):
    certificate = certificate_issue(certificate_id=pending.pk)
    cache.delete(VERIFICATION_KEY.format(code=certificate.code))  # the issue's change mark has expired
    page(client, certificate.code)
    with django_assert_num_queries(0):
        status, body = page(client, certificate.code)
    assert status == 200 and "Valid" in body and "Active" in body


def test_issue_revoke_and_reissue_each_show_at_once_over_a_cached_page(
    client, pending, staff, django_capture_on_commit_callbacks
):
    assert "Being prepared" in cached_page(client, pending.code)[1]
    with django_capture_on_commit_callbacks(execute=True):
        certificate = certificate_issue(certificate_id=pending.pk)
    body = page(client, certificate.code)[1]
    assert "Valid" in body and "Digital credential" in body and "Active" in body

    cached_page(client, certificate.code)
    with django_capture_on_commit_callbacks(execute=True):
        certificate_revoke(certificate=certificate, actor=staff, reason="Issued in error")
    body = page(client, certificate.code)[1]
    assert "Revoked" in body and "Valid" not in body and "Active" not in body

    cached_page(client, certificate.code)
    with django_capture_on_commit_callbacks(execute=True):
        new = certificate_reissue(certificate=certificate, actor=staff, note="Name correction")
    body = page(client, certificate.code)[1]
    assert "Superseded" in body and new.code in body


def test_an_unknown_code_is_not_remembered(client, db):
    code = "AAAAA-BBBBB-CCCCC"
    assert page(client, code)[0] == 404
    assert cache.get(VERIFICATION_KEY.format(code=code)) is None


def test_a_credential_issued_later_shows_over_a_cached_page(client, pending, django_capture_on_commit_callbacks):
    from certificates.services import certificate_credentials_backfill
    from credentials.models import Credential

    certificate = certificate_issue(certificate_id=pending.pk)
    Credential.objects.filter(reference=certificate.code).delete()  # issued before credentials existed
    assert "Digital credential" not in cached_page(client, certificate.code)[1]
    with django_capture_on_commit_callbacks(execute=True):
        assert certificate_credentials_backfill() == 1
    assert "Digital credential" in page(client, certificate.code)[1]


def test_an_anonymous_page_is_rendered_once_per_state_and_never_for_a_signed_in_visitor(
    client, pending, learner_user, staff, django_capture_on_commit_callbacks
):
    from django.test.signals import template_rendered

    rendered = []

    def listen(sender, template, **kwargs):
        rendered.append(template.name)

    template_rendered.connect(listen)
    try:
        certificate = certificate_issue(certificate_id=pending.pk)
        cached_page(client, certificate.code)
        rendered.clear()
        status, body = page(client, certificate.code)
        assert status == 200 and "Valid" in body and "Active" in body
        assert rendered == []  # served from this process's copy
        assert "csrfmiddlewaretoken" not in body and "Log in" in body

        client.force_login(learner_user)
        body = page(client, certificate.code)[1]
        assert "certificates/verify.html" in rendered and "My learning" in body and "Log in" not in body
        client.logout()
        assert "My learning" not in page(client, certificate.code)[1]

        with django_capture_on_commit_callbacks(execute=True):
            certificate_revoke(certificate=certificate, actor=staff, reason="Issued in error")
        rendered.clear()
        body = page(client, certificate.code)[1]
        assert "Revoked" in body and "Valid" not in body
        assert "certificates/verify.html" in rendered
    finally:
        template_rendered.disconnect(listen)


def test_a_credential_reaching_its_end_date_shows_expired_over_a_cached_page(client, pending):
    import time
    from datetime import timedelta

    from django.utils import timezone

    from credentials.models import Credential

    certificate = certificate_issue(certificate_id=pending.pk)
    Credential.objects.filter(reference=certificate.code).update(valid_until=timezone.now() + timedelta(seconds=2))
    assert "Active" in cached_page(client, certificate.code)[1]
    assert "Active" in page(client, certificate.code)[1]  # the same rows, now served from the kept copy
    # The end date passes and nothing is saved: the status is worked out on each request.
    time.sleep(2.1)
    body = page(client, certificate.code)[1]
    assert "Expired" in body and "Active" not in body


def test_a_warm_anonymous_visit_makes_two_redis_round_trips(client, pending, redis_commands):
    certificate = certificate_issue(certificate_id=pending.pk)
    cached_page(client, certificate.code)
    page(client, certificate.code)
    redis_commands.clear()
    status, body = page(client, certificate.code)
    assert status == 200 and "Active" in body
    # The rate limit's counter (this address already has one: the add is
    # refused, then the atomic increment); the cached rows with the
    # credential's status list.
    assert redis_commands == ["SET", "EVALSHA", "MGET"]
