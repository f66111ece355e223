from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = "Quizzes"

    def ready(self):
        # Wagtail's report and listing CSV exports hold editor text (titles):
        # neutralise formulas there as in the project's own CSV files.
        from core.spreadsheets import neutralise_wagtail_csv_exports

        neutralise_wagtail_csv_exports()
