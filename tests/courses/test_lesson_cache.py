"""The rendered lesson body is cached, and a publish shows the new text at once."""

import pytest

from courses.models import LessonPage

pytestmark = pytest.mark.django_db


def test_publishing_a_lesson_replaces_the_cached_body(client, course, enrolled):
    client.force_login(enrolled)
    lesson = LessonPage.objects.get(slug="lesson-1-2", path__startswith=course.path)
    assert b"Lesson text." in client.get(lesson.url).content

    lesson.body = [("paragraph", "<p>Revised by an editor.</p>")]
    lesson.save_revision().publish()
    body = client.get(lesson.url).content
    assert b"Revised by an editor." in body and b"Lesson text." not in body


def test_an_unpublished_draft_does_not_leak_into_the_cached_body(client, course, enrolled):
    client.force_login(enrolled)
    lesson = LessonPage.objects.get(slug="lesson-1-2", path__startswith=course.path)
    client.get(lesson.url)
    lesson.body = [("paragraph", "<p>Draft only.</p>")]
    lesson.save_revision()  # saved, not published
    assert b"Draft only." not in client.get(lesson.url).content
