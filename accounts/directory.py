"""The official municipality directory of Destatis (Gemeindeverzeichnis, file GV100AD).

GV100AD_DDMMYY.txt is a fixed-width text file, one record per line, ISO-8859-1 encoded (UTF-8 is
accepted too). Positions are 1-based and inclusive:

| pos.    | field                                                                         |
| ------- | ----------------------------------------------------------------------------- |
| 1-2     | Satzart: 10 Land, 20 Regierungsbezirk, 30 Region (only Baden-Württemberg),     |
|         | 40 Kreis, 50 Gemeindeverband, 60 Gemeinde                                      |
| 3-10    | Gebietsstand, YYYYMMDD (the same on every line)                                |
| 11-12   | Land                                                                          |
| 13      | Regierungsbezirk (Satzart 20 and below)                                        |
| 14      | Region (Satzart 30 only)                                                       |
| 14-15   | Kreis (Satzart 40 and below)                                                   |
| 16-18   | Gemeinde (Satzart 60); so 11-18 is the 8-digit AGS                             |
| 19-22   | Gemeindeverband (Satzart 50 and 60)                                            |
| 23-72   | Name                                                                          |
| 73-122  | Sitz der Verwaltung (Satzart 10-50)                                            |
| 123-124 | Textkennzeichen (Satzart 40, 50, 60; see KREIS_TEXT_CODES, GEMEINDE_TEXT_CODES) |
| 125-    | Satzart 60 only: area, population, postcode, court and tax districts (unused)  |

Note the order in 11-22: the Gemeinde (16-18) comes *before* the Gemeindeverband (19-22), so
the 12-digit Amtlicher Regionalschlüssel (ARS, LL R KK VVVV GGG) is 11-15 + 19-22 + 16-18.
This was checked against two independent open-source GV100AD readers and their sample records
(e.g. Saarbrücken: positions 11-22 "100411000100" → AGS 10041100, ARS 100410100100). In Hessen
the Verband part of a kreisangehörige Gemeinde is "0" + its Gemeinde number (Bad Homburg
v. d. Höhe: AGS 06434001, ARS 064340001001) and 0000 for a kreisfreie Stadt.

parse_directory() reads and checks every line and returns the records of one Land (settings.LAND);
municipality_entries() turns them into what this application keeps (Landkreise, kreisfreie
Städte, Sonderstatusstädte, Gemeinden); import_directory() writes them in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from .enums import MunicipalityKind
from .keys import validate_official_key
from .models import Municipality

LINE_WIDTH = 124  # up to and including the Textkennzeichen; shorter lines are padded with blanks

RECORD_TYPES = {
    "10": "Land",
    "20": "Regierungsbezirk",
    "30": "Region",
    "40": "Kreis",
    "50": "Gemeindeverband",
    "60": "Gemeinde",
}
# Textkennzeichen of a Kreis (Satzart 40).
KREIS_TEXT_CODES = {
    "41": "Kreisfreie Stadt",
    "42": "Stadtkreis",
    "43": "Kreis",
    "44": "Landkreis",
    "45": "Regionalverband",
}
# Textkennzeichen of a Gemeinde (Satzart 60).
GEMEINDE_TEXT_CODES = {
    "60": "Markt",
    "61": "Kreisfreie Stadt",
    "62": "Stadtkreis",
    "63": "Stadt",
    "64": "Kreisangehörige Gemeinde",
    "65": "Gemeindefreies Gebiet, bewohnt",
    "66": "Gemeindefreies Gebiet, unbewohnt",
    "67": "Große Kreisstadt",
}
LANDKREIS_CODES = {"43": "Kreis", "44": "Landkreis"}
KREISFREIE_STADT_CODE = "61"
# Gemeindefreie Gebiete (in Hessen the Gutsbezirke, e.g. Reinhardswald) are no municipality:
# nobody there can apply for funding, so they are not imported.
UNINCORPORATED_CODES = {"65", "66"}

# Hessen's Sonderstatusstädte (their keys are Hessen's, 06…; other Länder have no such kind): kreisangehörige
# Städte with more than 50,000 inhabitants that do many of their Landkreis's tasks themselves, named by law
# in § 4a Abs. 2 Hessische Gemeindeordnung (HGO). The GV100AD does not mark them (they are plain "Stadt", code 63), so
# this list decides. Keep it in step with the HGO. A city that becomes kreisfrei gets a new key
# ending in 000 and code 61, and the directory's kind wins: Hanau left the Main-Kinzig-Kreis on
# 1 January 2026 (new key 06415000); its old key here then no longer appears in the directory.
SONDERSTATUSSTAEDTE = {
    "06434001": "Bad Homburg v. d. Höhe",
    "06631009": "Fulda",
    "06531005": "Gießen",
    "06435014": "Hanau",
    "06534014": "Marburg",
    "06433012": "Rüsselsheim am Main",
    "06532023": "Wetzlar",
}

# Where each record type keeps its key in positions 11-22: (digits, blanks) as a pattern of
# "d" (digit) and " " (blank), position 11 first.
_KEY_PATTERNS = {
    "10": "dd" + " " * 10,
    "20": "ddd" + " " * 9,
    "30": "dddd" + " " * 8,
    "40": "ddddd" + " " * 7,
    "50": "ddddd" + "   " + "dddd",
    "60": "dddddddd" + "dddd",
}
MAX_REPORTED_PROBLEMS = 20


class DirectoryError(Exception):
    """The directory file cannot be imported; nothing was changed.

    `problems` holds (line number, message) pairs; line number 0 means the file as a whole.
    """

    def __init__(self, problems: list[tuple[int, str]]):
        self.problems = sorted(problems)
        super().__init__(str(self))

    @property
    def line_numbers(self) -> list[int]:
        return sorted({line_no for line_no, _message in self.problems if line_no})

    def __str__(self) -> str:
        lines = [_("Das Gemeindeverzeichnis kann nicht eingelesen werden; "
                   "es wurde nichts geändert.")]
        for line_no, message in self.problems[:MAX_REPORTED_PROBLEMS]:
            lines.append(_("Zeile %(line)d: %(message)s") % {"line": line_no, "message": message}
                         if line_no else message)
        if len(self.problems) > MAX_REPORTED_PROBLEMS:
            lines.append(_("… und %(count)d weitere Fehler.")
                         % {"count": len(self.problems) - MAX_REPORTED_PROBLEMS})
        return "\n".join(lines)


class _LineError(ValueError):
    pass


@dataclass(frozen=True)
class DirectoryRecord:
    """One line of the directory."""

    line_no: int
    record_type: str  # "10" … "60"
    as_of: dt.date  # Gebietsstand
    key: str  # positions 11-22 as they stand, blanks removed
    name: str
    seat: str  # Sitz der Verwaltung
    text_code: str  # Textkennzeichen, "" where the record type has none

    @property
    def land(self) -> str:
        return self.key[:2]

    @property
    def kreis_key(self) -> str:
        """LL R KK, for Satzart 40, 50 and 60."""
        return self.key[:5]

    @property
    def ags(self) -> str:
        """Amtlicher Gemeindeschlüssel LL R KK GGG (Satzart 60)."""
        return self.key[:8]

    @property
    def verband(self) -> str:
        """Gemeindeverband, 4 digits (Satzart 50 and 60)."""
        return self.key[8:12] if self.record_type == "60" else self.key[5:9]

    @property
    def ars(self) -> str:
        """Amtlicher Regionalschlüssel: 12 digits LL R KK VVVV GGG for a Gemeinde, shorter above."""
        if self.record_type == "60":
            return self.kreis_key + self.verband + self.key[5:8]
        return self.key


def decode(data: bytes) -> str:
    """The text of a directory file: UTF-8 if it is valid UTF-8, otherwise ISO-8859-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def parse_line(line: str, line_no: int) -> DirectoryRecord:
    """Read one record; raises DirectoryError naming the line if it is malformed."""
    try:
        return _parse_line(line, line_no)
    except _LineError as error:
        raise DirectoryError([(line_no, str(error))]) from None


