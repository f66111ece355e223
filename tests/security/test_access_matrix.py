"""Who may reach what: every URL of the project's own apps, for an anonymous
visitor, learner A (who owns the objects), learner B, an editor and a
superuser. Object URLs answer 404 to anyone but their owner (and staff where
staff have a use for them), never 403, so they reveal nothing."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from wagtail.models import Site

from accreditation.models import AuditPack, CreditOffering
from accreditation.services import accrediting_bodies_ensure
from certificates.models import Certificate
from certificates.services import certificate_issue
from courses.models import LessonPage
from courses.services import enrol
from credentials.models import Credential
from home.services import EDITORS_GROUP, ensure_editor_group
from quizzes.models import Attempt, Quiz
from quizzes.services import attempt_start
from tests.factories import UserFactory, complete_course, learner, make_course
from tests.worker import purge_queue

pytestmark = pytest.mark.django_db

PROJECT_APPS = tuple(settings.PROJECT_APPS)
ROLES = ("anonymous", "learner_a", "learner_b", "editor", "superuser")
LOGIN, ADMIN_LOGIN = "login", "admin-login"  # redirects to the site's / the admin's login page
DENIED = "admin-denied"  # Wagtail's "you do not have permission" redirect to the admin home
ADMIN_HOME = DENIED  # the same redirect, where it is not a refusal
DASHBOARD, RESET = "dashboard", "reset"  # redirects to the learner's dashboard / allauth's reset form


def project_url_names():
    """Every named URL whose view lives in one of the project's apps,
    including admin views the apps register through Wagtail hooks."""

    def walk(patterns, namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                inner = f"{namespace}{p.namespace}:" if p.namespace else namespace
                yield from walk(p.url_patterns, inner)
            elif isinstance(p, URLPattern) and p.name:
                view = getattr(p.callback, "view_class", p.callback)
                if view.__module__.split(".")[0] in PROJECT_APPS:
                    yield namespace + p.name

    return set(walk(get_resolver().url_patterns))


@dataclass
class Row:
    method: str
    args: Any  # callable(world) -> reverse() args
    expect: tuple  # one status (or LOGIN/ADMIN_LOGIN) per role, in ROLES order
    data: Any = None  # callable(world) -> POST data
    json: bool = False


# anonymous, A (owner), B (other learner), editor (staff), superuser
MATRIX = {
    "healthz": Row("get", None, (200, 200, 200, 200, 200)),
    # Signed-in people are sent on from the log-in and sign-up pages.
    "account_login": Row("get", None, (200, DASHBOARD, DASHBOARD, DASHBOARD, DASHBOARD)),
    "account_signup": Row("get", None, (200, DASHBOARD, DASHBOARD, DASHBOARD, DASHBOARD)),
    # Every other log-in and reset URL hands over to allauth's forms
    # (tests/security/test_login_paths.py covers their limits and lockout).
    "account_reset_password": Row("get", None, (200, 200, 200, 200, 200)),
    "account_change_password": Row("get", None, (LOGIN, 200, 200, 200, 200)),
    "account_reauthenticate": Row("get", None, (LOGIN, 200, 200, 200, 200)),
    "admin_login_redirect": Row("get", None, (LOGIN, DASHBOARD, DASHBOARD, ADMIN_HOME, ADMIN_HOME)),
    "frontend_login_redirect": Row("get", None, (LOGIN, LOGIN, LOGIN, LOGIN, LOGIN)),
    "admin_password_reset_redirect": Row("get", None, (RESET, RESET, RESET, RESET, RESET)),
    "certificate_verify_form": Row("get", None, (200, 200, 200, 200, 200)),
    "certificate_verify": Row("get", lambda w: [w.code], (200, 200, 200, 200, 200)),
    "dashboard": Row("get", None, (LOGIN, 200, 200, 200, 200)),
    "transcript": Row("get", None, (LOGIN, 200, 200, 200, 200)),
    "profile": Row("get", None, (LOGIN, 200, 200, 200, 200)),
    "data_export": Row("get", None, (LOGIN, 200, 200, 200, 200)),
    "account_close": Row("get", None, (LOGIN, 200, 200, 200, 200)),
    "quiz_detail": Row("get", lambda w: [w.quiz.pk], (LOGIN, 200, 200, 200, 200)),
    "course_enrol": Row("post", lambda w: [w.course.pk], (LOGIN, 302, 302, 302, 302)),
    "course_evaluation": Row("get", lambda w: [w.course.pk], (LOGIN, 200, 200, 302, 302)),
    "lesson_complete": Row("post", lambda w: [w.lesson.pk], (LOGIN, 302, 302, 302, 302)),
    # The course bibliography is public. A lesson's handout follows the lesson's own access
    # (this lesson is a free preview, so everyone may read it; it has no handout by that name).
    # Non-preview lessons send anonymous visitors to enrol: tests/courses/test_handouts.py.
    "bibliography": Row("get", None, (200, 200, 200, 200, 200)),
    "lesson_handout_pdf": Row("get", lambda w: [w.lesson.pk, "no-such-handout"], (404, 404, 404, 404, 404)),
    "attempt_start": Row("post", lambda w: [w.quiz.pk], (LOGIN, 302, 302, 403, 403)),
    # Editors preview quizzes; to learners the URL does not exist.
    "quiz_preview": Row("get", lambda w: [w.quiz.pk], (LOGIN, 404, 404, 200, 200)),
    # A learner's attempts are theirs alone; staff see attempts through the quiz reports.
    "attempt_detail": Row("get", lambda w: [w.open_attempt.pk], (LOGIN, 200, 404, 404, 404)),
    "attempt_answer": Row(
        "post", lambda w: [w.open_attempt.pk], (LOGIN, 200, 404, 404, 404), data=lambda w: w.autosave, json=True
    ),
    # An incomplete sheet: the owner is told what is missing, nobody else learns the attempt exists.
    "attempt_submit": Row("post", lambda w: [w.open_attempt.pk], (LOGIN, 400, 404, 404, 404), data=lambda w: {}),
    "attempt_result": Row("get", lambda w: [w.graded_attempt.pk], (LOGIN, 200, 404, 404, 404)),
    "certificate_download": Row("get", lambda w: [w.code], (LOGIN, 200, 404, 200, 200)),
    "certificate_credential": Row("get", lambda w: [w.code], (LOGIN, 200, 404, 200, 200)),
    # Only the learner can add their own certification to their LinkedIn profile.
    "certificate_linkedin": Row("get", lambda w: [w.code], (LOGIN, 302, 404, 404, 404)),
    # What verifiers need is public: the DID document, status lists, credentials by
    # their unguessable id, and the file check.
    "credential_did": Row("get", None, (200, 200, 200, 200, 200)),
    "credential_status_list": Row("get", lambda w: [w.credential.status_list_id], (200, 200, 200, 200, 200)),
    "credential_json": Row("get", lambda w: [w.credential.uuid], (200, 200, 200, 200, 200)),
    "credential_verify_file": Row("get", None, (200, 200, 200, 200, 200)),
    # Keyed by course: each learner sees only their own certificate's status.
    "certificate_status": Row("get", lambda w: [w.completed_course.pk], (LOGIN, 200, 404, 404, 404)),
    # Listings whose index views the apps subclass (for their row buttons).
    "wagtailsnippets_quizzes_quiz:list": Row("get", None, (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200, 200)),
    "wagtailsnippets_quizzes_quiz:list_results": Row("get", None, (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200, 200)),
    "wagtailsnippets_certificates_certificate:list": Row(
        "get", None, (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200, 200)
    ),
    "wagtailsnippets_certificates_certificate:list_results": Row(
        "get", None, (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200, 200)
    ),
    "attempt_grants:add": Row("get", None, (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200, 200)),
    "quiz_report_index": Row("get", None, (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200, 200)),
    "quiz_report": Row("get", lambda w: [w.quiz.pk], (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200, 200)),
    "quiz_statistics_refresh": Row("post", lambda w: [w.quiz.pk], (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 302, 302)),
    "quiz_bank_import": Row("get", lambda w: [w.quiz.pk], (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200, 200)),
    # Without a preview in the session, confirming sends the editor back to the upload.
    "quiz_bank_import_confirm": Row("post", lambda w: [w.quiz.pk], (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 302, 302)),
    "quiz_bank_export": Row("get", lambda w: [w.quiz.pk, "gift"], (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200, 200)),
    "certificate_manage": Row("get", lambda w: [w.certificate.pk], (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200, 200)),
    # Claiming credit is keyed by course, and only the learner who completed it may.
    "credit_claim": Row("get", lambda w: [w.completed_course.pk], (LOGIN, 200, 404, 404, 404)),
    "credit_transcript": Row("get", None, (LOGIN, 200, 200, 200, 200)),
    "credit_transcript_csv": Row("get", None, (LOGIN, 200, 200, 200, 200)),
    "credit_transcript_pdf": Row("get", None, (LOGIN, 200, 200, 200, 200)),
    # Approval numbers and board statements are the provider's: administrators only.
    "credit_readiness": Row("get", None, (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, DENIED, 200)),
    "credit_roster": Row("get", None, (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, DENIED, 200)),
    "credit_roster_results": Row("get", None, (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, DENIED, 200)),
    "credit_audit_packs": Row("get", None, (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, DENIED, 200)),
    "credit_audit_pack": Row("get", lambda w: [w.audit_pack.pk], (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, DENIED, 200)),
    # A pack not yet built has no file: 404 for the administrator, refused for everyone else.
    "credit_audit_pack_download": Row(
        "get", lambda w: [w.audit_pack.pk], (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, DENIED, 404)
    ),
    # Certification. The registry and verification are public; the supervisor's
    # signed link is the key to the attestation page, whoever holds it (the
    # reviewer role and the link's refusals: tests/certification/test_access.py).
    "certification_registry": Row("get", None, (200, 200, 200, 200, 200)),
    "certification_verify": Row("get", lambda w: [w.certification.code], (200, 200, 200, 200, 200)),
    "certification_attest": Row("get", lambda w: [w.attest_token], (200, 200, 200, 200, 200)),
    "certification_download": Row("get", lambda w: [w.certification.code], (LOGIN, 200, 404, 200, 200)),
    "certification_credential": Row("get", lambda w: [w.certification.code], (LOGIN, 200, 404, 200, 200)),
    "certification_program": Row("get", lambda w: [w.program.slug], (LOGIN, 200, 200, 200, 200)),
    # Staff accounts have no learner profile, so they cannot enrol (403).
    "certification_enrol": Row("post", lambda w: [w.program.slug], (LOGIN, 302, 302, 403, 403)),
    # Every write acts on the requester's own enrolment, never A's: B (enrolled
    # by the row above) gets their own; staff, not enrolled, are refused.
    "certification_conduct": Row(
        "post", lambda w: [w.program.slug], (LOGIN, 302, 302, 403, 403), data=lambda w: {"agree": "yes"}
    ),
    "certification_log": Row(
        "post", lambda w: [w.program.slug], (LOGIN, 302, 302, 403, 403), data=lambda w: w.log_entry
    ),
    # A's request is already waiting for the supervisor (409).
    "certification_supervisor": Row(
        "post",
        lambda w: [w.program.slug],
        (LOGIN, 409, 302, 403, 403),
        data=lambda w: {"name": "S", "license": "L1", "email": "other-supervisor@example.org"},
    ),
    # A's capstone is under review (409).
    "certification_capstone": Row(
        "post", lambda w: [w.program.slug], (LOGIN, 409, 302, 403, 403), data=lambda w: {"text": w.capstone}
    ),
    # Another provider's CE certificate: each learner uploads to their own
    # enrolment (B enrolled above); staff, not enrolled, are refused.
    "certification_ce_upload": Row(
        "post", lambda w: [w.program.slug], (LOGIN, 302, 302, 403, 403), data=lambda w: w.ce_upload_data()
    ),
    # A's upload: the owner, and staff who review uploads (editors); B gets 404.
    "certification_ce_download": Row("get", lambda w: [w.external_ce.pk], (LOGIN, 200, 404, 200, 200)),
    # Renewal is not open yet for A; nobody else holds a certification (400).
    "certification_renew": Row("post", lambda w: [w.program.slug], (LOGIN, 400, 400, 400, 400)),
    "certification_registry_choice": Row(
        "post", lambda w: [w.program.slug], (LOGIN, 302, 302, 302, 302), data=lambda w: {"action": "leave"}
    ),
    # Reviewers only: editors and learners are refused.
    "certification_review_queue": Row("get", None, (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, DENIED, 200)),
    "certification_review": Row(
        "get", lambda w: [w.capstone_submission.pk], (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, DENIED, 200)
    ),
    # Revoking needs certification.revoke_certification (the superuser has
    # it; editors do not). GET only: the form, not the act.
    "certification_revoke": Row(
        "get", lambda w: [w.certification.pk], (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, DENIED, 200)
    ),
    # The certification listing and its audit log, and uploaded CE to review:
    # editors and the superuser; no learner reaches the admin.
    "certifications:index": Row("get", None, (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200, 200)),
    "certifications:index_results": Row("get", None, (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200, 200)),
    "certifications:inspect": Row(
        "get", lambda w: [w.certification.pk], (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200, 200)
    ),
    "external_ce:index": Row("get", None, (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200, 200)),
    "external_ce:index_results": Row("get", None, (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200, 200)),
    "external_ce:inspect": Row("get", lambda w: [w.external_ce.pk], (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200, 200)),
}

# Wagtail's own admin: learners get none of it; editors get authoring, not
# users, groups, sites, settings or redirects.
ADMIN_MATRIX = {
    "/admin/": (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200, 200),
    "/admin/pages/{course}/": (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200, 200),
    "/admin/pages/{course}/edit/": (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200, 200),
    "/admin/images/": (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200, 200),
    "/admin/snippets/certificates/certificate/": (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200, 200),
    "/admin/snippets/certification/program/": (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200, 200),
    "/admin/users/": (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, DENIED, 200),
    "/admin/groups/": (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, DENIED, 200),
    "/admin/sites/": (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, DENIED, 200),
    "/admin/redirects/": (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, DENIED, 200),
    "/admin/settings/certificates/certificatesettings/{site}/": (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, DENIED, 200),
    "/admin/workflows/list/": (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, DENIED, 200),
    "/admin/snippets/accreditation/accreditingbody/": (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, DENIED, 200),
    "/admin/snippets/accreditation/providerapproval/": (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, DENIED, 200),
    "/admin/snippets/accreditation/creditoffering/": (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, DENIED, 200),
    "/admin/snippets/accreditation/creditoffering/add/": (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, DENIED, 200),
}


class World:
    """Learner A owns everything; B is enrolled in the same course."""

    def __init__(self, media_root):
        self.course = make_course(modules=1, lessons=1, questions=2, final_questions=2)
        self.completed_course = make_course(modules=1, lessons=1, questions=2, final_questions=2)
        self.a, self.b = learner(legal_name="Alice Owner"), learner(legal_name="Bruno Other")
        for user in (self.a, self.b):
            enrol(user=user, course=self.course)
        self.quiz = Quiz.objects.get(module__in=self.course.get_children())
        self.lesson = LessonPage.objects.live().descendant_of(self.course).first()
        self.open_attempt = attempt_start(user=self.a, quiz=self.quiz)
        question = self.open_attempt.snapshot["questions"][0]
        self.autosave = {"question_id": question["id"], "choice_ids": [question["choices"][0]["id"]]}
        complete_course(self.a, self.completed_course)
        purge_queue()  # issued in-process below
        self.certificate = Certificate.objects.get(user=self.a)
        certificate_issue(certificate_id=self.certificate.pk)
        self.code = self.certificate.code
        self.credential = Credential.objects.get(reference=self.code)
        self.graded_attempt = Attempt.objects.filter(user=self.a, status="graded").first()
        ensure_editor_group()
        self.editor = UserFactory(is_staff=True)
        self.editor.groups.add(Group.objects.get(name=EDITORS_GROUP))
        self.superuser = UserFactory(is_staff=True, is_superuser=True)
        self.audit_pack = AuditPack.objects.create(
            offering=CreditOffering.objects.create(
                course=self.completed_course, body=accrediting_bodies_ensure()[0], max_hours=Decimal("2")
            )
        )
        self._certification()

    def _certification(self):
        from certification import services as cs
        from certification.models import CertificationPeriod
        from certification.tokens import make_token
        from tests.certification.helpers import CAPSTONE, LOG_ENTRY, log_cleaned, make_program

        self.program, _ = make_program(course=self.completed_course, cases=1)
        self.log_entry, self.capstone = LOG_ENTRY, CAPSTONE
        cs.program_enrol(user=self.a, program=self.program)
        cs.conduct_agree(user=self.a, program=self.program)
        cs.log_entry_add(user=self.a, program=self.program, data=log_cleaned())
        first = cs.attestation_request(
            user=self.a, program=self.program, name="Dr S", license="L1", email="sup@example.org"
        )
        cs.attestation_respond(
            token=make_token(attestation_id=first.pk, nonce=first.nonce), decision="attest", comment=""
        )
        self.capstone_submission = cs.capstone_submit(user=self.a, program=self.program, text=CAPSTONE)
        # Awarded directly (the award rules are tested in tests/certification).
        from certification.models import Certification

        self.certification = Certification.objects.create(
            user=self.a,
            program=self.program,
            snapshot=cs._snapshot(self.a, self.program),
            awarded_at=self.a.date_joined,
        )
        period = CertificationPeriod.objects.create(
            certification=self.certification,
            number=1,
            starts_at=timezone.now(),
            ends_at=timezone.now() + timedelta(days=700),
        )
        cs.period_issue(period_id=period.pk)
        self.certification.refresh_from_db()
        renewal = cs.attestation_request(
            user=self.a, program=self.program, name="Dr S", license="L1", email="sup@example.org"
        )
        self.attest_token = make_token(attestation_id=renewal.pk, nonce=renewal.nonce)
        self.external_ce = cs.external_ce_upload(
            user=self.a,
            program=self.program,
            provider_name="Other provider",
            course_title="Other course",
            hours=Decimal("1.5"),
            completed_on=timezone.localdate(),
            upload=self.ce_upload_data()["pdf"],
        )

    @staticmethod
    def ce_upload_data():
        from django.core.files.uploadedfile import SimpleUploadedFile

        pdf = SimpleUploadedFile("c.pdf", b"%PDF-1.7\ntrailer\n%%EOF\n", content_type="application/pdf")
        return {
            "provider_name": "Other provider",
            "course_title": "Other course",
            "hours": "1.5",
            "completed_on": timezone.localdate().isoformat(),
            "pdf": pdf,
        }

    def clients(self):
        clients = {"anonymous": Client()}
        for role, user in [("learner_a", self.a), ("learner_b", self.b), ("editor", self.editor)]:
            clients[role] = Client()
            clients[role].force_login(user)
        clients["superuser"] = Client()
        clients["superuser"].force_login(self.superuser)
        return clients


def outcome(response):
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith("/admin/login/"):
            return ADMIN_LOGIN
        if location.startswith(reverse("account_login")):
            return LOGIN
        if location == "/admin/":
            return DENIED
        if location == reverse("dashboard"):
            return DASHBOARD
        if location == reverse("account_reset_password"):
            return RESET
    return response.status_code


def request(client, row, url, world):
    if row.method == "get":
        return client.get(url)
    data = row.data(world) if row.data else {}
    if row.json:
        return client.post(url, data, content_type="application/json")
    return client.post(url, data)


def test_every_project_url_is_in_the_matrix():
    assert project_url_names() - set(MATRIX) == set(), "add new URLs to MATRIX with who may reach them"


def test_access_matrix(media_root):
    world = World(media_root)
    clients = world.clients()
    mismatches = []
    for name, row in MATRIX.items():
        url = reverse(name, args=row.args(world) if row.args else None)
        for role, expected in zip(ROLES, row.expect, strict=True):
            got = outcome(request(clients[role], row, url, world))
            if got != expected:
                mismatches.append(f"{name} ({url}) as {role}: expected {expected}, got {got}")
    for url, expect in ADMIN_MATRIX.items():
        url = url.format(course=world.course.pk, site=Site.objects.get(is_default_site=True).pk)
        for role, expected in zip(ROLES, expect, strict=True):
            got = outcome(clients[role].get(url))
            if got != expected:
                mismatches.append(f"{url} as {role}: expected {expected}, got {got}")
    assert mismatches == [], "\n".join(mismatches)


def test_per_user_pages_show_only_the_requesting_users_data(media_root):
    world = World(media_root)
    clients = world.clients()
    for name in ("profile", "transcript", "data_export", "dashboard"):
        body = clients["learner_b"].get(reverse(name)).content.decode()
        assert "Alice Owner" not in body and world.a.email not in body and world.code not in body, name
    assert world.code in clients["learner_a"].get(reverse("transcript")).content.decode()
    export = clients["learner_a"].get(reverse("data_export")).json()
    assert export["account"]["email"] == world.a.email
