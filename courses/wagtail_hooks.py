from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Source


class SourceViewSet(SnippetViewSet):
    model = Source
    icon = "doc-full"
    menu_label = "Bibliography"
    list_display = ["key", "short", "kind", "promotional"]
    list_filter = ["kind", "promotional"]
    search_fields = ["key", "short", "citation"]


register_snippet(SourceViewSet)
