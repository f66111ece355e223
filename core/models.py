"""The shared page base every page type on the site builds on."""

from django.contrib.contenttypes.models import ContentType
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
from wagtail.models import Page, PageViewRestriction

from .caching import cached, route_key, view_restrictions_exist


class SitePage(Page):
    """Base for every page type on the site.

    Serving a deep page with Wagtail's defaults costs two queries per tree
    level to route and two more to check view restrictions. Here a URL is
    resolved to the live page, as its specific type, from the cache (kept
    under the content version, which every publish, unpublish, move and
    delete bumps; one query on a miss); the restriction check is
    skipped while no page anywhere has a restriction (a cached flag, reset
    whenever restrictions change).
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
        page = live_page_at(url_path)
        if page is None:
            return super().route(request, path_components)
        return page.route(request, [])

    def get_view_restrictions(self):
        if not view_restrictions_exist():
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()


def live_page_at(url_path: str):
    """The live page at ``url_path`` as its specific type, or None, cached
    under the content version that every publish, unpublish, move or delete
    bumps (misses are not cached: the path is whatever a visitor typed).
    Pages hold no per-visitor data, so one cached copy serves everyone."""
    return cached(route_key(url_path), lambda: _load_live_page(url_path), keep_none=False)


def _load_live_page(url_path: str):
    found = Page.objects.live().filter(url_path=url_path).values_list("content_type_id", "pk").first()
    if found is None:
        return None
    model = ContentType.objects.get_for_id(found[0]).model_class()
    return model.objects.live().filter(pk=found[1]).first() if model else None
