from django.urls import path

from . import views

urlpatterns = [
    path("verify/", views.verify_form, name="certificate_verify_form"),
    path("verify/<str:code>/", views.verify, name="certificate_verify"),
    path("certificates/<str:code>/download/", views.download, name="certificate_download"),
    path("certificates/<str:code>/credential.json", views.credential_download, name="certificate_credential"),
    path("certificates/<str:code>/linkedin/", views.add_to_linkedin, name="certificate_linkedin"),
    path("certificates/status/<id:course_id>/", views.status, name="certificate_status"),
    path("learning/transcript/", views.transcript_view, name="transcript"),
]
