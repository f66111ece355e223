from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The ground floor: what every page and app shares. Imports nothing from the project's other apps."""

    name = "core"
    verbose_name = "Core"
