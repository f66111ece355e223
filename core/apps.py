from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The ground floor: what every page and app shares. Imports nothing from the project's other apps."""

    name = "core"
    verbose_name = "Core"

    def ready(self):
        # The <id:...> URL converter every object URL uses (ASCII digits within
        # 64 bits), registered before any URLconf is read.
        from . import parsing  # noqa: F401

        # Wagtail's report and listing CSV exports hold editor text (titles,
        # stems): neutralise formulas there as in the project's own CSV files.
        from .spreadsheets import neutralise_wagtail_csv_exports

        neutralise_wagtail_csv_exports()

        # The content version is read from the cache once per request, and
        # Wagtail's Site lookup goes through the cache when something asks for it.
        from django.core.signals import request_finished, request_started

        from .caching import end_request_memo, install_cached_site_lookup, start_request_memo

        install_cached_site_lookup()

        request_started.connect(start_request_memo, dispatch_uid="core.caching.start_request_memo")
        request_finished.connect(end_request_memo, dispatch_uid="core.caching.end_request_memo")
