"""CSV and XLSX exports of grants, payments and recoveries for the ministry.

CSV is made for Excel in a German locale: semicolon-separated, UTF-8 with BOM, decimal comma
(``1234,56``, no thousands separator), dates ``dd.mm.yyyy``; it is streamed row by row.
XLSX keeps amounts as numbers with a euro number format and dates as dates.
Text that a spreadsheet would run as a formula (starting with = + - @, tab or carriage return)
is prefixed with an apostrophe in both formats.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from foundation.amounts import to_money
from grants.models import Call

from .selectors import dashboard as selectors

TEXT, MONEY, DATE, INT = "text", "money", "date", "int"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
EURO_FORMAT = '#,##0.00 "€"'
DATE_FORMAT = "DD.MM.YYYY"
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Column:
    header: str
    kind: str
    value: Callable


@dataclass(frozen=True)
class Export:
    kind: str
    sheet: str
    columns: tuple[Column, ...]
    rows: Callable[[QuerySet[Call]], QuerySet]

    def headers(self) -> list[str]:
        return [str(c.header) for c in self.columns]


def _topic(g) -> str:
    return f"{g.topic_number} {g.topic_name}" if g.topic_number is not None else ""


EXPORTS = {
    "grants": Export("grants", "Zuwendungen", (
        Column(_("Aktenzeichen"), TEXT, lambda g: g.application.case_number),
        Column(_("Kommune"), TEXT, lambda g: g.application.lead.name),
        Column(_("Landkreis"), TEXT, lambda g: g.landkreis_name),
        Column(_("Titel"), TEXT, lambda g: g.application.title),
        Column(_("Themenbereich"), TEXT, _topic),
        Column(_("Status"), TEXT, lambda g: g.get_state_display()),
        Column(_("Zuwendungsfähige Ausgaben"), MONEY, lambda g: g.eligible_costs),
        Column(_("Höchstbetrag"), MONEY, lambda g: g.amount),
        Column(_("Abgerufen"), MONEY, lambda g: g.requested_amount),
        Column(_("Ausgezahlt"), MONEY, lambda g: g.paid_sum),
        Column(_("Endgültige Zuwendung"), MONEY, lambda g: g.final_amount),
        Column(_("Zurückgezahlt"), MONEY, lambda g: g.recovered_sum),
    ), selectors.grants_for_export),
    "payments": Export("payments", "Auszahlungen", (
        Column(_("Datum"), DATE, lambda d: d.paid_on),
        Column(_("Aktenzeichen"), TEXT, lambda d: d.grant.application.case_number),
        Column(_("Kommune"), TEXT, lambda d: d.grant.application.lead.name),
        Column(_("Art"), TEXT, lambda d: d.get_kind_display()),
        Column(_("Betrag"), MONEY, lambda d: d.amount),
        Column(_("EndToEndId"), TEXT, lambda d: d.end_to_end_id),
        Column(_("Zahlungslauf"), INT, lambda d: d.payment_run.number if d.payment_run_id else None),
    ), selectors.payments_for_export),
    "recoveries": Export("recoveries", "Rückforderungen", (
        Column(_("Aktenzeichen"), TEXT, lambda r: r.grant.application.case_number),
        Column(_("Erstattungsbetrag"), MONEY, lambda r: r.principal),
        Column(_("Gezahlte Zinsen"), MONEY, lambda r: r.paid_interest),
        Column(_("Gezahlter Erstattungsbetrag"), MONEY, lambda r: r.paid_principal),
        Column(_("Offen"), MONEY, lambda r: r.outstanding),
        Column(_("Status"), TEXT, lambda r: r.get_state_display()),
        Column(_("Zahlungsfrist"), DATE, lambda r: r.due_on),
    ), selectors.recoveries_for_export),
}


def guard(text) -> str:
    """Text a spreadsheet must never run as a formula gets a leading apostrophe."""
    text = "" if text is None else str(text)
    return "'" + text if text.startswith(FORMULA_START) else text


def german_amount(value) -> str:
    """1234.5 → "1234,50" (Excel in German reads this as a number)."""
    if value is None:
        return ""
    return f"{to_money(value):.2f}".replace(".", ",")


def _csv_cell(kind: str, value) -> str:
    if value is None:
        return ""
    if kind == MONEY:
        return german_amount(value)
    if kind == DATE:
        return value.strftime("%d.%m.%Y")
    if kind == INT:
        return str(int(value))
    return guard(value)


class _Echo:
    def write(self, value):
        return value


def csv_rows(export: Export, calls: QuerySet[Call]) -> Iterator[str]:
    """The CSV, one line at a time (for StreamingHttpResponse); the first line starts with the BOM."""
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    yield "\ufeff" + writer.writerow([guard(h) for h in export.headers()])
    for obj in export.rows(calls).iterator(chunk_size=500):
        yield writer.writerow([_csv_cell(c.kind, c.value(obj)) for c in export.columns])


def xlsx_bytes(export: Export, calls: QuerySet[Call]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(export.sheet)
    bold = Font(bold=True)

    def cell(value, *, number_format=None, font=None):
        c = WriteOnlyCell(sheet, value=value)
        if number_format:
            c.number_format = number_format
        if font:
            c.font = font
        return c

    sheet.append([cell(guard(h), font=bold) for h in export.headers()])
    for obj in export.rows(calls).iterator(chunk_size=500):
        row = []
        for column in export.columns:
            value = column.value(obj)
            if value is None:
                row.append(cell(None))
            elif column.kind == MONEY:
                row.append(cell(Decimal(value), number_format=EURO_FORMAT))
            elif column.kind == DATE:
                row.append(cell(value if isinstance(value, dt.date) else None, number_format=DATE_FORMAT))
            elif column.kind == INT:
                row.append(cell(int(value)))
            else:
                row.append(cell(guard(value)))
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def filename(kind: str, fmt: str, *, suffix: str = "") -> str:
    names = {"grants": "zuwendungen", "payments": "auszahlungen", "recoveries": "rueckforderungen"}
    return f"{names[kind]}{suffix}.{fmt}"


def response(kind: str, fmt: str, calls: QuerySet[Call], *, suffix: str = ""):
    """The download as an HTTP response: CSV streamed, XLSX built in memory."""
    from django.http import HttpResponse, StreamingHttpResponse

    export = EXPORTS[kind]
    if fmt == "csv":
        resp = StreamingHttpResponse(csv_rows(export, calls), content_type=CONTENT_TYPES["csv"])
    else:
        resp = HttpResponse(xlsx_bytes(export, calls), content_type=CONTENT_TYPES["xlsx"])
    resp["Content-Disposition"] = f'attachment; filename="{filename(kind, fmt, suffix=suffix)}"'
    resp["Cache-Control"] = "private, no-store"
    resp["X-Content-Type-Options"] = "nosniff"
    return resp

