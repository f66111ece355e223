from django.urls import path

from . import views

urlpatterns = [
    path("<id:quiz_id>/", views.quiz_detail, name="quiz_detail"),
    path("<id:quiz_id>/start/", views.attempt_start_view, name="attempt_start"),
    path("<id:quiz_id>/preview/", views.quiz_preview, name="quiz_preview"),
    path("attempts/<id:attempt_id>/", views.attempt_detail, name="attempt_detail"),
    path("attempts/<id:attempt_id>/answer/", views.answer_save_view, name="attempt_answer"),
    path("attempts/<id:attempt_id>/submit/", views.attempt_submit_view, name="attempt_submit"),
    path("attempts/<id:attempt_id>/result/", views.attempt_result, name="attempt_result"),
]
