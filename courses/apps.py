from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = "Courses"

    def ready(self):
        from accounts.hooks import register_export_section
        from quizzes.hooks import register_host

        from . import models, selectors, signals  # noqa: F401
        from .quiz_host import CourseQuizHost

        # Each page type is served by its selector (see SitePage.context_selector).
        models.CourseIndexPage.context_selector = staticmethod(selectors.course_index_page_context)
        models.CoursePage.context_selector = staticmethod(selectors.course_page_context)
        models.ModulePage.context_selector = staticmethod(selectors.module_page_context)
        models.LessonPage.context_selector = staticmethod(selectors.lesson_page_context)
        register_host(CourseQuizHost())
        register_export_section("enrolments", selectors.export_enrolments)
        register_export_section("lessons_completed", selectors.export_lessons_completed)
        register_export_section("evaluations", selectors.export_evaluations)
        register_export_section("course_completions", selectors.export_course_completions)