def _parse_line(line: str, line_no: int) -> DirectoryRecord:
    text = line.rstrip("\r\n").ljust(LINE_WIDTH)
    record_type = text[0:2]
    if record_type not in RECORD_TYPES:
        raise _LineError(_("Unbekannte Satzart „%(value)s“ in Spalte 1–2 (erwartet: 10, 20, 30, "
                           "40, 50 oder 60).") % {"value": record_type.strip()})
    try:
        as_of = dt.datetime.strptime(text[2:10], "%Y%m%d").date()
    except ValueError:
        raise _LineError(_("Ungültiger Gebietsstand „%(value)s“ in Spalte 3–10 (erwartet: "
                           "JJJJMMTT).") % {"value": text[2:10].strip()}) from None
    key_field = text[10:22]
    pattern = _KEY_PATTERNS[record_type]
    if not all((char.isdigit() and char.isascii()) if kind == "d" else char == " "
               for char, kind in zip(key_field, pattern, strict=True)):
        raise _LineError(_("Der Schlüssel in Spalte 11–22 („%(value)s“) passt nicht zur Satzart "
                           "%(type)s (%(label)s).")
                         % {"value": key_field.rstrip(), "type": record_type,
                            "label": RECORD_TYPES[record_type]})
    name = text[22:72].strip()
    if not name:
        raise _LineError(_("Der Name in Spalte 23–72 fehlt."))
    text_code = text[122:124].strip()
    allowed = {"40": KREIS_TEXT_CODES, "60": GEMEINDE_TEXT_CODES}.get(record_type)
    if allowed is not None and not text_code:
        raise _LineError(_("Das Textkennzeichen in Spalte 123–124 fehlt (Satzart %(type)s).")
                         % {"type": record_type})
    if allowed is not None and text_code not in allowed:
        raise _LineError(_("Ungültiges Textkennzeichen „%(value)s“ in Spalte 123–124 für Satzart "
                           "%(type)s (erlaubt: %(allowed)s).")
                         % {"value": text_code, "type": record_type,
                            "allowed": ", ".join(sorted(allowed))})
    return DirectoryRecord(line_no=line_no, record_type=record_type, as_of=as_of,
                           key=key_field.replace(" ", ""), name=name,
                           seat=text[72:122].strip(), text_code=text_code)


