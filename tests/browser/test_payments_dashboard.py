"""The money dashboard in the browser: each page as staff see it, checked by axe (WCAG 2.1 A/AA),
for unique ids, hidden controls and reflow at 320 px; an export downloads from its button."""

import csv
import io

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import staff_user
from tests.payments.factories import action_world, money_world

from .conftest import accessibility_problems, assert_accessible, log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def data():
    world = money_world()
    action_call, _cases = action_world()
    return world, action_call


def _pages(world, action_call):
    return [
        (reverse("payments:dashboard"), "Finanzübersicht"),
        (reverse("payments:dashboard-call", args=[world.call.pk]), "Finanzübersicht: Aufruf A"),
        (reverse("payments:dashboard-program", args=[world.program.pk]), "Finanzübersicht: "),
        (reverse("payments:dashboard-call", args=[action_call.pk]), "Finanzübersicht: "),
        (reverse("payments:dashboard-actions"), "Handlungsbedarf"),
    ]


def test_dashboard_pages_are_accessible(page, data):
    world, action_call = data
    log_in(page, staff_user("approver"))
    for url, heading in _pages(world, action_call):
        page.goto(url)
        page.wait_for_load_state("load")
        h1 = page.get_by_role("heading", level=1)
        expect(h1).to_have_count(1)
        expect(h1).to_contain_text(heading)
        assert not page.broken_assets, page.broken_assets
        assert not page.js_errors, page.js_errors
        assert_accessible(page)
        problems = accessibility_problems(page)
        assert not problems, f"{url}: {problems}"


def test_figures_are_text_not_colour_only(page, data):
    world, _action_call = data
    log_in(page, staff_user("case_worker"))
    page.goto(reverse("payments:dashboard-call", args=[world.call.pk]))
    totals = page.locator("#chart-totals-caption").locator("xpath=..")
    expect(totals).to_contain_text("Gebunden")
    expect(totals).to_contain_text("945.000,00 €")
    # the bars themselves are hidden from assistive technology: the numbers are text and in the tables
    assert page.locator("figure [aria-hidden=true]").count() > 0
    expect(page.locator("#table-years")).to_contain_text("630.000,00 €")
    expect(page.get_by_role("table", name="Je Landkreis")).to_contain_text("Landkreis Eins")


def test_export_button_downloads_a_csv(page, data):
    world, _action_call = data
    log_in(page, staff_user("case_worker"))
    page.goto(reverse("payments:dashboard-call", args=[world.call.pk]))
    with page.expect_download() as info:
        page.get_by_role("link", name="Auszahlungen als CSV").click()
    download = info.value
    assert download.suggested_filename == f"Auszahlungen-Aufruf-{world.call.pk}.csv"
    with open(download.path(), encoding="utf-8-sig") as handle:
        text = handle.read()
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:2] == ["Datum", "Aktenzeichen"] and len(rows) == 5
