"""Client handouts: the same text in the lesson and in the downloadable PDF."""

import shutil
import subprocess

import pytest

from courses.curriculum_markdown import MarkdownError, body_to_blocks
from courses.curriculum_schema import DEFAULT_ROOT, Citer, read_curriculum
from courses.handouts import handout_parts, render_handout_pdf
from courses.models import Enrolment, LessonPage
from home.services import site_install_curriculum as load_curriculum
from tests.factories import UserFactory

TEXT = """## What we will do
- Fill in a short questionnaire
  each week.
- Review your safety plan.

A closing paragraph with <b>markup</b> & symbols."""

# Each full curriculum load takes seconds: the whole suite runs these, the quick tier does not.
pytestmark = pytest.mark.slow


def test_handout_parts_are_headings_paragraphs_and_bullets():
    assert handout_parts(TEXT) == [
        ("heading", "What we will do"),
        ("bullets", ["Fill in a short questionnaire each week.", "Review your safety plan."]),
        ("paragraph", "A closing paragraph with <b>markup</b> & symbols."),
    ]


def _pdf_text(pdf, tmp_path):
    path = tmp_path / "h.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_the_pdf_carries_the_same_words_and_is_deterministic(tmp_path):
    kwargs = {"title": "Your check-ins", "text": TEXT, "course_title": "A course", "footer": "Not advice."}
    pdf = render_handout_pdf(**kwargs)
    assert pdf.startswith(b"%PDF") and pdf == render_handout_pdf(**kwargs)
    words = " ".join(_pdf_text(pdf, tmp_path).split())
    for expected in (
        "Your check-ins",
        "What we will do",
        "Fill in a short questionnaire each week.",
        "<b>markup</b> & symbols",
    ):
        assert expected in words


def test_a_handout_without_slug_or_title_is_refused():
    cite = Citer(read_curriculum().sources, "/learning/sources/")
    with pytest.raises(MarkdownError, match=r"line 1: a handout needs slug=<slug> and a title"):
        body_to_blocks("::: handout Title only\ntext\n:::", cite=cite)
    with pytest.raises(MarkdownError, match="used twice"):
        body_to_blocks("::: handout slug=a A\nx\n:::\n\n::: handout slug=a B\ny\n:::", cite=cite)


@pytest.mark.django_db
def test_enrolled_learners_download_the_lessons_handouts_others_are_sent_to_enrol(client, tmp_path):
    assert shutil.which("pdftotext")
    load_curriculum(root=DEFAULT_ROOT)
    lesson = LessonPage.objects.get(slug="coordination-kit")
    url = f"/learning/lessons/{lesson.pk}/handouts/sbar-call-script.pdf"
    assert client.get(url).status_code == 302  # anonymous: not readable

    user = UserFactory()
    course = lesson.get_parent().get_parent().specific
    Enrolment.objects.create(user=user, course=course)
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert 'filename="sbar-call-script.pdf"' in response["Content-Disposition"]
    text = " ".join(_pdf_text(response.content, tmp_path).split())
    block = next(b.value for b in lesson.body if b.block_type == "handout" and b.value["slug"] == "sbar-call-script")
    for kind, part in handout_parts(block["text"]):
        for piece in part if kind == "bullets" else [part]:
            assert " ".join(piece.split()) in text
    page = client.get(lesson.url).content.decode()
    assert f'href="{url}"' in page
    assert client.get(f"/learning/lessons/{lesson.pk}/handouts/no-such-handout.pdf").status_code == 404
