"""The path to certification, in-process: each requirement, each refusal
(with nothing changed), review rules and the award made exactly once."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from certification import services
from certification.models import (
    Attestation,
    CapstoneSubmission,
    Certification,
    CertificationEvent,
    CertificationPeriod,
    PracticeLogEntry,
    ProgramEnrolment,
)
from certification.tokens import make_token
from core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from credentials.models import Credential
from tests.factories import UserFactory, complete_course, learner
from tests.worker import purge_queue

from .helpers import CAPSTONE, LOG_ENTRY, everything_but_review, link_from_mail, log_cleaned, make_program, path_of

pytestmark = pytest.mark.django_db

SCORES = {"formulation": "7", "coordination": "6"}


@pytest.fixture(autouse=True)
def _no_queue(settings):
    purge_queue()
    yield
    purge_queue()


def reviewer(**extra):
    user = UserFactory(is_staff=True, **extra)
    user.groups.add(Group.objects.get(name=services.REVIEWERS_GROUP))
    return user


def kinds(user):
    return list(CertificationEvent.objects.filter(enrolment__user=user).values_list("kind", flat=True))


def test_reviewers_group_has_only_what_reviewing_needs():
    group = Group.objects.get(name=services.REVIEWERS_GROUP)
    assert sorted(group.permissions.values_list("content_type__app_label", "codename")) == [
        ("certification", "review_capstone"),
        ("wagtailadmin", "access_admin"),
    ]


def test_enrolment_needs_a_live_program_and_a_profile():
    program, _ = make_program()
    with pytest.raises(NotAllowed, match="profile"):
        services.program_enrol(user=UserFactory(), program=program)
    program.live = False
    program.save()
    with pytest.raises(NotFound):
        services.program_enrol(user=learner(), program=program)
    assert ProgramEnrolment.objects.count() == 0


def test_checklist_page_shows_where_each_requirement_stands(client):
    program, course = make_program()
    user = learner()
    client.force_login(user)
    url = reverse("certification_program", args=[program.slug])
    assert b"Enrol in TRD" in client.get(url).content
    assert client.post(reverse("certification_enrol", args=[program.slug])).status_code == 302
    complete_course(user, course)
    body = client.get(url).content.decode()
    assert f"Complete {course.title}</strong> — Completed" in body
    assert "Log 2 supervised cases</strong> — 0 of 2 logged" in body
    assert "Supervisor attests your practice</strong> — Not requested yet" in body
    assert "Agree to the code of conduct</strong> — Not yet" in body


def test_conduct_agreement_keeps_the_text_agreed(client):
    program, _ = make_program()
    user = learner()
    services.program_enrol(user=user, program=program)
    client.force_login(user)
    url = reverse("certification_conduct", args=[program.slug])
    assert client.post(url, {}).status_code == 400
    assert client.post(url, {"agree": "yes"}).status_code == 302
    enrolment = ProgramEnrolment.objects.get(user=user)
    assert enrolment.conduct_text == program.code_of_conduct and enrolment.conduct_agreed_at


@pytest.mark.parametrize(
    "change",
    [
        {"age_band": "Maria Lopez"},
        {"age_band": "1961-04-02"},
        {"setting": "555-0199"},
        {"treatments": ["tms", "john@example.org"]},
        {"coordinated_with": ["MRN 44321"]},
        {"coordinated_with": ["none", "prescriber"]},
        {"sessions": "0"},
        {"measure_before": "99"},
        {"measure": "phq9", "measure_after": "40"},  # over the PHQ-9's 27
        {"name": "Maria Lopez"},  # an extra field is ignored, never stored
    ],
)
def test_a_log_entry_with_an_identifier_or_bad_value_is_refused(client, change):
    program, _ = make_program()
    user = learner()
    services.program_enrol(user=user, program=program)
    client.force_login(user)
    response = client.post(reverse("certification_log", args=[program.slug]), {**LOG_ENTRY, **change})
    if change == {"name": "Maria Lopez"}:
        assert response.status_code == 302
        entry = PracticeLogEntry.objects.get()
        assert "Maria" not in str(entry.__dict__)
        return
    assert response.status_code == 400
    assert PracticeLogEntry.objects.count() == 0


def test_log_page_explains_why_there_is_no_free_text(client):
    program, _ = make_program()
    user = learner()
    services.program_enrol(user=user, program=program)
    client.force_login(user)
    body = client.get(reverse("certification_program", args=[program.slug])).content.decode()
    assert "a practice log that cannot identify a client cannot leak one" in body


def test_attestation_request_rules():
    program, _ = make_program(cases=1)
    user = learner()
    services.program_enrol(user=user, program=program)
    with pytest.raises(InvalidInput, match="Log 1 supervised cases"):
        services.attestation_request(user=user, program=program, name="S", license="L", email="s@example.org")
    services.log_entry_add(user=user, program=program, data=log_cleaned())
    with pytest.raises(InvalidInput, match="someone else"):
        services.attestation_request(user=user, program=program, name="S", license="L", email=user.email.upper())
    services.attestation_request(user=user, program=program, name="S", license="L", email="s@example.org")
    with pytest.raises(Conflict):
        services.attestation_request(user=user, program=program, name="S", license="L", email="t@example.org")
    assert Attestation.objects.count() == 1


def _requested(cases=1):
    program, course = make_program(cases=cases)
    user = learner()
    services.program_enrol(user=user, program=program)
    for _ in range(cases):
        services.log_entry_add(user=user, program=program, data=log_cleaned())
    attestation = services.attestation_request(
        user=user, program=program, name="Dr Sam Supervisor", license="LIC-77", email="sup@example.org"
    )
    services.attestation_send_email(attestation_id=attestation.pk)
    return program, course, user, attestation


def test_supervisor_attests_through_the_emailed_link_once(client):
    program, _, user, attestation = _requested()
    assert services.attestation_send_email(attestation_id=attestation.pk) is False  # sent once
    [message] = mail.outbox
    assert message.to == ["sup@example.org"]
    url = path_of(link_from_mail(message))
    assert "LIC-77" not in url and "sup@example.org" not in url
    page = client.get(url)
    assert page.status_code == 200 and b"Dr Sam Supervisor" in page.content
    assert b"TMS clinic" in page.content and page["Referrer-Policy"] == "no-referrer"
    assert client.post(url, {"decision": "attest", "comment": "Well supervised."}).status_code == 200
    attestation.refresh_from_db()
    assert attestation.status == "attested" and attestation.nonce == ""
    # Reused: refused, nothing changes, and the refusal is audited.
    again = client.post(url, {"decision": "decline", "comment": "changed my mind"})
    assert again.status_code == 409 and b"already been used" in again.content
    assert client.get(url).status_code == 409
    attestation.refresh_from_db()
    assert attestation.status == "attested"
    assert kinds(user).count("attestation_bad_link") == 2
    assert {"attestation_requested", "attestation_emailed", "attestation_viewed", "attested"} <= set(kinds(user))


def test_tampered_expired_and_other_learners_links_are_refused(client, settings):
    program, _, user, attestation = _requested()
    url = path_of(link_from_mail(mail.outbox[0]))
    assert client.get(url[:-3] + "xx/").status_code == 400
    # A genuinely signed link for this row but another request's nonce (as an
    # older link, or one for another learner's request, would carry).
    other = make_token(attestation_id=attestation.pk, nonce="someone-elses-nonce")
    response = client.post(reverse("certification_attest", args=[other]), {"decision": "attest"})
    assert response.status_code == 400
    settings.CERTIFICATION_LINK_MAX_AGE = -1
    response = client.post(url, {"decision": "attest"})
    assert response.status_code == 400 and b"expired" in response.content
    attestation.refresh_from_db()
    assert attestation.status == "pending"
    assert CertificationEvent.objects.filter(kind="attestation_bad_link", note="expired link").count() == 1
    assert CertificationEvent.objects.filter(kind="attestation_bad_link", note="link for another request").count() == 1


def test_a_decline_needs_a_comment_without_identifiers(client):
    _, _, user, attestation = _requested()
    url = path_of(link_from_mail(mail.outbox[0]))
    assert client.post(url, {"decision": "decline", "comment": ""}).status_code == 400
    response = client.post(url, {"decision": "decline", "comment": "Case 2 was Mrs. Jones, not supervised."})
    assert response.status_code == 400 and b"a person&#x27;s name" in response.content
    attestation.refresh_from_db()
    assert attestation.status == "pending"
    assert client.post(url, {"decision": "decline", "comment": "I did not supervise case 2."}).status_code == 200
    attestation.refresh_from_db()
    assert attestation.status == "declined"


def test_capstone_with_an_identifier_is_refused(client):
    program, _ = make_program()
    user = learner()
    services.program_enrol(user=user, program=program)
    client.force_login(user)
    url = reverse("certification_capstone", args=[program.slug])
    response = client.post(url, {"text": CAPSTONE + " She was first seen on 12/03/2024."})
    assert response.status_code == 400 and b"a date" in response.content
    assert client.post(url, {"text": "too short"}).status_code == 400
    assert CapstoneSubmission.objects.count() == 0
    assert client.post(url, {"text": CAPSTONE}).status_code == 302
    assert client.post(url, {"text": CAPSTONE}).status_code == 409  # one under review at a time


def test_reviewer_cannot_review_own_or_supervisees_capstone():
    program, course = make_program(cases=1)
    supervisor_reviewer = reviewer(email="sup@example.org")
    user = learner()
    submission = everything_but_review(user, program, course, supervisor_email="sup@example.org")
    with pytest.raises(NotAllowed, match="You supervise"):
        services.capstone_review(
            reviewer=supervisor_reviewer, submission_id=submission.pk, decision="pass", raw_scores=SCORES, comments=""
        )
    user.groups.add(Group.objects.get(name=services.REVIEWERS_GROUP))
    user = type(user).objects.get(pk=user.pk)  # drop the cached permissions
    with pytest.raises(NotAllowed, match="your own"):
        services.capstone_review(
            reviewer=user, submission_id=submission.pk, decision="pass", raw_scores=SCORES, comments=""
        )
    with pytest.raises(NotAllowed, match="Only certification reviewers"):
        services.capstone_review(
            reviewer=UserFactory(is_staff=True),
            submission_id=submission.pk,
            decision="pass",
            raw_scores=SCORES,
            comments="",
        )
    submission.refresh_from_db()
    assert submission.status == "submitted" and Certification.objects.count() == 0


def test_out_of_range_scores_change_nothing(client):
    program, course = make_program(cases=1)
    user = learner()
    submission = everything_but_review(user, program, course)
    client.force_login(reviewer())
    url = reverse("certification_review", args=[submission.pk])
    assert client.get(url).status_code == 200
    for scores in ({"score_formulation": "11", "score_coordination": "5"}, {"score_formulation": "x"}):
        response = client.post(url, {**scores, "decision": "pass"})
        assert response.status_code == 400
    response = client.post(url, {"score_formulation": "4", "score_coordination": "10", "decision": "pass"})
    assert response.status_code == 400 and b"do not reach the pass mark" in response.content
    assert (
        client.post(url, {"score_formulation": "4", "score_coordination": "3", "decision": "return"}).status_code == 400
    )
    submission.refresh_from_db()
    assert submission.status == "submitted" and submission.scores == {}


def test_returned_capstone_can_be_resubmitted_and_passing_awards_once(client, media_root):
    program, course = make_program(cases=1)
    user = learner()
    submission = everything_but_review(user, program, course)
    the_reviewer = reviewer()
    services.capstone_review(
        reviewer=the_reviewer,
        submission_id=submission.pk,
        decision="return",
        raw_scores={"formulation": "4", "coordination": "3"},
        comments="Say more about coordination.",
    )
    client.force_login(user)
    body = client.get(reverse("certification_program", args=[program.slug])).content.decode()
    assert "Returned with comments" in body and "Say more about coordination." in body
    with pytest.raises(Conflict):
        services.capstone_review(
            reviewer=the_reviewer, submission_id=submission.pk, decision="pass", raw_scores=SCORES, comments=""
        )
    second = services.capstone_submit(user=user, program=program, text=CAPSTONE + " More on coordination.")
    assert second.number == 2 and Certification.objects.count() == 0
    services.capstone_review(
        reviewer=the_reviewer, submission_id=second.pk, decision="pass", raw_scores=SCORES, comments="Good."
    )
    certification = Certification.objects.get()
    period = CertificationPeriod.objects.get()
    # Every later requirement check finds the award already made.
    enrolment = ProgramEnrolment.objects.get(user=user)
    assert services.award_check(enrolment_id=enrolment.pk) is None
    services.log_entry_add(user=user, program=program, data=log_cleaned())
    assert Certification.objects.count() == 1 and CertificationPeriod.objects.count() == 1

    services.period_issue(period_id=period.pk)
    services.period_issue(period_id=period.pk)  # a second run changes nothing
    period.refresh_from_db()
    certification.refresh_from_db()
    assert certification.status == "issued" and certification.valid_until == period.ends_at
    credential = Credential.objects.get()
    assert Credential.objects.count() == 1 and credential.reference == period.reference
    document = credential.document
    assert document["credentialSubject"]["achievement"]["achievementType"] == "Certification"
    assert document["validUntil"] == period.ends_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert period.pdf and period.pdf.read()[:5] == b"%PDF-"
    assert services.period_send_email(period_id=period.pk) is True
    assert services.period_send_email(period_id=period.pk) is False
    # The dashboard shows it, with its deadline.
    body = client.get(reverse("dashboard")).content.decode()
    assert program.title in body and "valid until" in body
    assert client.get(reverse("certification_download", args=[certification.code])).status_code == 200
    from accounts.hooks import keepsakes

    assert reverse("certification_download", args=[certification.code]) in [k.url for k in keepsakes(user)]
    export = client.get(reverse("data_export")).json()
    assert export["certification"]["certifications"][0]["code"] == certification.code
    assert "awarded" in kinds(user) and "capstone_returned" in kinds(user)


def test_dashboard_section_costs_one_query_whatever_the_programs(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    course = make_program()[1]
    extra = [make_program(course=course, slug=f"second-{i}", title=f"Program {i}")[0] for i in range(2)]
    one, three = learner(), learner()
    services.program_enrol(user=one, program=extra[0])
    for program in extra:
        services.program_enrol(user=three, program=program)
    counts = []
    for user in (one, three):
        client.force_login(user)
        client.get(reverse("dashboard"))  # warm the per-process caches (site, content version)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("dashboard")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
