from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from quizzes.interchange.services import bank_export
from quizzes.models import Quiz


class Command(BaseCommand):
    help = "Write a quiz's question bank as a QTI 3.0 package, Moodle XML or GIFT."

    def add_arguments(self, parser):
        parser.add_argument("quiz_id", type=int)
        parser.add_argument("--format", choices=["qti", "moodle", "gift"], default="qti")
        parser.add_argument("--output", "-o", help="file to write (default: quiz-<id>-bank.<ext> here)")

    def handle(self, *args, quiz_id, format, output, **options):  # noqa: A002 - the option's name
        try:
            quiz = Quiz.objects.get(pk=quiz_id)
        except Quiz.DoesNotExist:
            raise CommandError(f"no quiz with id {quiz_id}")
        data, filename, _ = bank_export(quiz=quiz, fmt=format)
        path = Path(output or filename)
        path.write_bytes(data)
        self.stdout.write(f"wrote {path} ({len(data):,} bytes, {quiz.questions.count()} items of {quiz.title!r})")
