from django.core.management.base import BaseCommand

from accreditation.services import accrediting_bodies_ensure


class Command(BaseCommand):
    help = "Create the standard accrediting bodies that are missing (idempotent; never edits existing ones)."

    def handle(self, *args, **options):
        bodies = accrediting_bodies_ensure()
        self.stdout.write(f"{len(bodies)} accrediting bodies present.")
