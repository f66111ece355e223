"""Certificate download, verification, revoke and reissue (services in-process)."""

import pytest
from django.urls import reverse

from certificates.models import Certificate, CertificateEvent, CertificateStatus
from certificates.services import CertificateError, certificate_issue, certificate_reissue, certificate_revoke
from certificates.views import VERIFY_RATE
from courses.models import CourseCompletion
from credentials.models import Credential, StatusList
from tests.factories import complete_course, learner
from tests.ratelimits import address_with_time_left

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(course, learner_user, media_root):
    complete_course(learner_user, course)
    pending = Certificate.objects.get(user=learner_user)
    return certificate_issue(certificate_id=pending.pk)


@pytest.fixture
def staff(db):
    return learner(email="staff@example.org", legal_name="Staff Member", is_staff=True)


def test_owner_downloads_the_pdf_and_others_get_404(client, certificate, learner_user, staff):
    url = reverse("certificate_download", args=[certificate.code])
    assert client.get(url).status_code == 302  # anonymous: log in first
    client.force_login(learner())
    assert client.get(url).status_code == 404
    for user in (learner_user, staff):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content).startswith(b"%PDF")
        assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("code", ["nonsense", "AAAAA-AAAAA-AAAA!", "%00", "x" * 200])
def test_malformed_codes_are_404_not_500(client, certificate, code):
    client.force_login(certificate.user)
    assert client.get(f"/certificates/{code}/download/").status_code == 404
    assert client.get(f"/verify/{code}/").status_code == 404


def test_verification_shows_valid_and_nothing_private(client, certificate):
    response = client.get(reverse("certificate_verify", args=[certificate.code.lower()]), follow=True)
    body = response.content.decode()
    assert response.status_code == 200 and "Valid" in body
    assert "Ada Núñez" in body and "2.0" in body and certificate.code in body
    for private in (certificate.user.email, "PSY-123456", "Oregon"):
        assert private not in body


def test_unknown_code_is_a_clear_404(client, db):
    response = client.get(reverse("certificate_verify", args=["AAAAA-BBBBB-CCCCC"]))
    assert response.status_code == 404 and b"Unknown" in response.content


def test_verify_form_redirects_to_the_canonical_code(client, certificate):
    response = client.get(reverse("certificate_verify_form"), {"code": certificate.code.replace("-", " ").lower()})
    assert response.status_code == 302 and response["Location"].endswith(f"/verify/{certificate.code}/")
    bad = client.get(reverse("certificate_verify_form"), {"code": "123"})
    assert bad.status_code == 400 and b"not a valid certificate code" in bad.content


def test_revoke_then_verification_says_revoked(client, certificate, staff):
    with pytest.raises(CertificateError, match="reason"):
        certificate_revoke(certificate=certificate, actor=staff, reason="  ")
    certificate_revoke(certificate=certificate, actor=staff, reason="Issued in error")
    body = client.get(reverse("certificate_verify", args=[certificate.code])).content.decode()
    assert "Revoked" in body and "Valid" not in body
    assert [e.kind for e in certificate.events.all()][-1] == "revoked"


def test_reissue_keeps_completion_date_gets_new_code_and_supersedes(client, certificate, staff, learner_user):
    learner_user.profile.legal_name = "Ada Núñez-García"
    learner_user.profile.save()
    new = certificate_reissue(certificate=certificate, actor=staff, note="Legal name correction")
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.SUPERSEDED
    assert new.status == CertificateStatus.PENDING and new.code != certificate.code
    assert new.completed_at == certificate.completed_at == CourseCompletion.objects.get().completed_at
    assert new.snapshot["legal_name"] == "Ada Núñez-García" and certificate.snapshot["legal_name"] == "Ada Núñez"
    issued = certificate_issue(certificate_id=new.pk)
    assert issued.status == CertificateStatus.ISSUED
    old_page = client.get(reverse("certificate_verify", args=[certificate.code])).content.decode()
    assert "Superseded" in old_page and new.code in old_page
    with pytest.raises(CertificateError):
        certificate_reissue(certificate=certificate, actor=staff)


def test_one_current_certificate_per_learner_and_course(certificate):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(
            user=certificate.user, course=certificate.course, snapshot={}, completed_at=certificate.completed_at
        )


def test_learner_and_course_are_protected_from_deletion(certificate):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        certificate.user.delete()


def test_a_name_with_markup_prints_as_text(course, media_root):
    import io

    from pypdf import PdfReader

    user = learner(legal_name='<b>Bob</b> & "Co"')
    complete_course(user, course)
    certificate = certificate_issue(certificate_id=Certificate.objects.get(user=user).pk)
    text = PdfReader(io.BytesIO(certificate.pdf.open("rb").read())).pages[0].extract_text()
    assert '<b>Bob</b> & "Co"' in text


