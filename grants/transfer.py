"""A funding program as a file: exported from one installation, imported into another.

Another Land (OZG-Verbund Mitte: Hessen, Rheinland-Pfalz, Saarland) runs its own program on this
software with its own texts and money rules: it exports a program here, edits the file (name, rates,
range, case-number template, legal basis, texts, topics, criteria) and imports it there. What belongs
to the installation — the Land's name, letterhead, paying account and courts — is configuration
(settings.LETTERHEAD, PAYMENTS_DEBTOR_*), not part of the file.

The file is JSON: {"format": FORMAT, "version": VERSION, "program": {...}, "topics": [...],
"criteria": [...]}; amounts and rates are decimal strings, dates ISO 8601.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from audit.services import record

from .exceptions import GrantsError
from .models import Criterion, FundingProgram, Topic

FORMAT = "shh-foerderprogramm"
VERSION = 1
MAX_BYTES = 1_000_000

PROGRAM_FIELDS = [f.name for f in FundingProgram._meta.concrete_fields if f.name != "id"]
TOPIC_FIELDS = ["number", "name", "description"]
CRITERION_FIELDS = ["order", "name", "description", "scale_max", "step", "weight", "threshold"]


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def export_program(program: FundingProgram) -> dict:
    return {
        "format": FORMAT,
        "version": VERSION,
        "program": {name: _plain(getattr(program, name)) for name in PROGRAM_FIELDS},
        "topics": [{name: _plain(getattr(t, name)) for name in TOPIC_FIELDS}
                   for t in program.topics.order_by("number")],
        "criteria": [{name: _plain(getattr(c, name)) for name in CRITERION_FIELDS}
                     for c in program.criteria.order_by("order", "pk")],
    }


def export_json(program: FundingProgram) -> str:
    return json.dumps(export_program(program), ensure_ascii=False, indent=2) + "\n"


def parse_file(raw: bytes) -> dict:
    """The file's JSON, or a GrantsError saying what is wrong with it."""
    if len(raw) > MAX_BYTES:
        raise GrantsError(_("Die Datei ist zu groß für eine Programmdatei (höchstens 1 MB)."))
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise GrantsError(_("Die Datei ist keine Programmdatei (kein gültiges JSON in UTF-8).")) from None
    return data


def _values(model, fields: list[str], given, where: str) -> dict:
    if not isinstance(given, dict):
        raise GrantsError(_("%(where)s: Erwartet wird ein Objekt mit Feldern.") % {"where": where})
    unknown = sorted(set(given) - set(fields))
    if unknown:
        raise GrantsError(_("%(where)s: Unbekannte Felder: %(fields)s.") % {"where": where,
                                                                            "fields": ", ".join(unknown)})
    values = {}
    for name in fields:
        if name not in given:
            continue
        field = model._meta.get_field(name)
        value = given[name]
        try:
            if value is not None and isinstance(field, models.DecimalField):
                value = Decimal(str(value))
                if not value.is_finite():
                    raise InvalidOperation
            elif value is not None and isinstance(field, models.DateField):
                value = dt.date.fromisoformat(str(value))
            elif isinstance(value, (dict, list)) and not isinstance(field, models.JSONField):
                raise ValueError
        except (InvalidOperation, ValueError):
            raise GrantsError(_("%(where)s: Der Wert von „%(field)s“ ist ungültig.")
                              % {"where": where, "field": field.verbose_name}) from None
        values[name] = value
    return values


def _clean(obj, where: str, exclude=None):
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=True)
    except ValidationError as exc:
        messages = "; ".join(f"{obj._meta.get_field(k).verbose_name}: {' '.join(v)}" if k != "__all__"
                             else " ".join(v) for k, v in exc.message_dict.items())
        raise GrantsError(_("%(where)s: %(messages)s") % {"where": where, "messages": messages}) from None


def import_program(*, actor, data, short_name: str | None = None) -> FundingProgram:
    """Create a program with its topics and criteria from an exported file's content. All or nothing:
    a file with an error creates nothing and names what is wrong."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise GrantsError(_("Die Datei ist keine Programmdatei dieses Förderportals."))
    if data.get("version") != VERSION:
        raise GrantsError(_("Die Programmdatei hat die Fassung %(found)s; gelesen wird Fassung %(known)s.")
                          % {"found": data.get("version"), "known": VERSION})
    values = _values(FundingProgram, PROGRAM_FIELDS, data.get("program"), _("Programm"))
    if short_name:
        values["short_name"] = short_name
    topics, criteria = data.get("topics", []), data.get("criteria", [])
    if not isinstance(topics, list) or not isinstance(criteria, list):
        raise GrantsError(_("Themenbereiche und Kriterien müssen Listen sein."))
    with transaction.atomic():
        if FundingProgram.objects.filter(short_name=values.get("short_name")).exists():
            raise GrantsError(_("Ein Programm mit dem Kurznamen „%(name)s“ gibt es hier schon; geben Sie beim "
                                "Einlesen einen anderen Kurznamen an.") % {"name": values.get("short_name")})
        program = FundingProgram(**values)
        _clean(program, _("Programm"))
        try:
            program.save()
            for i, given in enumerate(topics, 1):
                topic = Topic(program=program, **_values(Topic, TOPIC_FIELDS, given,
                                                         _("Themenbereich %(n)s") % {"n": i}))
                _clean(topic, _("Themenbereich %(n)s") % {"n": i}, exclude=["program"])
                topic.save()
            for i, given in enumerate(criteria, 1):
                criterion = Criterion(program=program, **_values(Criterion, CRITERION_FIELDS, given,
                                                                 _("Kriterium %(n)s") % {"n": i}))
                _clean(criterion, _("Kriterium %(n)s") % {"n": i}, exclude=["program"])
                criterion.save()
        except IntegrityError:
            raise GrantsError(_("Die Programmdatei widerspricht sich (z. B. zwei Themenbereiche mit derselben "
                                "Nummer).")) from None
        record(actor=actor, action="program.imported", obj=program,
               data={"short_name": program.short_name, "topics": len(topics), "criteria": len(criteria)})
    return program
