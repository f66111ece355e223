from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = "Courses"

    def ready(self):
        from accounts.hooks import register_export_section
        from quizzes.hooks import register_host

        from . import models, selectors, signals, views  # noqa: F401
        from .quiz_host import CourseQuizHost

        # Each page type is served by its view (see SitePage.page_view).
        models.CourseIndexPage.page_view = staticmethod(views.course_index_page_view)
        models.CoursePage.page_view = staticmethod(views.course_page_view)
        models.ModulePage.page_view = staticmethod(views.module_page_view)
        models.LessonPage.page_view = staticmethod(views.lesson_page_view)
        register_host(CourseQuizHost())
        register_export_section("enrolments", selectors.export_enrolments)
        register_export_section("lessons_completed", selectors.export_lessons_completed)
        register_export_section("evaluations", selectors.export_evaluations)
        register_export_section("course_completions", selectors.export_course_completions)