def test_render_failure_keeps_it_pending_and_records_the_error(course, learner_user, media_root, monkeypatch, client):
    from celery.exceptions import Retry

    from certificates import services
    from certificates.tasks import issue_certificate

    complete_course(learner_user, course)
    pending = Certificate.objects.get(user=learner_user)

    def broken(_data):
        raise ValueError("font missing")

    monkeypatch.setattr(services, "render_certificate", broken)
    # The task schedules a retry with backoff instead of failing for good.
    with pytest.raises(Retry):
        issue_certificate.apply(args=[pending.pk], throw=True)
    pending.refresh_from_db()
    assert pending.status == CertificateStatus.PENDING and pending.render_attempts == 1
    assert "font missing" in pending.last_error
    client.force_login(learner_user)
    assert "being prepared" in client.get(course.url).content.decode()


def test_transcript_lists_certificates_with_total_hours(client, certificate, learner_user):
    client.force_login(learner_user)
    body = client.get(reverse("transcript")).content.decode()
    assert certificate.code in body and "2.0" in body and "Total issued" in body


def test_status_endpoint_reports_ready_for_the_owner_only(client, certificate, learner_user):
    url = reverse("certificate_status", args=[certificate.course_id])
    client.force_login(learner())
    assert client.get(url).status_code == 404
    client.force_login(learner_user)
    body = client.get(url).json()
    assert body["status"] == "issued" and body["download_url"].endswith("/download/")


def test_verification_is_rate_limited_per_client(client, certificate):
    url = reverse("certificate_verify", args=[certificate.code])
    address = address_with_time_left(VERIFY_RATE)
    statuses = [client.get(url, REMOTE_ADDR=address).status_code for _ in range(61)]
    assert statuses[:60] == [200] * 60 and statuses[60] == 429
    other = client.get(url, REMOTE_ADDR="10.9.8.7")
    assert other.status_code == 200


def test_renewal_hours_count_each_completion_once_whatever_credit_was_claimed():
    """A board-credit certificate restates its completion's hours for one
    body: CE hours for renewal count the completion, not each claim."""
    from datetime import timedelta

    from django.utils import timezone

    from certificates.selectors import ce_hours_between
    from certificates.services import certificate_request
    from tests.factories import learner, make_course

    user, course = learner(), make_course(modules=1, lessons=1)
    now = timezone.now()
    for key in ("", "apa", "nbcc"):
        certificate = certificate_request(
            user=user, course=course, completed_at=now, credit_key=key, credit={"hours": "2.0"} if key else None
        )
        Certificate.objects.filter(pk=certificate.pk).update(status=CertificateStatus.ISSUED)
    assert ce_hours_between(user=user, start=now - timedelta(days=1), end=now) == course.ce_hours


def test_a_batch_retries_only_its_failed_certificate(course, media_root):
    """In-process: the batch task issues what it can and asks to retry only
    the certificate whose issue failed."""
    from celery.exceptions import Retry

    from certificates.tasks import issue_certificates

    users = [learner() for _ in range(3)]
    for user in users:
        complete_course(user, course)
    ids = list(Certificate.objects.filter(user__in=users).order_by("pk").values_list("pk", flat=True))
    Certificate.objects.filter(pk=ids[1]).update(snapshot={})
    with pytest.raises(Retry) as retry:
        issue_certificates.apply(args=[ids], throw=True)
    assert retry.value.sig.args == ([ids[1]],)
    statuses = dict(Certificate.objects.filter(pk__in=ids).values_list("pk", "status"))
    assert statuses == {ids[0]: "issued", ids[1]: "pending", ids[2]: "issued"}
    assert Certificate.objects.get(pk=ids[1]).render_attempts == 1


def test_a_mail_server_down_at_issue_issues_the_certificate_and_retries_the_mail(
    course, learner_user, media_root, settings, mailoutbox
):
    """The issue and its e-mail are one transaction, but a refused e-mail
    does not hold the certificate back: it is issued without ``emailed_at``,
    and the task's retry sends the e-mail once the server is back."""
    import socket

    from celery.exceptions import Retry

    from certificates.tasks import issue_certificates

    with socket.socket() as sock:  # a loopback port nothing listens on
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    complete_course(learner_user, course)
    pk = Certificate.objects.get(user=learner_user).pk
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port, 2
    with pytest.raises(Retry) as retry:
        issue_certificates.apply(args=[[pk]], throw=True)
    certificate = Certificate.objects.get(pk=pk)
    assert certificate.status == CertificateStatus.ISSUED and certificate.emailed_at is None
    assert certificate.pdf and [e.kind for e in certificate.events.all()] == ["created", "issued"]

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    issue_certificates.apply(args=retry.value.sig.args, throw=True)
    certificate.refresh_from_db()
    assert certificate.emailed_at is not None
    assert [e.kind for e in certificate.events.all()] == ["created", "issued", "emailed"]
    assert len(mailoutbox) == 1 and certificate.code in mailoutbox[0].body


