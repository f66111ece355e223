"""The two roles the site-wide access matrix does not have: a reviewer
(the "Certification reviewers" group, no staff flag) and a supervisor
holding an e-mailed link."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from certification import services
from certification.tokens import make_token
from tests.factories import UserFactory, learner
from tests.worker import purge_queue

from .helpers import everything_but_review, make_program

pytestmark = pytest.mark.django_db


def test_reviewer_sees_the_queue_and_nothing_of_learners(media_root):
    purge_queue()
    program, course = make_program(cases=1)
    owner = learner(legal_name="Queue Learner")
    submission = everything_but_review(owner, program, course, supervisor_email="sup@example.org")
    reviewer = UserFactory()
    reviewer.groups.add(Group.objects.get(name=services.REVIEWERS_GROUP))
    supervisor_reviewer = UserFactory(email="sup@example.org")
    supervisor_reviewer.groups.add(Group.objects.get(name=services.REVIEWERS_GROUP))
    client = Client()
    client.force_login(reviewer)
    queue = client.get(reverse("certification_review_queue"))
    assert queue.status_code == 200 and b"Queue Learner" in queue.content
    assert client.get(reverse("certification_review", args=[submission.pk])).status_code == 200
    # Nothing else in the admin: no pages, snippets, users or certificates.
    for url in ("/admin/pages/", "/admin/snippets/certification/program/", "/admin/users/", "/admin/snippets/"):
        assert client.get(url).status_code in (302, 403), url
    # The supervisee's capstone is marked, not offered, in the supervisor's queue.
    client.force_login(supervisor_reviewer)
    queue = client.get(reverse("certification_review_queue")).content.decode()
    assert "You supervise this learner" in queue
    assert reverse("certification_review", args=[submission.pk]) not in queue
    response = client.post(
        reverse("certification_review", args=[submission.pk]),
        {"score_formulation": "8", "score_coordination": "8", "decision": "pass"},
    )
    assert response.status_code == 403
    purge_queue()


def test_a_supervisor_link_opens_only_its_own_request(media_root, client):
    purge_queue()
    program, course = make_program(cases=1)
    a, b = learner(legal_name="Alma A"), learner(legal_name="Bert B")
    everything_but_review(a, program, course)
    services.program_enrol(user=b, program=program)
    from .helpers import log_cleaned

    services.log_entry_add(user=b, program=program, data=log_cleaned())
    b_request = services.attestation_request(user=b, program=program, name="Dr S", license="L", email="sup@example.org")
    page = client.get(
        reverse("certification_attest", args=[make_token(attestation_id=b_request.pk, nonce=b_request.nonce)])
    )
    assert page.status_code == 200 and b"Bert B" in page.content and b"Alma A" not in page.content
    # A's spent request's id with B's nonce: refused.
    a_request = a.program_enrolments.get().attestations.get()
    forged = make_token(attestation_id=a_request.pk, nonce=b_request.nonce)
    assert client.get(reverse("certification_attest", args=[forged])).status_code == 409  # A's was answered
    purge_queue()
