from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from quizzes.interchange.bank import MAX_UPLOAD_BYTES, BankError
from quizzes.interchange.services import bank_import, bank_plan, bank_read
from quizzes.models import Quiz


class Command(BaseCommand):
    help = (
        "Import a question bank (QTI 3.0 package or item, Moodle XML, GIFT) into a quiz: all items or none. "
        "--dry-run prints what would change."
    )

    def add_arguments(self, parser):
        parser.add_argument("quiz_id", type=int)
        parser.add_argument("path")
        parser.add_argument("--format", choices=["qti", "moodle", "gift"], required=True)
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, quiz_id, path, format, dry_run, **options):  # noqa: A002 - the option's name
        try:
            quiz = Quiz.objects.get(pk=quiz_id)
        except Quiz.DoesNotExist:
            raise CommandError(f"no quiz with id {quiz_id}")
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"{path}: no such file")
        if file.stat().st_size > MAX_UPLOAD_BYTES:
            raise CommandError(f"{path}: larger than the {MAX_UPLOAD_BYTES // 2**20} MiB limit; nothing imported")
        try:
            items = bank_read(data=file.read_bytes(), fmt=format, filename=file.name)
            changes = (bank_plan if dry_run else bank_import)(quiz=quiz, items=items)
        except BankError as exc:
            raise CommandError("refused, nothing imported:\n  " + "\n  ".join(exc.problems))
        for change in changes:
            detail = f" ({', '.join(change.fields)})" if change.fields else ""
            self.stdout.write(f"{change.action:9} {change.key}{detail}")
        counts = {a: sum(c.action == a for c in changes) for a in ("create", "update", "unchanged")}
        verb = "would change" if dry_run else "imported"
        self.stdout.write(
            f"{verb}: {counts['create']} new, {counts['update']} updated, {counts['unchanged']} unchanged"
        )
