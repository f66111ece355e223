"""CE certificates from other providers: a learner uploads a real PDF with
its details; bad input is refused with a 4xx and nothing stored; the file
sits in private storage, outside MEDIA_ROOT, and only its owner (or a
reviewing editor) can download it; an editor accepts or rejects it with a
note (audited); only accepted uploads completed in the period count
towards renewal."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from certification import rules, selectors, services
from certification.models import CertificationEvent, ExternalCE
from core.errors import Conflict, InvalidInput, NotAllowed
from home.services import EDITORS_GROUP, ensure_editor_group
from tests.factories import UserFactory, learner
from tests.worker import purge_queue

from .test_expiry import certify

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def pdf(content=PDF, name="certificate.pdf", content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def form(**changes):
    data = {
        "provider_name": "Northwest Psychology CE",
        "course_title": "Measurement-based care in depression",
        "hours": "3.25",
        "completed_on": (timezone.localdate() - timedelta(days=3)).isoformat(),
        "pdf": pdf(),
    }
    data.update(changes)
    return data


@pytest.fixture
def certified(media_root):
    purge_queue()
    yield certify()
    purge_queue()


def editor():
    ensure_editor_group()
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS_GROUP))
    return user


def test_upload_is_stored_privately_and_shown_with_its_status(certified, client, settings):
    program, user, _, _ = certified
    client.force_login(user)
    response = client.post(reverse("certification_ce_upload", args=[program.slug]), form())
    assert response.status_code == 302
    item = ExternalCE.objects.get()
    assert (item.hours, item.status, item.enrolment.user) == (Decimal("3.25"), "pending", user)
    stored = Path(item.pdf.path).resolve()
    assert stored.is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT).resolve())
    assert not stored.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert stored.read_bytes() == PDF and "certificate" not in stored.name  # our name, not theirs
    with pytest.raises(ValueError):
        item.pdf.url  # noqa: B018 (no public URL exists)
    assert CertificationEvent.objects.filter(kind="ce_uploaded").count() == 1
    page = client.get(reverse("certification_program", args=[program.slug])).content.decode()
    assert "Measurement-based care in depression" in page and "Waiting for review" in page


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"hours": "0"}, None),
        ({"hours": "40.5"}, None),
        ({"hours": "1.1"}, None),
        ({"hours": "abc"}, None),
        ({"completed_on": (timezone.localdate() + timedelta(days=2)).isoformat()}, None),
        ({"pdf": pdf(b"\x89PNG\r\n\x1a\n fake image", name="scan.pdf")}, services.MSG_CE_NOT_PDF),
        ({"pdf": pdf(b"<script>alert(1)</script>", name="x.pdf")}, services.MSG_CE_NOT_PDF),
        ({"pdf": pdf(b"%PDF-1.4 truncated without an end marker")}, services.MSG_CE_NOT_PDF),
        ({"provider_name": ""}, None),
    ],
)
def test_bad_uploads_are_refused_with_400_and_nothing_is_stored(certified, client, settings, changes, message):
    program, user, _, _ = certified
    client.force_login(user)
    response = client.post(reverse("certification_ce_upload", args=[program.slug]), form(**changes))
    assert response.status_code == 400
    if message:
        assert message in response.content.decode()
    assert not ExternalCE.objects.exists()
    private = Path(settings.PRIVATE_MEDIA_ROOT)
    assert not private.exists() or not any(p.is_file() for p in private.rglob("*"))


def test_a_file_over_the_size_limit_is_refused(certified, client, settings):
    program, user, _, _ = certified
    settings.CE_UPLOAD_MAX_BYTES = 1024
    big = PDF[:-7] + b" " * 2000 + b"\n%%EOF\n"
    client.force_login(user)
    response = client.post(reverse("certification_ce_upload", args=[program.slug]), form(pdf=pdf(big)))
    assert response.status_code == 400
    assert "larger than" in response.content.decode()
    assert not ExternalCE.objects.exists()


def test_service_rechecks_hours_and_date_whatever_the_form_said(certified):
    program, user, _, _ = certified
    today = timezone.localdate()
    for hours, completed_on in [(Decimal("0"), today), (Decimal("0.3"), today), (Decimal("2"), today + timedelta(1))]:
        with pytest.raises(InvalidInput):
            services.external_ce_upload(
                user=user,
                program=program,
                provider_name="P",
                course_title="C",
                hours=hours,
                completed_on=completed_on,
                upload=pdf(),
            )
    assert not ExternalCE.objects.exists()


def test_only_the_owner_or_a_reviewing_editor_can_download(certified, client):
    program, user, _, _ = certified
    client.force_login(user)
    client.post(reverse("certification_ce_upload", args=[program.slug]), form())
    item = ExternalCE.objects.get()
    url = reverse("certification_ce_download", args=[item.pk])
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    client.force_login(learner(legal_name="Other Person"))
    assert client.get(url).status_code == 404
    assert client.get(reverse("certification_ce_download", args=[item.pk + 1000])).status_code == 404
    client.force_login(editor())
    assert client.get(url).status_code == 200
    client.logout()
    assert client.get(url).status_code == 302


def test_only_accepted_uploads_in_the_period_count_towards_renewal(certified):
    program, user, certification, period = certified
    now = period.ends_at - timedelta(days=30)
    base = selectors.ce_hours_in_period(user=user, start=period.starts_at, end=now)

    def upload(hours, days_after_start):
        return services.external_ce_upload(
            user=user,
            program=program,
            provider_name="Provider",
            course_title=f"Course {hours}",
            hours=Decimal(hours),
            completed_on=(period.starts_at + timedelta(days=days_after_start)).date(),
            upload=pdf(),
            now=now,
        )

    accepted = upload("4.5", 10)
    rejected = upload("6", 20)
    pending = upload("8", 30)
    before_period = upload("10", -5)
    reviewer = editor()
    services.external_ce_review(reviewer=reviewer, upload_id=accepted.pk, decision="accept", note="", now=now)
    services.external_ce_review(reviewer=reviewer, upload_id=before_period.pk, decision="accept", note="", now=now)
    services.external_ce_review(
        reviewer=reviewer, upload_id=rejected.pk, decision="reject", note="Not an accredited provider.", now=now
    )
    assert pending.status == "pending"
    assert selectors.ce_hours_in_period(user=user, start=period.starts_at, end=now) == base + Decimal("4.5")
    status = selectors.renewal_status(certification=certification, program=program, now=now)
    assert status["hours"] == base + Decimal("4.5")
    kinds = list(
        CertificationEvent.objects.filter(kind__in=["ce_accepted", "ce_rejected"]).values_list("kind", "actor")
    )
    assert sorted(kinds) == [("ce_accepted", reviewer.pk), ("ce_accepted", reviewer.pk), ("ce_rejected", reviewer.pk)]
    with pytest.raises(Conflict):
        services.external_ce_review(reviewer=reviewer, upload_id=accepted.pk, decision="reject", note="x")


def test_review_in_the_admin_needs_a_note_to_reject_and_the_permission(certified, client):
    program, user, _, _ = certified
    item = services.external_ce_upload(
        user=user,
        program=program,
        provider_name="Provider",
        course_title="Course",
        hours=Decimal("2"),
        completed_on=timezone.localdate(),
        upload=pdf(),
    )
    url = reverse("external_ce:inspect", args=[item.pk])
    client.force_login(editor())
    assert client.get(reverse("external_ce:index")).status_code == 200
    response = client.post(url, {"decision": "reject", "note": ""})
    assert response.status_code == 400 and services.MSG_CE_REJECT_NOTE in response.content.decode()
    item.refresh_from_db()
    assert item.status == "pending"
    response = client.post(url, {"decision": "reject", "note": "The certificate names another person."})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.review_note) == ("rejected", "The certificate names another person.")
    client.force_login(user)
    page = client.get(reverse("certification_program", args=[program.slug])).content.decode()
    assert "Not accepted" in page and "The certificate names another person." in page
    assert client.post(url, {"decision": "accept"})["Location"].startswith("/admin/login/")
    with pytest.raises(NotAllowed):
        services.external_ce_review(reviewer=user, upload_id=item.pk, decision="accept", note="")


@pytest.mark.parametrize(
    "head, tail, ok",
    [
        (b"%PDF-1.7\n", b"%%EOF\n", True),
        (b"%PDF-2.0\n", b"%%EOF", True),
        (b"\xef\xbb\xbf%PDF-1.4", b"%%EOF\r\n", True),
        (b"%PDF-9.9", b"%%EOF", False),
        (b"%PDF-1.4", b"no end", False),
        (b"GIF89a", b"%%EOF", False),
        (b"", b"", False),
    ],
)
def test_looks_like_pdf(head, tail, ok):
    assert rules.looks_like_pdf(head, tail) is ok


@pytest.mark.parametrize(
    "hours, ok", [("0", False), ("0.25", True), ("40", True), ("40.25", False), ("1.1", False), ("-1", False)]
)
def test_ce_hours_valid(hours, ok):
    assert rules.ce_hours_valid(Decimal(hours)) is ok


def test_the_learners_data_export_lists_their_uploads(certified):
    program, user, _, _ = certified
    services.external_ce_upload(
        user=user,
        program=program,
        provider_name="Provider",
        course_title="Course",
        hours=Decimal("2.5"),
        completed_on=timezone.localdate(),
        upload=pdf(),
    )
    [entry] = selectors.export_certification(user=user)["programs"]
    assert entry["ce_uploads"] == [
        {
            "provider": "Provider",
            "course": "Course",
            "hours": "2.50",
            "completed_on": timezone.localdate().isoformat(),
            "status": "pending",
            "review_note": "",
        }
    ]
