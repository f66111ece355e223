import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.test.utils import WagtailPageTestCase

from courses.models import CourseIndexPage, CoursePage, LessonPage, ModulePage
from courses.services import enrol
from home.models import HomePage
from quizzes.models import Quiz
from tests.factories import learner, make_course, sign_in_as_in_steady_state

pytestmark = pytest.mark.django_db


class TestPageTreeRules(WagtailPageTestCase):
    def test_parent_and_subpage_rules(self):
        self.assertAllowedParentPageTypes(CourseIndexPage, {HomePage})
        self.assertAllowedParentPageTypes(CoursePage, {CourseIndexPage})
        self.assertAllowedParentPageTypes(ModulePage, {CoursePage})
        self.assertAllowedParentPageTypes(LessonPage, {ModulePage})
        self.assertAllowedSubpageTypes(LessonPage, set())
        self.assertAllowedSubpageTypes(CoursePage, {ModulePage})


def lesson(course, module=1, number=1):
    return LessonPage.objects.get(slug=f"lesson-{module}-{number}", path__startswith=course.path)


def test_course_and_module_pages_are_public(client, course):
    assert client.get(course.url).status_code == 200
    module = ModulePage.objects.child_of(course).first()
    response = client.get(module.url)
    assert response.status_code == 200
    assert b"Lesson 1.1" in response.content


def test_free_preview_lesson_is_readable_by_anyone(client, course):
    response = client.get(lesson(course).url)
    assert response.status_code == 200
    assert b"Lesson text." in response.content


def test_locked_lesson_sends_anonymous_and_unenrolled_to_enrol(client, course):
    locked = lesson(course, number=2)
    response = client.get(locked.url)
    assert response.status_code == 302
    assert response["Location"] == course.url + "#enrol"
    client.force_login(learner())
    response = client.get(locked.url, follow=True)
    assert response.status_code == 200
    assert b"Lesson text." not in response.content
    assert b"Enrol in the course to read this lesson." in response.content


