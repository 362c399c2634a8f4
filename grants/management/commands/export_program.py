"""manage.py export_program SHORT_NAME [-o FILE]: a program with topics and criteria as a JSON file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from grants.models import FundingProgram
from grants.transfer import export_json


class Command(BaseCommand):
    help = "Schreibt ein Förderprogramm (Geldregeln, Texte, Themenbereiche, Kriterien) als Programmdatei."

    def add_arguments(self, parser):
        parser.add_argument("short_name", help="Kurzname des Programms, z. B. SHH2")
        parser.add_argument("-o", "--output", help="Datei (ohne Angabe: Standardausgabe)")

    def handle(self, *args, short_name, output=None, **options):
        program = FundingProgram.objects.filter(short_name=short_name).first()
        if program is None:
            raise CommandError(f"Kein Programm mit dem Kurznamen „{short_name}“.")
        text = export_json(program)
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stdout.write(f"Programm {short_name} geschrieben: {output}")
        else:
            self.stdout.write(text, ending="")
