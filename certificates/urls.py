from django.urls import path

import core.parsing  # noqa: F401 - registers the <id:...> converter

from . import views

urlpatterns = [
    path("verify/", views.verify_form, name="certificate_verify_form"),
    path("verify/<str:code>/", views.verify, name="certificate_verify"),
    path("certificates/<str:code>/download/", views.download, name="certificate_download"),
    path("certificates/status/<id:course_id>/", views.status, name="certificate_status"),
    path("learning/transcript/", views.transcript_view, name="transcript"),
]
