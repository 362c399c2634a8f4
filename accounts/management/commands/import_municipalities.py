"""manage.py import_municipalities PATH [--date YYYY-MM-DD] [--dry-run]

Reads the Destatis municipality directory (GV100AD) and brings the Landkreise, kreisfreie Städte,
Sonderstatusstädte and Gemeinden of the installation's Land (settings.LAND; Hessen by default) up to date.
See docs/municipalities.md.
"""

import argparse
import datetime as dt
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts.directory import DirectoryError, import_directory


def _iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("„%(value)s“ ist kein Datum im Format JJJJ-MM-TT.") % {"value": value}) from None


class Command(BaseCommand):
    @property
    def help(self):  # argparse needs a plain str, so translated when asked for
        return _("Liest das Gemeindeverzeichnis von Destatis (GV100AD) ein und legt die Kommunen in %(land)s "
                 "an bzw. aktualisiert sie. Nichts wird gelöscht; fehlende Kommunen werden deaktiviert.") % {
            "land": settings.LAND["name"]}

    def add_arguments(self, parser):
        parser.add_argument("path", help=_("Pfad zur Datei GV100AD_TTMMJJ.txt"))
        parser.add_argument("--date", type=_iso_date, default=None,
                            help=_("Gebietsstand (JJJJ-MM-TT), der statt des Gebietsstands aus der "
                                   "Datei gespeichert wird"))
        parser.add_argument("--dry-run", action="store_true",
                            help=_("nur prüfen und zählen, nichts speichern"))

    def handle(self, *args, path, date, dry_run, **options):
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            raise CommandError(_("Die Datei %(path)s kann nicht gelesen werden: %(error)s")
                               % {"path": path, "error": error.strerror or error}) from None
        try:
            result = import_directory(data=data, directory_date=date, dry_run=dry_run)
        except DirectoryError as error:
            raise CommandError(str(error)) from None
        summary = _("Gemeindeverzeichnis, Gebietsstand %(date)s: %(created)d neu, %(updated)d "
                    "geändert, %(unchanged)d unverändert, %(deactivated)d deaktiviert.") % {
            "date": result.directory_date.strftime("%d.%m.%Y"), "created": len(result.created),
            "updated": len(result.updated), "unchanged": len(result.unchanged),
            "deactivated": len(result.deactivated)}
        if dry_run:
            summary += " " + _("Probelauf: nichts wurde gespeichert.")
        if options["verbosity"] >= 1:
            self.stdout.write(summary)
        if options["verbosity"] >= 2:
            for label, keys in ((_("neu"), result.created), (_("geändert"), result.updated),
                                (_("deaktiviert"), result.deactivated)):
                if keys:
                    self.stdout.write(f"  {label}: {', '.join(keys)}")
