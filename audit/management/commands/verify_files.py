"""``manage.py verify_files [--json]``: every stored file against the SHA-256 its row recorded.

Finds, across every installed app (discovered through the app registry, no domain app imported):

- **mismatches**: a row with a file field and a ``sha256`` field whose file's bytes hash to
  something else (a changed, truncated or swapped file);
- **missing**: such a row whose file is not in the storage (or the row names no file);
- **unreadable**: a file the storage cannot read right now (foundation.storage.StorageUnavailable);
- **orphans**: files in the storage that no row of any model with a file field references
  (left by a crash before the storage's rollback cleanup, or by a restore of media newer than
  the database); ``temporary`` lists the storage's ``.part`` files among them (a write that
  never finished — harmless, and removable once no process is writing).

Exit status 0 when everything matches, 1 otherwise (so a restore script or cron job can alert).
Nothing is changed or deleted: the operator decides (docs/operations.md, "Restore").
"""

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import models

HASH_FIELD = "sha256"
CHUNK = 1024 * 1024


@dataclass
class Report:
    checked: int = 0
    mismatches: list[dict] = field(default_factory=list)
    missing: list[dict] = field(default_factory=list)
    unreadable: list[dict] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    temporary: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.mismatches or self.missing or self.unreadable or self.orphans)


def file_fields(model) -> list[models.FileField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]


def hashed_field(model) -> models.FileField | None:
    """The file a model vouches for with its ``sha256``: its only file field, if it has one."""
    fields = file_fields(model)
    names = {f.name for f in model._meta.concrete_fields}
    return fields[0] if len(fields) == 1 and HASH_FIELD in names else None


def sha256_of(storage, name: str) -> str:
    digest = hashlib.sha256()
    with storage.open(name, "rb") as file:
        for chunk in iter(lambda: file.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def stored_names(storage) -> set[str]:
    """Every file in a storage, as the names rows hold ("applications/1/x.pdf")."""
    location = getattr(storage, "location", None)
    if location is not None:  # a file system: walk it directly
        names = set()
        for directory, _dirs, files in os.walk(location):
            for name in files:
                relative = os.path.relpath(os.path.join(directory, name), location)
                names.add(relative.replace(os.sep, "/"))
        return names
    names, pending = set(), [""]
    while pending:  # any other storage (S3): its own listing
        prefix = pending.pop()
        directories, files = storage.listdir(prefix)
        names.update(f"{prefix}{name}" for name in files)
        pending.extend(f"{prefix}{name}/" for name in directories)
    return names


def verify() -> Report:
    from foundation.storage import StorageUnavailable, is_temporary

    report = Report()
    referenced: dict[int, set[str]] = {}  # id(storage) → names rows reference
    storages = {}
    for model in apps.get_models():
        for file_field in file_fields(model):
            storages[id(file_field.storage)] = file_field.storage
            names = referenced.setdefault(id(file_field.storage), set())
            names.update(model._default_manager.exclude(**{file_field.attname: ""})
                         .values_list(file_field.attname, flat=True).iterator())
        checked = hashed_field(model)
        if checked is None:
            continue
        label = model._meta.label
        rows = model._default_manager.order_by("pk").values_list("pk", checked.attname, HASH_FIELD)
        for pk, name, expected in rows.iterator():
            report.checked += 1
            entry = {"model": label, "pk": pk, "file": name}
            if not name:
                report.missing.append(entry)
                continue
            try:
                actual = sha256_of(checked.storage, name)
            except FileNotFoundError:
                report.missing.append(entry)
                continue
            except StorageUnavailable as exc:
                report.unreadable.append({**entry, "error": str(exc)})
                continue
            if actual != expected:
                report.mismatches.append({**entry, "expected": expected, "actual": actual})
    for key, storage in storages.items():
        orphans = sorted(stored_names(storage) - referenced[key])
        report.orphans.extend(orphans)
        report.temporary.extend(name for name in orphans if is_temporary(name))
    return report


class Command(BaseCommand):
    help = ("Prüft jede gespeicherte Datei gegen ihre SHA-256-Prüfsumme und listet Abweichungen, fehlende "
            "und verwaiste Dateien. Ändert nichts; Rückgabewert 1, wenn etwas nicht stimmt.")

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Ergebnis als JSON ausgeben.")

    def handle(self, *args, **options):
        report = verify()
        if options["json"]:
            self.stdout.write(json.dumps({"ok": report.ok, **asdict(report)}, indent=2, ensure_ascii=False))
        else:
            self._write_text(report)
        if not report.ok:
            raise CommandError(
                f"{len(report.mismatches)} abweichend, {len(report.missing)} fehlend, "
                f"{len(report.unreadable)} nicht lesbar, {len(report.orphans)} verwaist.", returncode=1)

    def _write_text(self, report: Report) -> None:
        out = self.stdout.write
        out(f"{report.checked} Dateien mit Prüfsumme geprüft.")
        for item in report.mismatches:
            out(f"ABWEICHUNG {item['model']} #{item['pk']} {item['file']}: "
                f"erwartet {item['expected']}, gefunden {item['actual']}")
        for item in report.missing:
            out(f"FEHLT {item['model']} #{item['pk']} {item['file'] or '(kein Dateiname)'}")
        for item in report.unreadable:
            out(f"NICHT LESBAR {item['model']} #{item['pk']} {item['file']}: {item['error']}")
        temporary = set(report.temporary)
        for name in report.orphans:
            out(f"VERWAIST {name}" + (" (abgebrochener Schreibvorgang)" if name in temporary else ""))
        if report.ok:
            out(self.style.SUCCESS("Alle Dateien stimmen mit ihren Prüfsummen überein; keine verwaisten Dateien."))
