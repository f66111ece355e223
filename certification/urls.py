from django.urls import path

from . import views

urlpatterns = [
    path("registry/", views.registry_view, name="certification_registry"),
    path("attest/<str:token>/", views.attest_view, name="certification_attest"),
    path("verify/<str:code>/", views.verify_view, name="certification_verify"),
    path("awards/<str:code>/download/", views.download_view, name="certification_download"),
    path("awards/<str:code>/credential.json", views.credential_view, name="certification_credential"),
    path("programs/<slug:slug>/", views.program_view, name="certification_program"),
    path("programs/<slug:slug>/enrol/", views.enrol_view, name="certification_enrol"),
    path("programs/<slug:slug>/conduct/", views.conduct_view, name="certification_conduct"),
    path("programs/<slug:slug>/log/", views.log_view, name="certification_log"),
    path("programs/<slug:slug>/supervisor/", views.supervisor_view, name="certification_supervisor"),
    path("programs/<slug:slug>/capstone/", views.capstone_view, name="certification_capstone"),
    path("programs/<slug:slug>/ce-uploads/", views.ce_upload_view, name="certification_ce_upload"),
    path("ce-uploads/<int:pk>/download/", views.ce_download_view, name="certification_ce_download"),
    path("programs/<slug:slug>/renew/", views.renew_view, name="certification_renew"),
    path("programs/<slug:slug>/registry/", views.registry_choice_view, name="certification_registry_choice"),
]
