from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page, PageViewRestriction

from .caching import view_restrictions_exist


class SitePage(Page):
    """Base for every page type on the site.

    Serving a deep page with Wagtail's defaults costs two queries per tree
    level to route and two more to check view restrictions. Here a URL is
    resolved with one lookup on ``url_path`` (two queries with the specific
    row), and the restriction check is skipped while no page anywhere has a
    restriction (a cached flag, reset whenever restrictions change).
    """

    class Meta:
        abstract = True

    def route(self, request, path_components):
        if not path_components:
            return super().route(request, path_components)
        url_path = self.url_path + "/".join(path_components) + "/"
        page = Page.objects.live().filter(url_path=url_path).specific().first()
        if page is None:
            return super().route(request, path_components)
        return page.route(request, [])

    def get_view_restrictions(self):
        if not view_restrictions_exist():
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()


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