def parse_directory(data: bytes | str, *, land: str | None = None) -> list[DirectoryRecord]:
    """Check every line of a directory file and return the records of one Land (default: the installation's,
    ``settings.LAND``).

    Blank lines are skipped. Raises DirectoryError listing every malformed line.
    """
    text = decode(data) if isinstance(data, bytes) else data.removeprefix("\ufeff")
    land = land or settings.LAND["key"]
    problems: list[tuple[int, str]] = []
    records: list[DirectoryRecord] = []
    dates: dict[dt.date, int] = {}
    # split on "\n" only: str.splitlines() would also split on characters such as U+0085.
    for line_no, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = _parse_line(line, line_no)
        except _LineError as error:
            problems.append((line_no, str(error)))
            continue
        dates.setdefault(record.as_of, line_no)
        if record.land == land:
            records.append(record)
    if len(dates) > 1:
        first, *others = sorted(dates.items(), key=lambda item: item[1])
        for as_of, line_no in others:
            problems.append((line_no, _("Anderer Gebietsstand (%(date)s) als in Zeile %(first)d "
                                        "(%(first_date)s); eine Datei hat nur einen Gebietsstand.")
                             % {"date": as_of.strftime("%d.%m.%Y"), "first": first[1],
                                "first_date": first[0].strftime("%d.%m.%Y")}))
    if problems:
        raise DirectoryError(problems)
    return records


@dataclass(frozen=True)
class MunicipalityEntry:
    """What the directory says about one municipality kept by this application."""

    line_no: int
    official_key: str
    name: str
    kind: str
    regional_key: str
    landkreis_key: str | None


def landkreis_name(record: DirectoryRecord) -> str:
    """The directory names a Landkreis without its kind ("Kassel", "Gießen"), like the cities
    it shares the name with; keep the kind in front unless the name already says "…kreis"."""
    if record.name.lower().endswith("kreis"):
        return record.name
    return f"{LANDKREIS_CODES[record.text_code]} {record.name}"


