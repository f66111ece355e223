"""Invalidate cached course structures, sites, privacy flags and citations
whenever content that feeds them changes."""

from django.db.models.signals import post_delete, post_save
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

from core.caching import bump_content_version
from quizzes.models import Question, Quiz

from .models import Source

for signal in (page_published, page_unpublished, page_slug_changed, post_page_move):
    signal.connect(bump_content_version, dispatch_uid=f"content-version-{signal}")
for model in (Page, Quiz, Question, Site, PageViewRestriction, Source):
    post_save.connect(bump_content_version, sender=model, dispatch_uid=f"content-version-save-{model.__name__}")
    post_delete.connect(bump_content_version, sender=model, dispatch_uid=f"content-version-delete-{model.__name__}")
