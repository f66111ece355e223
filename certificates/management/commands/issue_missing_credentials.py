from django.core.management.base import BaseCommand

from certificates.services import certificate_credentials_backfill


class Command(BaseCommand):
    help = "Sign the Open Badges credential of every issued certificate that has none yet (safe to re-run)."

    def handle(self, *args, **options):
        count = certificate_credentials_backfill()
        self.stdout.write(f"Issued {count} credential(s).")