def municipality_entries(records: Iterable[DirectoryRecord]) -> list[MunicipalityEntry]:
    """Landkreise first, then the cities and Gemeinden. Raises DirectoryError when the records
    do not fit together (a key twice, a Gemeinde without its Kreis, a key that is not valid)."""
    records = list(records)
    problems: list[tuple[int, str]] = []
    entries: list[MunicipalityEntry] = []
    seen: dict[str, int] = {}

    def add(entry: MunicipalityEntry) -> None:
        if entry.official_key in seen:
            problems.append((entry.line_no, _("Der Schlüssel %(key)s kommt schon in Zeile %(line)d "
                                              "vor.") % {"key": entry.official_key,
                                                          "line": seen[entry.official_key]}))
            return
        try:
            validate_official_key(entry.official_key, entry.kind)
        except ValidationError as error:
            problems.append((entry.line_no, " ".join(error.messages)))
            return
        seen[entry.official_key] = entry.line_no
        entries.append(entry)

    for record in records:
        if record.record_type == "40" and record.text_code in LANDKREIS_CODES:
            add(MunicipalityEntry(line_no=record.line_no, official_key=record.kreis_key,
                                  name=landkreis_name(record), kind=MunicipalityKind.LANDKREIS,
                                  regional_key=record.kreis_key, landkreis_key=None))
    landkreise = set(seen)
    for record in records:
        if record.record_type != "60" or record.text_code in UNINCORPORATED_CODES:
            continue
        if record.text_code == KREISFREIE_STADT_CODE:
            kind, landkreis_key = MunicipalityKind.KREISFREIE_STADT, None
        else:
            kind = (MunicipalityKind.SONDERSTATUSSTADT if record.ags in SONDERSTATUSSTAEDTE
                    else MunicipalityKind.GEMEINDE)
            landkreis_key = record.kreis_key
            if landkreis_key not in landkreise:
                problems.append((record.line_no, _("Der Landkreis %(key)s dieser Gemeinde fehlt in "
                                                   "der Datei (Satzart 40, Textkennzeichen 43 "
                                                   "oder 44).") % {"key": landkreis_key}))
                continue
        add(MunicipalityEntry(line_no=record.line_no, official_key=record.ags, name=record.name,
                              kind=kind, regional_key=record.ars, landkreis_key=landkreis_key))
    if not problems and not any(e.kind != MunicipalityKind.LANDKREIS for e in entries):
        problems.append((0, _("Die Datei enthält keine Gemeinden in %(land)s (Satzart 60 mit Landesschlüssel "
                              "%(key)s).") % {"land": settings.LAND["name"], "key": settings.LAND["key"]}))
    if problems:
        raise DirectoryError(problems)
    return entries


@dataclass
class ImportResult:
    directory_date: dt.date
    created: list[str] = field(default_factory=list)  # official keys
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)


def import_directory(*, data: bytes | str, directory_date: dt.date | None = None,
                     dry_run: bool = False) -> ImportResult:
    """Create or update Hessen's municipalities from a GV100AD file, in one transaction.

    Idempotent: the same file again changes nothing. Never deletes: a municipality missing from
    the directory (merged, or became kreisfrei under a new key) is set inactive. `directory_date`
    overrides the file's Gebietsstand. A directory older than the one already imported is refused,
    since it would bring back merged municipalities. Raises DirectoryError; then nothing changed.
    """
    records = parse_directory(data)
    entries = municipality_entries(records)
    as_of = directory_date or records[0].as_of
    result = ImportResult(directory_date=as_of)
    with transaction.atomic():
        rows = Municipality.objects.select_for_update().order_by("pk")
        existing = {m.official_key: m for m in rows}
        latest = Municipality.objects.aggregate(latest=Max("directory_date"))["latest"]
        if latest and as_of < latest:
            raise DirectoryError([(0, _(
                "Der Gebietsstand der Datei (%(date)s) ist älter als der bereits eingelesene "
                "(%(latest)s). Ein älteres Verzeichnis würde aufgelöste Gemeinden wieder "
                "aktivieren; bitte das aktuelle Verzeichnis verwenden.")
                % {"date": as_of.strftime("%d.%m.%Y"), "latest": latest.strftime("%d.%m.%Y")})])
        by_key: dict[str, Municipality] = {}
        for entry in entries:
            landkreis = by_key[entry.landkreis_key] if entry.landkreis_key else None
            values = {"name": entry.name, "kind": entry.kind, "regional_key": entry.regional_key,
                      "landkreis_id": landkreis.pk if landkreis else None, "active": True}
            municipality = existing.get(entry.official_key)
            if municipality is None:
                municipality = Municipality(official_key=entry.official_key, directory_date=as_of,
                                            **values)
                municipality.save()
                result.created.append(entry.official_key)
            else:
                changed = [name for name, value in values.items()
                           if getattr(municipality, name) != value]
                for name in changed:
                    setattr(municipality, name, values[name])
                if changed or municipality.directory_date != as_of:
                    # a row only confirmed by a newer directory counts as unchanged
                    municipality.directory_date = as_of
                    municipality.save(update_fields=[*changed, "directory_date"])
                (result.updated if changed else result.unchanged).append(entry.official_key)
            by_key[entry.official_key] = municipality
        for key, municipality in existing.items():
            if key not in by_key and municipality.active:
                municipality.active = False
                municipality.save(update_fields=["active"])
                result.deactivated.append(key)
        if dry_run:
            transaction.set_rollback(True)
    return result
