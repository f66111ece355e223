"""The credit transcript: per body and per period, totals of issued hours,
every certificate with its status; HTML, CSV and PDF; and the selector
programs read."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accreditation import services
from accreditation.forms import MSG_PERIOD_ORDER
from accreditation.selectors import credit_hours_between, credit_transcript
from certificates.models import Certificate
from certificates.services import certificate_issue, certificate_revoke
from courses.models import CourseCompletion
from tests.factories import complete_course, learner, make_course

from .helpers import approval, body, offering, ready_provider

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def history(media_root):
    """Three courses completed in 2024, 2025 and 2026, claimed for APA and
    AMA credit; the 2025 AMA certificate is revoked, one 2026 claim pending."""
    ready_provider()
    user = learner(legal_name="Ilse Vāvere")
    today = timezone.localdate()
    for code in ("apa", "accme-ama"):
        approval(code, valid_from=D(2023, 1, 1), valid_to=today + datetime.timedelta(days=365))
    claims = {}
    for year, hours_apa, hours_ama in ((2024, "1.5", "1"), (2025, "2", "0.75"), (2026, "0.25", "2")):
        course = make_course(modules=1, lessons=1, questions=1, final_questions=1, title=f"Course {year}")
        complete_course(user, course)
        CourseCompletion.objects.filter(user=user, course=course).update(
            completed_at=timezone.make_aware(datetime.datetime(year, 3, 15, 12))
        )
        for code, hours in (("apa", hours_apa), ("accme-ama", hours_ama)):
            result = services.credit_claim(
                user=user,
                course_id=course.pk,
                offering_id=offering(course, code).pk,
                hours=hours,
                license_number="L-77",
                license_jurisdiction="Ohio",
                attested=True,
            )
            claims[(year, code)] = result.certificate
            if (year, code) != (2026, "apa"):
                certificate_issue(certificate_id=result.certificate.pk)
    certificate_revoke(certificate=claims[(2025, "accme-ama")], actor=None, reason="Hours overstated.")
    return user, claims


def totals(transcript):
    return {t.body_code: t.hours for t in transcript.totals}


def test_totals_per_body_and_period(history):
    user, claims = history
    everything = credit_transcript(user=user)
    assert len(everything.certificates) == 6
    # 2026 APA is pending and 2025 AMA revoked: listed, not counted.
    assert totals(everything) == {"apa": Decimal("3.5"), "accme-ama": Decimal("3")}
    renewal = credit_transcript(user=user, start=D(2025, 1, 1), end=D(2026, 12, 31))
    assert totals(renewal) == {"apa": Decimal("2"), "accme-ama": Decimal("2")}
    assert {c.code for c in renewal.certificates} == {claims[k].code for k in claims if k[0] >= 2025}
    apa_only = credit_transcript(user=user, start=D(2024, 1, 1), end=D(2025, 12, 31), body=body("apa"))
    assert totals(apa_only) == {"apa": Decimal("3.5")} and len(apa_only.certificates) == 2
    assert totals(credit_transcript(user=user, start=D(2020, 1, 1), end=D(2023, 12, 31))) == {}


def test_period_edges_are_inclusive(history):
    user, _ = history
    assert credit_hours_between(user=user, start=D(2024, 3, 15), end=D(2024, 3, 15)) == Decimal("2.5")
    assert credit_hours_between(user=user, start=D(2024, 3, 16), end=D(2025, 3, 14)) == Decimal("0")


def test_a_period_holds_its_first_and_last_day_to_the_second_in_local_time(history, settings):
    settings.TIME_ZONE = "America/Chicago"  # days start at 05:00 or 06:00 UTC
    user, claims = history
    certificate = claims[(2024, "apa")]
    start, end = D(2024, 3, 14), D(2024, 3, 16)

    def listed(moment):
        Certificate.objects.filter(pk=certificate.pk).update(completed_at=timezone.make_aware(moment))
        return certificate.code in [c.code for c in credit_transcript(user=user, start=start, end=end).certificates]

    assert listed(datetime.datetime(2024, 3, 14, 0, 0, 0))
    assert listed(datetime.datetime(2024, 3, 16, 23, 59, 59))
    assert not listed(datetime.datetime(2024, 3, 13, 23, 59, 59))
    assert not listed(datetime.datetime(2024, 3, 17, 0, 0, 0))


def test_credit_hours_between_by_body(history):
    user, _ = history
    assert credit_hours_between(user=user, start=D(2024, 1, 1), end=D(2026, 12, 31), body="accme-ama") == Decimal("3")
    assert credit_hours_between(user=user, start=D(2024, 1, 1), end=D(2026, 12, 31), body=body("apa")) == Decimal("3.5")
    assert credit_hours_between(user=learner(email="x@example.org"), start=D(2000, 1, 1), end=D(2100, 1, 1)) == 0


def test_the_page_shows_totals_and_statuses(history, client):
    user, claims = history
    client.force_login(user)
    response = client.get(reverse("credit_transcript"), {"start": "2025-01-01", "end": "2026-12-31"})
    body_html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>APA</strong>: 2.0 CE credits" in body_html
    assert "Revoked" in body_html and "Being prepared" in body_html
    assert claims[(2024, "apa")].code not in body_html


@pytest.mark.parametrize(
    ("query", "message"),
    [({"start": "2026-01-01", "end": "2025-01-01"}, MSG_PERIOD_ORDER), ({"start": "last year"}, "Enter a valid date")],
)
def test_a_bad_period_is_400(history, client, query, message):
    user, _ = history
    client.force_login(user)
    for name in ("credit_transcript", "credit_transcript_csv", "credit_transcript_pdf"):
        response = client.get(reverse(name), query)
        assert response.status_code == 400, name
        assert message in response.content.decode(), name


def test_csv_rows_and_totals(history, client):
    user, claims = history
    client.force_login(user)
    response = client.get(reverse("credit_transcript_csv"), {"body": "apa"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["completed", "course", "board", "credit_type", "hours", "status", "certificate_code"]
    data = [r for r in rows[1:] if r and r[0] != "total issued"]
    assert sorted((r[0], r[4], r[5]) for r in data) == [
        ("2024-03-15", "1.5", "issued"),
        ("2025-03-15", "2.0", "issued"),
        ("2026-03-15", "0.25", "pending"),
    ]
    assert ["total issued", "", "APA", "CE credits", "3.5", "", ""] in rows


def test_csv_neutralises_formulas(history, client):
    user, claims = history
    certificate = claims[(2024, "apa")]
    certificate.snapshot["course_title"] = '=HYPERLINK("http://evil")'
    Certificate.objects.filter(pk=certificate.pk).update(snapshot=certificate.snapshot)
    client.force_login(user)
    rows = list(csv.reader(io.StringIO(client.get(reverse("credit_transcript_csv")).content.decode())))
    assert '\'=HYPERLINK("http://evil")' in [r[1] for r in rows if len(r) > 1]


def test_pdf_lists_each_certificate_and_the_totals(history, client):
    user, claims = history
    client.force_login(user)
    response = client.get(reverse("credit_transcript_pdf"), {"start": "2024-01-01", "end": "2025-12-31"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages).split())
    assert "Ilse Vāvere" in text
    for key in ((2024, "apa"), (2024, "accme-ama"), (2025, "apa"), (2025, "accme-ama")):
        assert claims[key].code in text
    assert claims[(2026, "apa")].code not in text
    assert "APA: 3.5 CE credits" in text and "ACCME/AMA: 1.0 AMA PRA Category 1 Credits\u2122" in text
    assert "Revoked" in text


def test_each_learner_sees_only_their_own(history, client):
    user, claims = history
    other = learner(email="other@example.org", legal_name="Other Person")
    client.force_login(other)
    for name in ("credit_transcript", "credit_transcript_csv", "credit_transcript_pdf"):
        content = client.get(reverse(name)).content
        if name == "credit_transcript_pdf":
            content = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).encode()
        assert not any(c.code.encode() in content for c in claims.values()), name
