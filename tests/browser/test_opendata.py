"""The public page of funded projects in the browser: axe (WCAG 2.1 A/AA), unique ids, reflow at 320 px,
the filters without script, and the downloads. SCREENSHOTS=dir keeps PNGs at 1280 and 320 px."""

import os

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.opendata.factories import open_data_world

from .conftest import accessibility_problems

pytestmark = pytest.mark.browser


def _shoot(page, name):
    target = os.environ.get("SCREENSHOTS")
    if not target:
        return
    for width in (1280, 320):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{target}/{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})


def test_the_page_of_funded_projects_is_accessible_and_filters_without_script(page):
    open_data_world()
    page.goto(reverse("opendata:page"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Geförderte Projekte")
    expect(page.get_by_role("img", name="Fördermittel nach Landkreis")).to_be_visible()
    expect(page.get_by_role("table", name="Fördermittel nach Landkreis (Tabelle)")).to_contain_text("Vogelsbergkreis")
    assert not page.broken_assets and not page.js_errors
    assert accessibility_problems(page) == {}
    _shoot(page, "opendata")

    page.get_by_label("Landkreis / kreisfreie Stadt").select_option(label="Vogelsbergkreis")
    with page.expect_navigation():
        page.get_by_role("button", name="Filtern").click()
    rows = page.get_by_role("table", name="Geförderte Projekte").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(page.get_by_role("status")).to_have_text("2 geförderte Projekte")
    assert accessibility_problems(page) == {}

    page.goto(reverse("opendata:page") + "?topic=kein-thema")
    expect(page.get_by_text("Bitte eine gültige Auswahl treffen", exact=False)).to_be_visible()
    assert accessibility_problems(page) == {}
    _shoot(page, "opendata-error")


def test_the_page_without_projects_is_accessible(page):
    page.goto(reverse("opendata:page"))
    expect(page.get_by_text("Keine geförderten Projekte für diese Auswahl.")).to_be_visible()
    assert accessibility_problems(page) == {}
