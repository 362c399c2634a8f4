"""CSV and XLSX exports of grants, payments and recoveries, parsed back (csv module, openpyxl)."""

import csv
import datetime as dt
import io
from decimal import Decimal as D

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from applications.models import Application
from foundation import exports as writer
from payments.enums import DisbursementState
from tests.factories import staff_user
from tests.payments.factories import disbursement, money_world, recovery


@pytest.fixture
def world(db):
    w = money_world()
    # text a spreadsheet would run as a formula
    Application.objects.filter(pk=w.g1.application_id).update(title="=HYPERLINK(\"http://x\";\"klick\")")
    w.m1.name = "@SUMME(A1)"
    w.m1.save(update_fields=["name"])
    return w


@pytest.fixture
def staff_client(client, db):
    client.force_login(staff_user("case_worker"))
    return client


def get_csv(client, kind, query=""):
    response = client.get(reverse("payments:dashboard-export", args=[kind]) + query)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    umlaut = {"grants": "Zuwendungen", "payments": "Auszahlungen", "recoveries": "R%C3%BCckforderungen"}[kind]
    ascii_ = {"grants": "Zuwendungen", "payments": "Auszahlungen", "recoveries": "Rueckforderungen"}[kind]
    scope = query.replace("?call=", "-Aufruf-").replace("?program=", "-Programm-")
    expected = f'attachment; filename="{ascii_}{scope}.csv"'
    if kind == "recoveries":  # RFC 6266: the exact name with its umlaut beside the ASCII fallback
        expected += f"; filename*=UTF-8''{umlaut}{scope}.csv"
    assert response["Content-Disposition"] == expected
    assert response.streaming  # streamed, not built in memory
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))


