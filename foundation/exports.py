"""The one CSV/XLSX writer. Every spreadsheet the project hands out goes through it.

CSV is made for Excel in a German locale: semicolon-separated, UTF-8 with BOM, CRLF, decimal comma
(``1234,56``, no thousands separator), dates ``dd.mm.yyyy``; it can be streamed row by row.
XLSX keeps amounts and numbers as numbers (euro or two-place format) and dates as dates.
Text that a spreadsheet would run as a formula (starting with = + - @, tab or carriage return)
is prefixed with an apostrophe in both formats (defect 11: it used to be guarded in one export only).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from .amounts import to_money
from .files import content_disposition

TEXT, MONEY, NUMBER, DATE, INT = "text", "money", "number", "date", "int"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
EURO_FORMAT = '#,##0.00 "€"'
NUMBER_FORMAT = "0.00"
DATE_FORMAT = "DD.MM.YYYY"
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Column:
    """One column: its header, its kind (TEXT, MONEY, NUMBER, DATE, INT) and how a row gives its value."""

    header: str
    kind: str
    value: Callable


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
    if value is None or value == "":
        return ""
    if kind in (MONEY, NUMBER):
        return german_amount(value)
    if kind == DATE:
        return value.strftime("%d.%m.%Y %H:%M" if isinstance(value, dt.datetime) else "%d.%m.%Y")
    if kind == INT:
        return str(int(value))
    return guard(value)


class _Echo:
    def write(self, value):
        return value


def csv_lines(columns: Iterable[Column], rows: Iterable) -> Iterator[str]:
    """The CSV, one line at a time (for StreamingHttpResponse); the first line starts with the BOM."""
    columns = tuple(columns)
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    yield "\ufeff" + writer.writerow([guard(c.header) for c in columns])
    for row in rows:
        yield writer.writerow([_csv_cell(c.kind, c.value(row)) for c in columns])


def csv_bytes(columns: Iterable[Column], rows: Iterable) -> bytes:
    return "".join(csv_lines(columns, rows)).encode("utf-8")


def xlsx_bytes(sheet_title: str, columns: Iterable[Column], rows: Iterable) -> bytes:
    from openpyxl import Workbook  # imported lazily: only exports need it
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    columns = tuple(columns)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_title)
    bold = Font(bold=True)

    def cell(value, *, number_format=None, font=None):
        c = WriteOnlyCell(sheet, value=value)
        if number_format:
            c.number_format = number_format
        if font:
            c.font = font
        return c

    sheet.append([cell(guard(c.header), font=bold) for c in columns])
    for obj in rows:
        row = []
        for column in columns:
            value = column.value(obj)
            if value is None or value == "":
                row.append(cell(None))
            elif column.kind == MONEY:
                row.append(cell(Decimal(value), number_format=EURO_FORMAT))
            elif column.kind == NUMBER:
                row.append(cell(Decimal(value), number_format=NUMBER_FORMAT))
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


def download(fmt: str, *, filename: str, columns: Iterable[Column], rows: Iterable, sheet: str = ""):
    """The download as an HTTP response: CSV streamed, XLSX built in memory."""
    from django.http import HttpResponse, StreamingHttpResponse

    if fmt == "csv":
        response = StreamingHttpResponse(csv_lines(columns, rows), content_type=CONTENT_TYPES["csv"])
    else:
        response = HttpResponse(xlsx_bytes(sheet or filename, columns, rows), content_type=CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = content_disposition(f"{filename}.{fmt}")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
