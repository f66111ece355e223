from importlib import import_module

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from .models import LearnerProfile


def profile_save(*, user, form):
    """Save the validated profile form for ``user``."""
    profile = form.save(commit=False)
    profile.user = user
    profile.license_number = form.cleaned_data["license_number"]
    profile.save()
    return profile


def account_close(*, user, now=None):
    """Pseudonymise the account and stop it signing in. Certificates and CE
    records stay (a CE provider must keep them), and each certificate's own
    snapshot keeps its verification page working."""
    from allauth.account.models import EmailAddress

    now = now or timezone.now()
    with transaction.atomic():
        user.email = f"closed-{user.pk}@closed.invalid"
        user.first_name = user.last_name = ""
        user.is_active = False
        user.closed_at = now
        user.set_unusable_password()
        user.save()
        EmailAddress.objects.filter(user=user).delete()
        LearnerProfile.objects.filter(user=user).update(
            legal_name="Closed account", license_number="", license_jurisdiction=""
        )
    sign_out_everywhere(user=user, now=now)


def sign_out_everywhere(*, user, now) -> None:
    """End every live session of ``user``, in the cache as well as the
    database (deleting the row alone would leave the cached copy valid)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for session in Session.objects.filter(expire_date__gte=now).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            store(session_key=session.session_key).delete()
