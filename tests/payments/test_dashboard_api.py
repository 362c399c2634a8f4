"""The dashboard and exports under /api/v1/staff/payments/: same figures as the page, staff only."""

import csv
import io

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from foundation import exports as writer
from tests.factories import UserFactory, member_of, staff_user
from tests.payments.factories import money_world


@pytest.fixture
def world(db):
    return money_world()


@pytest.fixture
def api(db):
    client = APIClient()
    client.force_authenticate(staff_user("case_worker"))
    return client


def test_call_dashboard(world, api):
    response = api.get(f"/api/v1/staff/payments/dashboard/{world.call.pk}/")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["call"] == world.call.pk and data["title"] == "Aufruf A"
    assert data["totals"] == {"budget": "16000000.00", "committed": "945000.00", "paid": "200000.00",
                              "recovered": "5000.00", "left": "15055000.00"}
    years = {y["year"]: y for y in data["years"]}
    assert years[2028] == {"year": 2028, "budget": "8000000.00", "committed": "630000.00", "paid": "120000.00",
                           "recovered": "5000.00", "left": "7370000.00"}
    topics = {t["id"]: t for t in data["topics"]}
    assert topics[world.t1.pk]["paid"] == "70000.00" and topics[0]["committed"] == "135000.00"
    lks = {t["id"]: t for t in data["landkreise"]}
    assert lks[world.lk1.pk] == {"id": world.lk1.pk, "label": "Landkreis Eins", "grants": 2,
                                 "committed": "450000.00", "paid": "100000.00", "recovered": "5000.00"}
    actions = {a["kind"]: a for a in data["actions"]}
    assert [i["case_number"] for i in actions["released_not_in_run"]["items"]] == [
        world.g1.application.case_number]
    assert [i["case_number"] for i in actions["disbursement_to_check"]["items"]] == [
        world.g3.application.case_number]
    assert actions["disbursement_to_check"]["count"] == 1 and actions["decision_prepared"]["count"] == 0


def test_program_dashboard(world, api):
    response = api.get(f"/api/v1/staff/payments/program-dashboard/{world.program.pk}/")
    assert response.status_code == 200
    data = response.json()
    assert data["totals"]["committed"] == "1125000.00" and data["totals"]["paid"] == "210000.00"
    assert {c["call"]: c["paid"] for c in data["calls"]} == {world.call.pk: "200000.00",
                                                             world.call_b.pk: "10000.00"}


@pytest.mark.parametrize("user", ["anonymous", "applicant", "jury", "staff_without_totp"])
def test_refused(world, user):
    client = APIClient()
    if user == "applicant":
        client.force_authenticate(member_of(world.m1))
    elif user == "jury":
        client.force_authenticate(UserFactory(roles=["jury"]))
    elif user == "staff_without_totp":
        client.force_authenticate(UserFactory(roles=["case_worker"]))
    for url in (f"/api/v1/staff/payments/dashboard/{world.call.pk}/",
                f"/api/v1/staff/payments/program-dashboard/{world.program.pk}/",
                f"/api/v1/staff/payments/exports/grants.csv?call={world.call.pk}"):
        response = client.get(url)
        assert response.status_code in (401, 403), (url, response.status_code)
        assert response["Content-Type"].startswith("application/json")


def test_unknown_ids(world, api):
    assert api.get("/api/v1/staff/payments/dashboard/999999/").status_code == 404
    assert api.get("/api/v1/staff/payments/program-dashboard/999999/").status_code == 404
    assert api.get("/api/v1/staff/payments/exports/grants.csv?call=999999").status_code == 404
    assert api.get("/api/v1/staff/payments/exports/grants.csv?call=x").status_code == 404
    assert api.get("/api/v1/staff/payments/exports/secrets.csv").status_code == 404
    assert api.get("/api/v1/staff/payments/exports/grants.pdf").status_code == 404


def test_export_csv_by_suffix(world, api):
    response = api.get(f"/api/v1/staff/payments/exports/payments.csv?call={world.call.pk}")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    raw = b"".join(response.streaming_content)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Datum" and len(rows) == 5
    assert rows[1][4] == "50000,00"


@pytest.mark.parametrize("url", ["/api/v1/staff/payments/exports/recoveries/?call={call}&format=xlsx",
                                 "/api/v1/staff/payments/exports/recoveries.xlsx?call={call}"])
def test_export_xlsx_is_made_in_the_background(world, api, url):
    """The workbook is never built in the request: 202 with the document, made by the worker after the commit,
    fetched from its file URL (issue 13)."""
    from django.test import TestCase

    from downloads.models import Download, DownloadState
    from outbox.models import OutboxMessage

    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        response = api.get(url.format(call=world.call.pk))
    assert response.status_code == 202, response.content
    assert response["Content-Type"].startswith("application/json")
    data = response.json()
    download = Download.objects.get()
    assert data["id"] == str(download.public_id) and data["state"] == "pending"
    assert download.kind == "payments.dashboard_xlsx" and download.params == {"kind": "recoveries",
                                                                             "call": world.call.pk}
    assert response["Location"] == data["url"] and data["url"].endswith(f"/api/v1/downloads/{download.public_id}/")
    assert not download.file and OutboxMessage.objects.filter(key=f"download:{download.pk}").count() == 1
    assert api.get(data["file_url"]).status_code == 404  # not ready yet

    # asking again while it is being made gives the same document
    with TestCase.captureOnCommitCallbacks(execute=False):
        again = api.get(url.format(call=world.call.pk))
    assert again.status_code == 202 and again.json()["id"] == data["id"] and Download.objects.count() == 1

    for callback in callbacks:
        callback()
    assert api.get(data["url"]).json()["state"] == DownloadState.READY
    file = api.get(data["file_url"])
    assert file.status_code == 200 and file["Content-Type"] == writer.CONTENT_TYPES["xlsx"]
    sheet = load_workbook(io.BytesIO(b"".join(file.streaming_content))).worksheets[0]
    assert sheet.cell(row=1, column=1).value == "Aktenzeichen"
    assert sheet.max_row == 3


def test_export_xlsx_bad_scope_records_nothing(world, api):
    from downloads.models import Download

    assert api.get("/api/v1/staff/payments/exports/grants.xlsx?call=999999").status_code == 404
    assert api.get("/api/v1/staff/payments/exports/grants/?format=xlsx&program=x").status_code == 404
    assert not Download.objects.exists()


def test_export_defaults_to_csv(world, api):
    response = api.get(f"/api/v1/staff/payments/exports/grants/?call={world.call.pk}")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")


def staff_schema_client() -> APIClient:
    from tests.factories import staff_user

    client = APIClient()
    client.force_login(staff_user("case_worker"))
    return client


def test_schema_lists_the_endpoints(db):
    import yaml

    response = staff_schema_client().get("/api/schema/")
    schema = yaml.safe_load(response.content)
    paths = schema["paths"]
    assert "/api/v1/staff/payments/dashboard/{id}/" in paths
    assert "/api/v1/staff/payments/program-dashboard/{id}/" in paths
    export = paths["/api/v1/staff/payments/exports/{id}/"]["get"]
    assert {"text/csv"} <= set(export["responses"]["200"]["content"])
    assert "202" in export["responses"]
    totals = schema["components"]["schemas"]["DashboardFigures"]["properties"]["paid"]
    assert totals["type"] == "string" and totals["format"] == "decimal"
