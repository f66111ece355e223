from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("courses/<id:course_id>/enrol/", views.enrol_view, name="course_enrol"),
    path("courses/<id:course_id>/evaluation/", views.evaluation_view, name="course_evaluation"),
    path("lessons/<id:lesson_id>/complete/", views.lesson_complete_view, name="lesson_complete"),
    path("sources/", views.bibliography_view, name="bibliography"),
    path("lessons/<id:lesson_id>/handouts/<slug:slug>.pdf", views.handout_pdf_view, name="lesson_handout_pdf"),
]
