"""Claiming credit: one completion, a certificate per body, each printing
what its body requires; every refusal says why and changes nothing."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import LearnerProfile
from accreditation import rules, services
from accreditation.models import CreditClaim
from certificates.models import Certificate, CertificateStatus
from certificates.pdf import format_date
from certificates.services import certificate_issue, certificate_reissue, certificate_revoke
from credentials.models import Credential
from tests.factories import UserFactory, complete_course, learner, make_course

from .helpers import BODY_TEXT, PROVIDER, approval, offering, ready_provider

pytestmark = pytest.mark.django_db

BODIES = ("apa", "nbcc", "aswb-ace", "ancc", "accme-ama", "other")


@pytest.fixture
def completed(media_root):
    ready_provider()
    course = make_course(modules=1, lessons=1, questions=2, final_questions=2)
    user = learner(legal_name="Zoë Ngata")
    complete_course(user, course)
    return user, course


def claim(user, course, off, **changes):
    fields = {
        "offering_id": off.pk,
        "hours": "1.75",
        "license_number": "LIC-4471",
        "license_jurisdiction": "Oregon",
        "attested": True,
    } | changes
    return services.credit_claim(user=user, course_id=course.pk, **fields)


def pdf_text(certificate):
    certificate.refresh_from_db()
    with certificate.pdf.open("rb") as fh:
        reader = PdfReader(io.BytesIO(fh.read()))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.mark.parametrize("code", BODIES)
def test_each_body_certificate_prints_every_required_element(completed, code):
    user, course = completed
    approval(code)
    off = offering(course, code)
    result = claim(user, course, off)
    certificate = result.certificate
    assert certificate.credit == code and certificate.status == CertificateStatus.PENDING
    certificate_issue(certificate_id=certificate.pk)
    text = pdf_text(certificate)
    number, approval_statement, course_statement = BODY_TEXT[code]
    completed_on = timezone.localdate(result.completion.completed_at)
    required = [
        "Zoë Ngata",
        "License LIC-4471",
        "Oregon",
        course.title,
        f"Completed {format_date(completed_on)}",
        f"1.75 {off.printed_credit_type}",
        course.format,
        PROVIDER["provider_name"],
        PROVIDER["provider_address"],
        number,
        approval_statement,
        course_statement,
        PROVIDER["signatory_name"],
        PROVIDER["signatory_title"],
        certificate.code,
    ]
    missing = [item for item in required if item not in text]
    assert missing == [], text
    # The course's own free-text statement is not a board's statement.
    assert course.accreditation_statement not in text
    assert Credential.objects.filter(reference=certificate.code).exists()


def test_one_completion_yields_a_certificate_per_body(completed):
    user, course = completed
    for code in ("apa", "accme-ama"):
        approval(code)
    apa = claim(user, course, offering(course, "apa"))
    ama = claim(user, course, offering(course, "accme-ama"), hours="2")
    assert apa.completion_id == ama.completion_id
    codes = {apa.certificate.code, ama.certificate.code}
    completion_certificate = Certificate.objects.get(user=user, course=course, credit="")
    assert len(codes | {completion_certificate.code}) == 3
    assert ama.certificate.snapshot["ce_hours"] == "2.0"
    assert ama.certificate.credit_info["credit_type"] == "AMA PRA Category 1 Credits\u2122"


def test_a_second_claim_for_the_same_body_is_refused(completed):
    user, course = completed
    approval("apa")
    off = offering(course, "apa")
    claim(user, course, off)
    with pytest.raises(services.Conflict) as exc:
        claim(user, course, off, hours="1")
    assert exc.value.message == services.MSG_ALREADY_CLAIMED.format(body="APA")
    assert CreditClaim.objects.count() == 1
    assert Certificate.objects.filter(credit="apa").count() == 1


def test_a_revoked_claim_can_be_claimed_again(completed):
    user, course = completed
    approval("apa")
    off = offering(course, "apa")
    first = claim(user, course, off)
    certificate_revoke(certificate=first.certificate, actor=None, reason="Wrong hours.")
    second = claim(user, course, off, hours="1")
    assert second.certificate.code != first.certificate.code


def test_no_approval_is_refused(completed):
    user, course = completed
    off = offering(course, "nbcc")
    with pytest.raises(services.NotAllowed) as exc:
        claim(user, course, off)
    assert exc.value.message == services.MSG_NO_APPROVAL.format(body="NBCC")
    assert not CreditClaim.objects.exists() and not Certificate.objects.filter(credit="nbcc").exists()


def test_an_expired_approval_is_refused(completed):
    user, course = completed
    today = timezone.localdate()
    approval("apa", valid_from=today - datetime.timedelta(days=800), valid_to=today - datetime.timedelta(days=1))
    off = offering(course, "apa")
    with pytest.raises(services.NotAllowed) as exc:
        claim(user, course, off)
    assert "did not cover" in exc.value.message
    assert not Certificate.objects.filter(credit="apa").exists()


def test_an_approval_that_lapsed_after_completion_is_refused(completed):
    """Completed while approved, but the provider's approval has since
    lapsed: no new certificate is issued under it."""
    user, course = completed
    today = timezone.localdate()
    approval("apa", valid_from=today - datetime.timedelta(days=30), valid_to=today + datetime.timedelta(days=1))
    off = offering(course, "apa")
    with pytest.raises(services.NotAllowed):
        claim(user, course, off, now=timezone.now() + datetime.timedelta(days=3))
    assert not CreditClaim.objects.exists()


def test_a_provider_not_set_up_is_refused(completed):
    user, course = completed
    ready_provider(provider_address="")
    approval("apa")
    off = offering(course, "apa")
    with pytest.raises(services.NotAllowed) as exc:
        claim(user, course, off)
    assert "the provider's address" in exc.value.message


def test_a_pass_mark_the_learner_reached_is_accepted(completed):
    user, course = completed  # the test learner answered every final-exam item correctly
    approval("apa")
    assert claim(user, course, offering(course, "apa", pass_mark_percent=100)).certificate.credit == "apa"


def test_a_pass_mark_above_the_learners_best_score_is_refused(completed):
    from quizzes.models import Attempt

    user, course = completed
    Attempt.objects.filter(user=user, quiz__course=course).update(score=Decimal("80.00"))
    approval("apa")
    off = offering(course, "apa", pass_mark_percent=90)
    with pytest.raises(services.NotAllowed) as exc:
        claim(user, course, off)
    assert exc.value.message == services.MSG_PASS_MARK.format(body="APA", mark=90)


def test_reissue_keeps_the_board_credit(completed):
    user, course = completed
    approval("ancc")
    result = claim(user, course, offering(course, "ancc"), hours="0.5")
    certificate_issue(certificate_id=result.certificate.pk)
    LearnerProfile.objects.filter(user=user).update(legal_name="Zoë Ngata-Reid")
    new = certificate_reissue(certificate=result.certificate, actor=None, note="Name change.")
    assert new.credit == "ancc"
    assert new.credit_info == result.certificate.credit_info
    assert new.snapshot["legal_name"] == "Zoë Ngata-Reid" and new.snapshot["ce_hours"] == "0.5"


# --------------------------------------------------------------------------
# Through the page: clear 4xx, nothing changed


@pytest.fixture
def page(completed, client):
    user, course = completed
    approval("apa")
    off = offering(course, "apa")
    client.force_login(user)
    return client, user, course, off


def post(client, course, off, **changes):
    data = {
        "offering": str(off.pk),
        "hours": "1.5",
        "license_number": "LIC-1",
        "license_jurisdiction": "Oregon",
        "attested": "on",
    } | changes
    return client.post(reverse("credit_claim", args=[course.pk]), {k: v for k, v in data.items() if v is not None})


def test_the_claim_page_defaults_to_the_learners_board(page):
    client, user, course, off = page
    approval("accme-ama")
    offering(course, "accme-ama")
    body = client.get(reverse("credit_claim", args=[course.pk])).content.decode()
    assert f'value="{off.pk}"' in body and "checked" in body.split(f'value="{off.pk}"')[1][:40]
    assert 'value="PSY-123456"' in body  # prefilled from the profile, to confirm


def test_the_claim_page_shows_the_lesson_time_the_server_measured(page):
    from courses.models import LessonCompletion

    client, user, course, off = page
    LessonCompletion.objects.filter(user=user).update(seconds_spent=0)
    LessonCompletion.objects.filter(user=user).filter(pk=LessonCompletion.objects.filter(user=user).first().pk).update(
        seconds_spent=23 * 60
    )
    body = client.get(reverse("credit_claim", args=[course.pk])).content.decode()
    assert "This site measured 23 minutes on this course" in body


@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        ({"hours": "2.5"}, 400, rules.MSG_HOURS_OVER_MAX.format(max="2.0")),
        ({"hours": "-1"}, 400, rules.MSG_HOURS_NOT_POSITIVE),
        ({"hours": "lots"}, 400, rules.MSG_HOURS_NOT_A_NUMBER),
        ({"hours": "1.1"}, 400, rules.MSG_HOURS_STEP.format(step="0.25", example="1.5")),
        ({"license_number": "LIC\x07-1"}, 400, rules.MSG_LICENSE_CONTROL),
        ({"license_number": ""}, 400, services.MSG_LICENSE_REQUIRED.format(body="APA")),
        ({"attested": None}, 400, services.MSG_NOT_ATTESTED),
        ({"offering": "999999"}, 400, services.MSG_NOT_OFFERED),
        ({"offering": "x"}, 400, services.MSG_NOT_OFFERED),
    ],
)
def test_bad_input_gets_a_clear_4xx_and_changes_nothing(page, changes, status, message):
    client, user, course, off = page
    before = Certificate.objects.count()
    response = post(client, course, off, **changes)
    assert response.status_code == status
    assert message in response.content.decode()
    assert Certificate.objects.count() == before and not CreditClaim.objects.exists()


def test_a_body_the_course_is_not_approved_for_is_refused(page):
    client, user, course, off = page
    other_course = make_course(modules=1, lessons=1, questions=1, final_questions=1)
    foreign = offering(other_course, "nbcc")  # an offering, but of another course
    response = post(client, course, foreign)
    assert response.status_code == 400 and services.MSG_NOT_OFFERED in response.content.decode()


def test_a_second_claim_through_the_page_is_409(page):
    client, user, course, off = page
    assert post(client, course, off).status_code == 302
    response = post(client, course, off, hours="1")
    assert response.status_code == 409
    assert services.MSG_ALREADY_CLAIMED.format(body="APA") in response.content.decode()
    assert CreditClaim.objects.count() == 1


def test_an_expired_approval_through_the_page_is_403(completed, client):
    user, course = completed
    today = timezone.localdate()
    approval("apa", valid_from=today - datetime.timedelta(days=400), valid_to=today - datetime.timedelta(days=2))
    off = offering(course, "apa")
    client.force_login(user)
    response = post(client, course, off)
    assert response.status_code == 403 and "did not cover" in response.content.decode()
    assert not CreditClaim.objects.exists()


def test_another_learners_completion_is_404(page):
    client, user, course, off = page
    other = learner(email="other@example.org")
    client.force_login(other)  # enrolled nowhere, completed nothing
    assert client.get(reverse("credit_claim", args=[course.pk])).status_code == 404
    assert post(client, course, off).status_code == 404
    assert not CreditClaim.objects.exists()


def test_a_successful_claim_redirects_to_the_transcript(page):
    client, user, course, off = page
    response = post(client, course, off)
    assert response.status_code == 302 and response["Location"] == reverse("credit_transcript")
    claim_row = CreditClaim.objects.get()
    assert claim_row.hours == Decimal("1.50") and claim_row.license_number == "LIC-1"
    assert claim_row.certificate.user == user


def test_a_learner_without_profile_sees_404_not_500(client, db):
    user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("credit_claim", args=[1])).status_code == 404


def test_the_learners_data_export_includes_their_claims(page):
    client, user, course, off = page
    post(client, course, off)
    export = client.get(reverse("data_export")).json()
    (row,) = export["credit_claims"]
    assert row["body"] == "APA" and row["hours"] == "1.50" and row["license_number"] == "LIC-1"
    assert row["certificate_code"] == CreditClaim.objects.get().certificate.code


def test_the_dashboard_links_to_the_claim_only_where_credit_is_offered(completed, client):
    user, course = completed
    Certificate.objects.filter(user=user, course=course).update(status=CertificateStatus.ISSUED)
    client.force_login(user)
    link = reverse("credit_claim", args=[course.pk])
    assert link not in client.get(reverse("dashboard")).content.decode()
    offering(course, "apa")
    assert link in client.get(reverse("dashboard")).content.decode()
    assert link in client.get(course.url).content.decode()
