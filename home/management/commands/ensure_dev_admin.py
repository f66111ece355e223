import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create (or reset) the development admin account and print its credentials. DEBUG only."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("ensure_dev_admin only runs with DEBUG on; create real admins with createsuperuser.")
        from allauth.account.models import EmailAddress
        from django.contrib.auth import get_user_model

        from accounts.models import LearnerProfile

        email = os.environ.get("DEV_ADMIN_EMAIL", "admin@trd-certify.test")
        password = os.environ.get("DEV_ADMIN_PASSWORD", "trd-dev-admin-2026")
        user, created = get_user_model().objects.get_or_create(email=email, defaults={"is_staff": True})
        user.is_staff = user.is_superuser = user.is_active = True
        user.set_password(password)
        user.save()
        EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        LearnerProfile.objects.get_or_create(
            user=user, defaults={"legal_name": "Development Admin", "profession": "other"}
        )
        line = f"Development admin {'created' if created else 'ready'}: {email} / {password}  (http://127.0.0.1:8000/admin/)"
        # Kept in a file as well (README: var/dev-admin.txt), readable by this
        # user only: the worker's start-up output scrolls the line away.
        credentials = Path(settings.VAR_DIR) / "dev-admin.txt"
        credentials.parent.mkdir(parents=True, exist_ok=True)
        credentials.write_text(f"{email}\n{password}\n")
        credentials.chmod(0o600)
        self.stdout.write(self.style.SUCCESS(line))
