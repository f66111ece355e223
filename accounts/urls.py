from django.urls import path

from . import views

urlpatterns = [
    path("profile/", views.profile_view, name="profile"),
    path("export/", views.data_export_view, name="data_export"),
    path("close/", views.close_account_view, name="account_close"),
]
