from django.urls import path

from . import views

urlpatterns = [
    path("<int:quiz_id>/", views.quiz_detail, name="quiz_detail"),
    path("<int:quiz_id>/start/", views.attempt_start_view, name="attempt_start"),
    path("<int:quiz_id>/preview/", views.quiz_preview, name="quiz_preview"),
    path("attempts/<int:attempt_id>/", views.attempt_detail, name="attempt_detail"),
    path("attempts/<int:attempt_id>/answer/", views.answer_save_view, name="attempt_answer"),
    path("attempts/<int:attempt_id>/submit/", views.attempt_submit_view, name="attempt_submit"),
    path("attempts/<int:attempt_id>/result/", views.attempt_result, name="attempt_result"),
]
