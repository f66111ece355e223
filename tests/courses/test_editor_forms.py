"""Editors create every page type through Wagtail's own admin forms, with the
fields and inline panels the models declare (Wagtail's assertCanCreate posts
the real form and checks that the page was saved)."""

import pytest
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from courses.models import CourseIndexPage, CoursePage, LessonPage, ModulePage
from tests.factories import course_index, learner, make_course

pytestmark = pytest.mark.django_db


class EditorFormsTest(WagtailPageTestCase):
    def setUp(self):
        # A verified superuser, signed in directly: the project's one
        # authentication backend refuses a password check with no request.
        from tests.factories import UserFactory

        self.client.force_login(UserFactory(is_staff=True, is_superuser=True))

    def test_page_type_rules(self):
        self.assertAllowedParentPageTypes(LessonPage, {ModulePage})
        self.assertAllowedSubpageTypes(ModulePage, {LessonPage})
        self.assertAllowedSubpageTypes(CoursePage, {ModulePage})
        self.assertAllowedSubpageTypes(CourseIndexPage, {CoursePage})
        self.assertAllowedSubpageTypes(LessonPage, set())

    def test_an_editor_can_create_a_course(self):
        data = nested_form_data(
            {
                "title": "Measurement-based care",
                "slug": "measurement-based-care",
                "summary": "Using PHQ-9 and safety screening in TRD care.",
                "ce_hours": "1.5",
                "format": "Online, self-paced",
                "accreditation_statement": "",
                "participation_percent": "50",
                "hours_method": "150 words a minute plus one minute per item.",
                "instructional_level": "Intermediate",
                "release_date": "2026-11-30",
                "next_review_date": "2027-11-30",
                "planners": streamfield([]),
                "commercial_support": "None.",
                "accommodations": "",
                "grievance": "",
                "evidence_limits": "",
                "target_audience": "Licensed therapists.",
                "disclosure": "",
                "objectives": inline_formset([{"key": "o1", "text": "Score and act on a PHQ-9."}]),
                "evaluation_questions": inline_formset([]),
            }
        )
        self.assertCanCreate(course_index(), CoursePage, data)

    def test_an_editor_can_create_a_module_and_a_lesson(self):
        course = make_course(modules=1, lessons=1)
        module_data = nested_form_data(
            {
                "title": "Suicide risk",
                "slug": "suicide-risk",
                "summary": "Screening and safety planning.",
                "objectives": inline_formset([{"key": "m9-o1", "text": "Build a safety plan with a client."}]),
            }
        )
        self.assertCanCreate(course, ModulePage, module_data)
        module = ModulePage.objects.get(slug="suicide-risk")
        lesson_data = nested_form_data(
            {
                "title": "Safety planning",
                "slug": "safety-planning",
                "summary": "The six steps of a safety plan.",
                "estimated_minutes": "12",
                "free_preview": "",
                "body": streamfield(
                    [
                        ("heading", "Why a plan"),
                        ("paragraph", rich_text("<p>A plan written with the client.</p>")),
                        ("caution", {"title": "Clinical caution", "text": "Escalate imminent risk."}),
                    ]
                ),
            }
        )
        self.assertCanCreate(module, LessonPage, lesson_data)
        lesson = LessonPage.objects.get(slug="safety-planning")
        assert [block.block_type for block in lesson.body] == ["heading", "paragraph", "caution"]

    def test_a_learner_cannot_reach_the_page_editor(self):
        course = make_course(modules=1, lessons=1)
        self.client.logout()
        self.client.force_login(learner())
        response = self.client.get(f"/admin/pages/add/courses/modulepage/{course.pk}/")
        # Sent away (to a login page) or refused; never the form.
        assert response.status_code in (302, 403)
        assert b'name="title"' not in response.content
