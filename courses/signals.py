"""Invalidate cached course structures, sites, privacy flags and citations
whenever content that feeds them changes."""

from django.db.models.signals import post_delete, post_save
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

from core.caching import bump_content_version
from quizzes.models import Question, Quiz

from .models import Enrolment, LessonCompletion, Source
from .selectors import forget_progress
from .structure import course_path_of

for signal in (page_published, page_unpublished, page_slug_changed, post_page_move):
    signal.connect(bump_content_version, dispatch_uid=f"content-version-{signal}")
for model in (Page, Quiz, Question, Site, PageViewRestriction, Source):
    post_save.connect(bump_content_version, sender=model, dispatch_uid=f"content-version-save-{model.__name__}")
    post_delete.connect(bump_content_version, sender=model, dispatch_uid=f"content-version-delete-{model.__name__}")


# A learner's enrolment and completions, cached per course for the lesson page
# (selectors.progress_key), are forgotten whenever one of theirs changes.
def forget_progress_of_enrolment(sender, instance, **kwargs):
    course_path = _page_path(Enrolment.course, instance, instance.course_id)
    if course_path is not None:
        forget_progress(user_id=instance.user_id, course_path=course_path)


def forget_progress_of_completion(sender, instance, **kwargs):
    lesson_path = _page_path(LessonCompletion.lesson, instance, instance.lesson_id)
    if lesson_path is not None:
        forget_progress(user_id=instance.user_id, course_path=course_path_of(lesson_path))


def _page_path(descriptor, instance, page_id):
    """The related page's tree path, without a query when it is already loaded."""
    if descriptor.is_cached(instance):
        return getattr(instance, descriptor.field.name).path
    return Page.objects.filter(pk=page_id).values_list("path", flat=True).first()


for model, receiver in ((Enrolment, forget_progress_of_enrolment), (LessonCompletion, forget_progress_of_completion)):
    for signal in (post_save, post_delete):
        signal.connect(receiver, sender=model, dispatch_uid=f"forget-progress-{signal}-{model.__name__}")
