from django.urls import path

from . import views

urlpatterns = [
    path(".well-known/did.json", views.did_json, name="credential_did"),
    path("credentials/status/<id:pk>/", views.status_list, name="credential_status_list"),
    path("credentials/verify/", views.verify_file, name="credential_verify_file"),
    path("credentials/<uuid:uuid>.json", views.credential_json, name="credential_json"),
]