def test_enrolled_learner_reads_lesson_with_navigation(client, course, enrolled):
    client.force_login(enrolled)
    response = client.get(lesson(course, number=2).url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Lesson text." in body
    assert 'rel="prev"' in body and "Lesson 1.1" in body
    # The module's last lesson leads to the module's quiz, not the next module.
    quiz = Quiz.objects.get(module=ModulePage.objects.child_of(course).first())
    assert f'href="/quizzes/{quiz.pk}/" rel="next"' in body
    assert 'aria-label="Breadcrumb"' in body


def test_unknown_page_is_a_friendly_404(client, db):
    make_course()
    response = client.get("/courses/no-such-course/")
    assert response.status_code == 404
    assert b"Page not found" in response.content


def _lesson_queries(client, url):
    client.get(url)  # warm the course-structure cache, as in steady state
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_lesson_page_query_count_is_fixed_and_small(client):
    small = make_course(modules=1, lessons=2)
    large = make_course(modules=6, lessons=5)
    user = learner()
    enrol(user=user, course=small)
    enrol(user=user, course=large)
    sign_in_as_in_steady_state(client, user)
    small_count = _lesson_queries(client, lesson(small, 1, 2).url)
    large_count = _lesson_queries(client, lesson(large, 6, 5).url)
    # The session, the user, the site, the page itself (cached by path), the
    # outline, the rendered body and the learner's enrolment and completions
    # all come from the cache.
    assert small_count == large_count == 0


def test_after_a_completion_the_lesson_page_reads_progress_from_the_database_until_the_mark_expires(client):
    from courses.services import lesson_mark_complete
    from tests.factories import forget_change_marks_of_progress

    course = make_course(modules=1, lessons=2)
    user = learner()
    enrol(user=user, course=course)
    sign_in_as_in_steady_state(client, user)
    first, second = lesson(course, 1, 1), lesson(course, 1, 2)
    assert _lesson_queries(client, second.url) == 0
    lesson_mark_complete(user=user, lesson=first)
    # The enrolment with the course's completions, in one query.
    assert _lesson_queries(client, second.url) == 1
    forget_change_marks_of_progress(user)  # the change mark has expired
    assert _lesson_queries(client, second.url) == 0


@pytest.mark.parametrize("change", ["completion deleted", "enrolment deleted"])
def test_a_deleted_completion_or_enrolment_shows_on_the_next_lesson_request(client, change):
    from courses.models import Enrolment, LessonCompletion
    from courses.services import lesson_mark_complete
    from tests.factories import forget_change_marks_of_progress

    course = make_course(modules=1, lessons=1)
    user = learner()
    enrol(user=user, course=course)
    page = lesson(course, 1, 1)
    lesson_mark_complete(user=user, lesson=page)
    sign_in_as_in_steady_state(client, user)
    client.get(page.url)
    assert "You completed this lesson" in client.get(page.url).content.decode()  # served from the cache
    if change == "completion deleted":
        LessonCompletion.objects.get(user=user, lesson=page).delete()
        assert "Mark lesson complete" in client.get(page.url).content.decode()
    else:
        LessonCompletion.objects.filter(user=user).delete()
        forget_change_marks_of_progress(user)
        client.get(page.url)  # cached again, without the completion
        Enrolment.objects.filter(user=user, course=course).delete()
        body = client.get(page.url).content.decode()  # lesson 1.1 is the course's free preview
        assert "Enrol to track your progress" in body and "Mark lesson complete" not in body


def test_a_warm_lesson_request_makes_three_redis_round_trips(client, redis_commands):
    course = make_course(modules=2, lessons=2)
    user = learner()
    enrol(user=user, course=course)
    sign_in_as_in_steady_state(client, user)
    url = lesson(course, 2, 1).url
    for _ in range(2):
        assert client.get(url).status_code == 200
    redis_commands.clear()
    assert client.get(url).status_code == 200
    # The version with the site, the page at the path and the restriction
    # flag; the session with the user's row; the course structure with the
    # rendered body, the visit flag and the learner's progress.
    assert redis_commands == ["MGET", "MGET", "MGET"]


def signed_in_and_enrolled(client, course):
    user = learner()
    enrol(user=user, course=course)
    client.force_login(user)
    return user


def test_a_published_change_to_a_lesson_body_shows_on_the_next_request(client):
    course = make_course(modules=1, lessons=1)
    signed_in_and_enrolled(client, course)
    page = lesson(course, 1, 1)
    assert "Lesson text." in client.get(page.url).content.decode()
    page.body = [("paragraph", "<p>Revised wording.</p>")]
    page.save_revision().publish()
    body = client.get(page.url).content.decode()
    assert "Revised wording." in body and "Lesson text." not in body


def test_a_cached_route_never_serves_a_page_once_it_is_unpublished_moved_or_renamed(client):
    from django.core.cache import cache

    from core.models import live_page_at

    course = make_course(modules=2, lessons=1)
    signed_in_and_enrolled(client, course)
    page = lesson(course, 1, 1)
    old_url = page.url
    assert client.get(old_url).status_code == 200  # its route is now cached
    page.slug = "renamed"
    page.save_revision().publish()
    assert client.get(old_url).status_code == 404
    page.refresh_from_db()
    assert client.get(page.url).status_code == 200
    page.move(ModulePage.objects.get(slug="module-2", path__startswith=course.path), pos="last-child")
    page.refresh_from_db()
    assert client.get(page.url).status_code == 200 and page.url != old_url
    page.unpublish()
    assert client.get(page.url).status_code == 404
    # A path nobody published is not remembered: typed URLs cannot fill the cache.
    missing = course.url_path + "no-such-page/"
    assert live_page_at(missing) is None
    assert client.get(course.url + "no-such-page/").status_code == 404
    assert cache.get(f"route:{hashlib.sha256(missing.encode()).hexdigest()}") is None
    assert cache.get(f"route:{hashlib.sha256(page.url_path.encode()).hexdigest()}") is not None
