"""Participation: a lesson counts as read only after it has been open for the
course's share of its estimated time, by the server's clock."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from courses import participation
from courses.models import LessonCompletion, LessonPage, LessonVisit
from courses.services import TooSoon, enrol, lesson_mark_complete, lesson_visit_record
from tests.factories import learner, make_course

pytestmark = pytest.mark.django_db


def test_required_time_is_the_share_of_the_estimate():
    assert participation.required_seconds(estimated_minutes=10, percent=50) == 300
    assert participation.required_seconds(estimated_minutes=7, percent=0) == 0
    opened = timezone.now()
    assert participation.seconds_still_needed(
        first_opened_at=opened, now=opened + timedelta(seconds=100), estimated_minutes=10, percent=50
    ) == 200
    assert participation.seconds_still_needed(first_opened_at=None, now=opened, estimated_minutes=10, percent=50) == 300
    assert participation.seconds_still_needed(
        first_opened_at=opened, now=opened + timedelta(minutes=5), estimated_minutes=10, percent=50
    ) == 0
    # An idle tab does not become hours of study.
    assert participation.recorded_seconds(
        first_opened_at=opened, now=opened + timedelta(hours=9), estimated_minutes=10
    ) == 1800


def _setup(percent=50):
    course = make_course(modules=1, lessons=1, participation_percent=percent)
    user = learner()
    enrol(user=user, course=course)
    lesson = LessonPage.objects.descendant_of(course).get()
    return user, lesson


def test_a_lesson_never_opened_cannot_be_marked_complete():
    user, lesson = _setup()
    with pytest.raises(TooSoon) as caught:
        lesson_mark_complete(user=user, lesson=lesson)
    assert caught.value.extra["seconds"] == lesson.estimated_minutes * 30
    assert not LessonCompletion.objects.exists()


def test_the_servers_clock_decides_and_the_time_is_recorded():
    user, lesson = _setup()
    opened = timezone.now()
    lesson_visit_record(user=user, lesson=lesson, now=opened)
    half = timedelta(minutes=lesson.estimated_minutes / 2)
    with pytest.raises(TooSoon, match="about 1 minute"):
        lesson_mark_complete(user=user, lesson=lesson, now=opened + half - timedelta(seconds=30))
    lesson_mark_complete(user=user, lesson=lesson, now=opened + half)
    completion = LessonCompletion.objects.get()
    assert completion.seconds_spent == half.total_seconds()


def test_opening_again_does_not_restart_the_clock():
    user, lesson = _setup()
    opened = timezone.now() - timedelta(hours=1)
    lesson_visit_record(user=user, lesson=lesson, now=opened)
    from django.core.cache import cache

    cache.clear()  # even with the cache flag gone, the first opening stands
    lesson_visit_record(user=user, lesson=lesson)
    assert LessonVisit.objects.get().first_opened_at == opened


def test_through_the_views_the_page_starts_the_clock_and_an_early_post_is_refused(client):
    user, lesson = _setup()
    client.force_login(user)
    response = client.post(reverse("lesson_complete", args=[lesson.pk]), follow=True)
    assert not LessonCompletion.objects.exists()
    assert "can be marked complete in about" in response.content.decode()
    assert client.get(lesson.url).status_code == 200
    visit = LessonVisit.objects.get(user=user, lesson=lesson)
    # The browser cannot claim time: only the stored opening counts. Move it
    # back as the passing of time would, then the same post succeeds.
    LessonVisit.objects.filter(pk=visit.pk).update(first_opened_at=visit.first_opened_at - timedelta(hours=1))
    client.post(reverse("lesson_complete", args=[lesson.pk]), {"seconds_spent": "99999"})
    completion = LessonCompletion.objects.get()
    assert completion.seconds_spent == lesson.estimated_minutes * 60 * participation.RECORDED_TIME_CAP


def test_a_course_can_turn_the_check_off():
    user, lesson = _setup(percent=0)
    lesson_mark_complete(user=user, lesson=lesson)
    assert LessonCompletion.objects.get().seconds_spent is None


def test_the_transcript_shows_the_time_recorded_on_the_courses_lessons(client):
    from datetime import timedelta

    from certificates.selectors import transcript
    from tests.factories import complete_course

    course = make_course(modules=1, lessons=2, participation_percent=50)
    user = learner()
    enrol(user=user, course=course)
    opened = timezone.now() - timedelta(minutes=8)
    for lesson in LessonPage.objects.descendant_of(course):
        lesson_visit_record(user=user, lesson=lesson, now=opened)
        lesson_mark_complete(user=user, lesson=lesson)  # 8 minutes each, within the cap
    complete_course(user, course)
    row = transcript(user=user)["certificates"][0]
    assert row.lesson_minutes == 16
    client.force_login(user)
    assert "16 min" in client.get(reverse("transcript")).content.decode()
