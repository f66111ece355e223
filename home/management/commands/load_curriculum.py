from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from courses.curriculum_schema import DEFAULT_ROOT, CurriculumError
from home.services import site_install_curriculum


class Command(BaseCommand):
    help = "Create or update the flagship course from courses/curriculum/ (safe to run repeatedly)."

    def add_arguments(self, parser):
        parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="Curriculum folder.")
        parser.add_argument("--force", action="store_true", help="Re-apply every item, even unchanged ones.")

    def handle(self, *args, root, force, **options):
        try:
            report = site_install_curriculum(root=root, force=force)
        except CurriculumError as exc:
            raise CommandError("The curriculum files have problems:\n  " + "\n  ".join(exc.problems)) from exc
        for line in report.lines:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"Curriculum loaded: {report.summary()}"))
