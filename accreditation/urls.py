from django.urls import path

from . import views

urlpatterns = [
    path("learning/credit/<id:course_id>/claim/", views.claim, name="credit_claim"),
    path("learning/credit/transcript/", views.transcript_view, name="credit_transcript"),
    path("learning/credit/transcript.csv", views.transcript_csv, name="credit_transcript_csv"),
    path("learning/credit/transcript.pdf", views.transcript_pdf, name="credit_transcript_pdf"),
]