ISSUE_QUERIES = [
    "SELECT",  # the published key (once per batch)
    "SAVEPOINT",  # the batch's transaction (a savepoint inside the test's)
    "SELECT",  # claim the rows, with their learners
    "SELECT",  # the open status list
    "SELECT",  # the course (once per course)
    "SELECT",  # its objectives
    "INSERT",  # every credential
    "SELECT",  # which were stored (a bit taken meanwhile draws again)
    "UPDATE",  # count them on their list
    "UPDATE",  # mark every certificate issued and e-mailed
    "INSERT",  # every event
    "RELEASE",
]


def statements(context):
    return [query["sql"].split(" ", 1)[0] for query in context.captured_queries]


def test_issuing_a_certificate_takes_one_transaction_of_few_queries(
    course, media_root, django_assert_num_queries, mailoutbox
):
    """Lock, render, e-mail, sign and record in one transaction of twelve
    statements. (It was 24, in two transactions, then 13: a savepoint around
    the credential's insert, and no batch statements.)"""
    first, second = learner(), learner()
    for user in (first, second):
        complete_course(user, course)
    # The site's first credential opens a status list and publishes the key.
    certificate_issue(certificate_id=Certificate.objects.get(user=first).pk)
    pk = Certificate.objects.get(user=second).pk
    with django_assert_num_queries(len(ISSUE_QUERIES)) as context:
        certificate = certificate_issue(certificate_id=pk)
    assert statements(context) == ISSUE_QUERIES
    assert certificate.status == "issued" and len(mailoutbox) == 2


@pytest.mark.parametrize("size", [4, 9])
def test_a_batch_takes_the_same_statements_whatever_its_size(
    size, course, media_root, django_assert_num_queries, mailoutbox
):
    """The certificates of a batch are claimed, stored and recorded together:
    the same twelve statements for four as for nine (it was ten for each
    certificate, plus three for the batch)."""
    from certificates.services import certificates_issue

    users = [learner() for _ in range(size + 1)]
    for user in users:
        complete_course(user, course)
    ids = list(Certificate.objects.filter(user__in=users).order_by("pk").values_list("pk", flat=True))
    certificate_issue(certificate_id=ids[0])  # the site's first credential opens a status list
    with django_assert_num_queries(len(ISSUE_QUERIES)) as context:
        assert certificates_issue(certificate_ids=ids[1:]) == []
    assert statements(context) == ISSUE_QUERIES
    issued = Certificate.objects.filter(pk__in=ids, status="issued", emailed_at__isnull=False)
    assert issued.count() == size + 1 and len(mailoutbox) == size + 1
    events = CertificateEvent.objects.filter(certificate__in=ids[1:]).values_list("certificate", "kind")
    assert sorted(events) == sorted((pk, kind) for pk in ids[1:] for kind in ("created", "issued", "emailed"))
    credentials = Credential.objects.filter(reference__in=issued.values("code"))
    assert credentials.count() == size + 1
    assert len({(c.status_list_id, c.status_index) for c in credentials}) == size + 1
    assert StatusList.objects.get().issued_count == size + 1


def test_a_batch_sends_its_e_mails_through_one_mail_connection(course, media_root, settings, tmp_path):
    """One SMTP session per batch, not one per e-mail. Django's file backend
    writes one file per connection: three certificates, one file, three mails."""
    from certificates.services import certificates_issue

    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    users = [learner() for _ in range(3)]
    for user in users:
        complete_course(user, course)
    certificates = list(Certificate.objects.filter(user__in=users).order_by("pk"))
    assert certificates_issue(certificate_ids=[c.pk for c in certificates]) == []
    (written,) = (tmp_path / "mail").iterdir()
    text = written.read_text()
    assert [c.code in text for c in certificates] == [True] * 3
    assert text.count("Subject: Your certificate for") == 3


def test_a_batch_whose_every_certificate_fails_writes_nothing_but_the_failures(course, media_root, mailoutbox):
    from certificates.services import certificates_issue

    users = [learner() for _ in range(2)]
    for user in users:
        complete_course(user, course)
    ids = list(Certificate.objects.filter(user__in=users).order_by("pk").values_list("pk", flat=True))
    Certificate.objects.filter(pk__in=ids).update(snapshot={})
    assert certificates_issue(certificate_ids=ids) == ids
    assert list(Certificate.objects.filter(pk__in=ids).values_list("status", "render_attempts")) == [("pending", 1)] * 2
    assert not Credential.objects.exists() and mailoutbox == []
    kinds = CertificateEvent.objects.filter(certificate__in=ids).values_list("kind", flat=True)
    assert sorted(kinds) == ["created", "created", "render_failed", "render_failed"]
