"""The shared page base every page type on the site builds on."""

from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
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

    # The view that serves this page type, wired once at start-up by its
    # app's AppConfig.ready(): ``fn(request, page) -> dict | HttpResponse``.
    # A dict joins Wagtail's context and renders with the page's template; a
    # response (a redirect to enrol, say) is returned as it is. Page models
    # sit below the views that serve them, so models.py imports no views,
    # services or selectors and no import cycle forms.
    page_view = None

    class Meta:
        abstract = True

    def serve(self, request, *args, **kwargs):
        if self.page_view is None:
            return super().serve(request, *args, **kwargs)
        result = type(self).page_view(request, self)
        if isinstance(result, HttpResponseBase):
            return result
        context = self.get_context(request, *args, **kwargs)
        context.update(result)
        return TemplateResponse(request, self.get_template(request, *args, **kwargs), context)

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