def get_xlsx(client, kind, query=""):
    """Requested on the dashboard (POST), made in the background, fetched from "Meine Dokumente"."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        requested = client.post(reverse("payments:dashboard-export-xlsx", args=[kind]) + query)
    assert requested.status_code == 302 and "/meine-dokumente/" in requested["Location"]
    response = client.get(requested["Location"] + "datei/")
    assert response.status_code == 200
    assert response["Content-Type"] == writer.CONTENT_TYPES["xlsx"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return book.worksheets[0]


def test_grants_csv(world, staff_client):
    rows = get_csv(staff_client, "grants", f"?call={world.call.pk}")
    assert rows[0] == ["Aktenzeichen", "Kommune", "Landkreis", "Titel", "Themenbereich", "Status",
                       "Zuwendungsfähige Ausgaben", "Höchstbetrag", "Abgerufen", "Ausgezahlt", "Endgültige Zuwendung",
                       "Zurückgezahlt"]
    by_case = {r[0]: r for r in rows[1:]}
    assert set(by_case) == {g.application.case_number for g in (world.g1, world.g2, world.g3, world.g4)}
    g1 = by_case[world.g1.application.case_number]
    assert g1[1] == "'@SUMME(A1)"                       # formula guard
    assert g1[2] == "Landkreis Eins"
    assert g1[3] == "'=HYPERLINK(\"http://x\";\"klick\")"
    assert g1[4] == "1 Verwaltungsdigitalisierung"      # first topic by number
    assert g1[6:10] == ["200000,00", "180000,00", "0,00", "70000,00"]  # German decimal comma
    assert g1[10] == "" and g1[11] == "5000,00"
    city = by_case[world.g3.application.case_number]
    assert city[2] == "Kreisfreie Stadt" and city[4] == ""
    assert by_case[world.g4.application.case_number][2] == "Landkreis Zwei"  # a Landkreis under itself


def test_payments_csv_lists_paid_disbursements_only(world, staff_client):
    rows = get_csv(staff_client, "payments", f"?call={world.call.pk}")
    assert rows[0] == ["Datum", "Aktenzeichen", "Kommune", "Art", "Betrag", "EndToEndId", "Zahlungslauf"]
    body = rows[1:]
    assert [(r[0], r[1], r[4]) for r in body] == [
        ("10.05.2027", world.g1.application.case_number, "50000,00"),
        ("31.12.2027", world.g2.application.case_number, "30000,00"),
        ("15.01.2028", world.g1.application.case_number, "20000,00"),
        ("01.03.2028", world.g4.application.case_number, "100000,00"),
    ]
    assert body[3][3] == "Schlusszahlung" and body[0][3] == "Mittelabruf"
    paid = world.g1.disbursements.filter(state=DisbursementState.PAID).order_by("paid_on").first()
    assert body[0][5] == paid.end_to_end_id and body[0][6] == str(paid.payment_run.number)


def test_recoveries_csv(world, staff_client):
    rows = get_csv(staff_client, "recoveries", f"?call={world.call.pk}")
    assert rows[0] == ["Aktenzeichen", "Erstattungsbetrag", "Gezahlte Zinsen", "Gezahlter Erstattungsbetrag",
                       "Offen", "Status", "Zahlungsfrist"]
    by_case = {r[0]: r for r in rows[1:]}
    assert by_case[world.g1.application.case_number] == [
        world.g1.application.case_number, "8000,00", "120,00", "5000,00", "3000,00", "Offen", "01.07.2028"]
    assert by_case[world.g4.application.case_number][4] == "12000,00"
    assert len(rows) == 3


def test_program_and_unfiltered_exports(world, staff_client):
    program = get_csv(staff_client, "grants", f"?program={world.program.pk}")
    assert len(program) == 1 + 5          # both calls of the program
    everything = get_csv(staff_client, "grants")
    assert len(everything) == 1 + 6       # every grant


def test_grants_xlsx_numbers_are_numbers(world, staff_client):
    sheet = get_xlsx(staff_client, "grants", f"?call={world.call.pk}")
    rows = list(sheet.iter_rows())
    assert [c.value for c in rows[0]][:3] == ["Aktenzeichen", "Kommune", "Landkreis"]
    g1 = next(r for r in rows[1:] if r[0].value == world.g1.application.case_number)
    assert g1[1].value == "'@SUMME(A1)" and g1[1].data_type == "s"
    assert g1[3].value == "'=HYPERLINK(\"http://x\";\"klick\")" and g1[3].data_type == "s"
    amount = g1[7]
    assert amount.data_type == "n" and D(str(amount.value)) == D("180000")
    assert amount.number_format == writer.EURO_FORMAT
    assert D(str(g1[9].value)) == D("70000") and D(str(g1[11].value)) == D("5000")
    assert g1[10].value is None


def test_payments_and_recoveries_xlsx(world, staff_client):
    sheet = get_xlsx(staff_client, "payments", f"?call={world.call.pk}")
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == 4
    first = rows[0]
    assert first[0].value.date() == dt.date(2027, 5, 10) and first[0].number_format == writer.DATE_FORMAT
    assert D(str(first[4].value)) == D("50000") and first[4].number_format == writer.EURO_FORMAT
    assert isinstance(first[6].value, int)
    rec = get_xlsx(staff_client, "recoveries", f"?call={world.call.pk}")
    values = {r[0].value: r for r in rec.iter_rows(min_row=2)}
    g1 = values[world.g1.application.case_number]
    assert [D(str(c.value)) for c in g1[1:5]] == [D("8000"), D("120"), D("5000"), D("3000")]


def test_a_cent_amount_keeps_its_cents(world, staff_client):
    disbursement(world.g3, DisbursementState.PAID, "1234.56", paid_on=dt.date(2028, 2, 2))
    recovery(world.g3, "0.10")
    rows = get_csv(staff_client, "payments", f"?call={world.call.pk}")
    assert [next(r for r in rows if r[0] == "02.02.2028")[i] for i in (0, 4)] == ["02.02.2028", "1234,56"]
    sheet = get_xlsx(staff_client, "payments", f"?call={world.call.pk}")
    cell = next(r for r in sheet.iter_rows(min_row=2) if r[0].value.date() == dt.date(2028, 2, 2))[4]
    assert D(str(cell.value)) == D("1234.56")


@pytest.mark.parametrize("value, expected", [
    ("=1+2", "'=1+2"), ("+49 611", "'+49 611"), ("-5", "'-5"), ("@A1", "'@A1"), ("\tx", "'\tx"),
    ("Bad Homburg", "Bad Homburg"), ("", ""), (None, ""), ("a=b", "a=b"),
])
def test_formula_guard(value, expected):
    assert writer.guard(value) == expected


def test_german_amount():
    assert writer.german_amount(D("1234567.8")) == "1234567,80"
    assert writer.german_amount(D("0")) == "0,00"
    assert writer.german_amount(None) == ""
