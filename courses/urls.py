from django.urls import path

import core.parsing  # noqa: F401 - registers the <id:...> converter

from . import views

urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("courses/<id:course_id>/enrol/", views.enrol_view, name="course_enrol"),
    path("courses/<id:course_id>/evaluation/", views.evaluation_view, name="course_evaluation"),
    path("lessons/<id:lesson_id>/complete/", views.lesson_complete_view, name="lesson_complete"),
]
