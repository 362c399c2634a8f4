"""manage.py import_program FILE [--short-name NAME]: create a program from a program file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from grants.exceptions import GrantsError
from grants.transfer import import_program, parse_file


class Command(BaseCommand):
    help = "Legt ein Förderprogramm aus einer Programmdatei an (alles oder nichts)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--short-name", help="anderer Kurzname als in der Datei")

    def handle(self, *args, file, short_name=None, **options):
        try:
            raw = Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"Die Datei kann nicht gelesen werden: {exc}") from None
        try:
            program = import_program(actor=None, data=parse_file(raw), short_name=short_name)
        except GrantsError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"Programm {program.short_name} angelegt (Nr. {program.pk}): "
                          f"{program.topics.count()} Themenbereiche, {program.criteria.count()} Kriterien.")
