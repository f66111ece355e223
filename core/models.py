"""The shared page base every page type on the site builds on."""

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

    # The read that serves this page type, set once at start-up by its app's
    # AppConfig.ready(): ``fn(*, page, user) -> dict`` merged into the context.
    # Page models sit below the selectors that read them, so models.py never
    # imports selectors.py and the two cannot form a cycle.
    context_selector = None

    class Meta:
        abstract = True

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        if self.context_selector is not None:
            context.update(type(self).context_selector(page=self, user=request.user))
        return context

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
