from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField

from core.models import SitePage


class HomePage(SitePage):
    """The site root: a short welcome and the catalogue of live courses."""

    headline = models.CharField(max_length=200, default="Clinical training in treatment-resistant depression")
    intro = RichTextField(blank=True, features=["bold", "italic", "link"])

    content_panels = SitePage.content_panels + [FieldPanel("headline"), FieldPanel("intro")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["courses.CourseIndexPage"]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        from courses.selectors import course_catalogue

        context = super().get_context(request, *args, **kwargs)
        context["courses"] = course_catalogue()
        return context
