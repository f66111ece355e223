from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = "Quizzes"

    def ready(self):
        from accounts.hooks import register_export_section

        from .selectors import export_quiz_attempts

        register_export_section("quiz_attempts", export_quiz_attempts)
