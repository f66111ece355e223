"""Validity, reminders and renewal with an injected clock: each reminder is
sent once (the sweep runs twice at every step), the status flips to expired
at the end of the period everywhere, and renewal restores it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from certificates.models import Certificate
from certificates.services import certificate_issue
from certification import services
from certification.models import Certification, CertificationPeriod, ReminderSent
from certification.tokens import make_token
from certification.views import REGISTRY_RATE
from core.errors import InvalidInput
from credentials.models import Credential
from credentials.selectors import credential_public_status
from tests.factories import complete_course, learner, make_course
from tests.ratelimits import address_with_time_left
from tests.worker import purge_queue

from .helpers import everything_but_review, make_program

pytestmark = pytest.mark.django_db


def certify(*, awarded_at=None):
    """A learner certified at ``awarded_at`` (the injected clock), listed in the registry."""
    from django.contrib.auth.models import Group

    from tests.factories import UserFactory

    program, course = make_program(cases=1)
    user = learner(legal_name="Rita Renewer")
    submission = everything_but_review(user, program, course)
    reviewer = UserFactory(is_staff=True)
    reviewer.groups.add(Group.objects.get(name=services.REVIEWERS_GROUP))
    services.capstone_review(
        reviewer=reviewer,
        submission_id=submission.pk,
        decision="pass",
        raw_scores={"formulation": "8", "coordination": "8"},
        comments="",
        now=awarded_at,
    )
    period = CertificationPeriod.objects.get()
    services.period_issue(period_id=period.pk, now=period.starts_at)
    Certification.objects.update(registry_jurisdiction="Oregon")
    services.registry_join(user=user, program=program, now=period.starts_at)
    mail.outbox.clear()
    return program, user, Certification.objects.get(), CertificationPeriod.objects.get()


@pytest.fixture
def certified(media_root):
    purge_queue()
    yield certify()
    purge_queue()


def reminder_days():
    return sorted(ReminderSent.objects.values_list("days_before", flat=True))


def test_reminders_are_sent_once_at_each_threshold(certified):
    _, user, certification, period = certified
    end = period.ends_at
    assert services.reminders_send(now=end - timedelta(days=91)) == 0
    for days, expected in [(90, [90]), (61, [90]), (60, [60, 90]), (29, [30, 60, 90]), (7, [7, 30, 60, 90])]:
        now = end - timedelta(days=days)
        services.reminders_send(now=now)
        assert services.reminders_send(now=now) == 0  # a second run sends nothing
        assert reminder_days() == expected
    assert [m.subject.rsplit(" in ", 1)[1] for m in mail.outbox] == ["90 days", "60 days", "30 days", "7 days"]
    assert all(m.to == [user.email] for m in mail.outbox)
    assert services.reminders_send(now=end + timedelta(days=1)) == 0


def test_a_missed_threshold_sends_only_the_tightest_reminder(certified):
    _, _, _, period = certified
    services.reminders_send(now=period.ends_at - timedelta(days=20))
    services.reminders_send(now=period.ends_at - timedelta(days=10))
    assert reminder_days() == [30] and len(mail.outbox) == 1


def test_expired_shows_everywhere_and_renewal_restores_it(media_root, client):
    purge_queue()
    # Certified two years and three days ago: the period ended three days ago.
    program, user, certification, period = certify(awarded_at=services.timezone.now() - timedelta(days=733))
    assert period.ends_at < services.timezone.now()
    # The status is read from the clock: no job had to run for it to flip.
    verify = client.get(reverse("certification_verify", args=[certification.code])).content.decode()
    assert "Expired" in verify and "Valid</p>" not in verify
    registry = client.get(reverse("certification_registry"), {"name": "rita"}).content.decode()
    assert "Rita Renewer" in registry and "Expired" in registry
    assert credential_public_status(credential=Credential.objects.get()) == "expired"
    client.force_login(user)
    assert "expired" in client.get(reverse("dashboard")).content.decode()
    assert "Expired" in client.get(reverse("certification_program", args=[program.slug])).content.decode()

    # Renewal needs CE hours earned in the period and a renewed attestation.
    with pytest.raises(InvalidInput, match="CE hours"):
        services.renewal_submit(user=user, program=program)
    course = make_course(modules=1, lessons=1, questions=2, final_questions=2)
    complete_course(user, course)
    certificate_issue(certificate_id=Certificate.objects.get(user=user, course=course).pk)
    with pytest.raises(InvalidInput, match="renewed attestation"):
        services.renewal_submit(user=user, program=program)
    attestation = services.attestation_request(
        user=user, program=program, name="Dr Sam Supervisor", license="LIC-77", email="sup@example.org"
    )
    assert attestation.purpose == "renewal" and attestation.period == 1
    services.attestation_respond(
        token=make_token(attestation_id=attestation.pk, nonce=attestation.nonce), decision="attest", comment=""
    )
    assert services.selectors.renewal_status(
        certification=Certification.objects.get(), program=program, now=services.timezone.now()
    )["hours"] == Decimal("2.0")
    response = client.post(reverse("certification_renew", args=[program.slug]))
    assert response.status_code == 302
    assert client.post(reverse("certification_renew", args=[program.slug])).status_code == 409
    new_period = CertificationPeriod.objects.get(number=2)
    services.period_issue(period_id=new_period.pk)
    certification.refresh_from_db()
    assert certification.period == 2 and certification.valid_until == new_period.ends_at
    assert new_period.ends_at > services.timezone.now() + timedelta(days=365 * 2 - 2)
    verify = client.get(reverse("certification_verify", args=[certification.code])).content.decode()
    assert "Valid</p>" in verify
    assert credential_public_status(credential=Credential.objects.get(reference=new_period.reference)) == "active"
    # Reminders start afresh for the new period.
    services.reminders_send(now=new_period.ends_at - timedelta(days=89))
    assert ReminderSent.objects.filter(period=2).count() == 1


def test_renewal_is_closed_until_the_window(certified):
    program, user, _, period = certified
    with pytest.raises(InvalidInput, match="Renewal opens 180 days"):
        services.renewal_submit(user=user, program=program, now=period.starts_at + timedelta(days=30))


def test_registry_search_shows_only_what_it_may(certified, client):
    program, user, certification, _ = certified
    body = client.get(reverse("certification_registry"), {"name": "renew", "jurisdiction": "oreg"}).content.decode()
    assert "Rita Renewer" in body and "Psychologist" in body and program.title in body
    assert user.email not in body and "PSY-123456" not in body
    assert "Rita" not in client.get(reverse("certification_registry"), {"jurisdiction": "Texas"}).content.decode()
    for odd in ({"name": "x" * 5000}, {"name": "%_\\'\"<script>"}, {"jurisdiction": "a\x00b"}):
        response = client.get(reverse("certification_registry"), odd)
        assert response.status_code in (200, 400) and b"Rita" not in response.content
    assert client.get(reverse("certification_registry"), {"name": "x" * 5000}).status_code == 400
    services.registry_leave(user=user, program=program)
    assert b"Rita" not in client.get(reverse("certification_registry"), {"name": "rita"}).content


def test_registry_is_rate_limited(client):
    url = reverse("certification_registry")
    address = address_with_time_left(REGISTRY_RATE)
    statuses = [client.get(url, {"name": "a"}, REMOTE_ADDR=address).status_code for _ in range(31)]
    assert statuses[:30] == [200] * 30 and statuses[30] == 429
