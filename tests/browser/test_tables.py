"""Wide tables stay readable: the ranking shows its key columns at 1280 px with the details per row
behind a disclosure, and at 320 px every table becomes cards of "label: value" lines while Chromium
still exposes it as a table (rows, cells and column headers) to screen readers."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import staff_user
from tests.jury import factories as tv

from .conftest import assert_accessible, guide_screenshots, log_in, save_screenshots, table_problems

pytestmark = pytest.mark.browser

CRITERIA = ("Innovationsgehalt und Modellcharakter", "Übertragbarkeit auf andere Kommunen",
            "Interkommunale Zusammenarbeit", "Wirtschaftlichkeit und Nachhaltigkeit", "Bürgerbeteiligung")
KEY_COLUMNS = ("Platz", "Aktenzeichen", "Vorhaben", "Gesamt", "Zuwendung", "Berechnet", "Entscheidung der Jury")


@pytest.fixture
def ranking_url():
    call, panel = tv.evaluated_call(budget="2500000.00", criteria=[(1, "2.0", None)] * len(CRITERIA), names=CRITERIA)
    for grant, values in (("810000.00", [5, 4, 4, 5, 3]), ("450000.00", [4, 4, 3, 3, 4]),
                          ("1200000.00", [3, 3, 4, 2, 5])):
        tv.score(panel, tv.application_in_evaluation(call, grant=grant), [values, [v - 1 for v in values]])
    return reverse("jury:ranking", args=[call.pk])


def _ax_roles_of_table(page, caption: str) -> dict[str, int]:
    """Roles Chromium itself exposes (not Playwright's own computation) inside the named table."""
    cdp = page.context.new_cdp_session(page)
    nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    by_id = {n["nodeId"]: n for n in nodes}
    table = next(n for n in nodes if n.get("role", {}).get("value") == "table"
                 and n.get("name", {}).get("value") == caption)
    counts, todo = {}, list(table.get("childIds", []))
    while todo:
        node = by_id.get(todo.pop())
        if node is None:
            continue
        role = node.get("role", {}).get("value")
        counts[role] = counts.get(role, 0) + 1
        todo.extend(node.get("childIds", []))
    return counts


def test_ranking_shows_the_key_columns_and_hides_details_behind_a_disclosure(page, ranking_url):
    log_in(page, staff_user())
    page.goto(ranking_url)
    table = page.locator("#ranking")
    headers = table.locator("thead th")
    expect(headers).to_have_text(list(KEY_COLUMNS))
    wrapper = page.locator(".kern-table-responsive:has(#ranking)")
    box, room = table.bounding_box(), wrapper.bounding_box()
    assert box["width"] <= room["width"] + 1, f"the ranking is {box['width']}px wide in {room['width']}px"
    for i in range(len(KEY_COLUMNS)):
        assert headers.nth(i).bounding_box()["x"] + headers.nth(i).bounding_box()["width"] <= 1280

    first = table.locator("tbody tr").first
    expect(first.get_by_text(CRITERIA[0])).to_be_hidden()
    first.get_by_text("Einzelheiten").click()
    expect(first.get_by_text(CRITERIA[0])).to_be_visible()
    expect(first.locator("dd").nth(2)).to_have_text("4,50")  # the first criterion: mean of 5 and 4
    assert_accessible(page)
    save_screenshots(page, "ranking-open")
    guide_screenshots(page, "ranking")


def test_at_320_px_rows_become_cards_and_stay_a_table_for_screen_readers(page, ranking_url):
    log_in(page, staff_user())
    page.goto(ranking_url)
    page.set_viewport_size({"width": 320, "height": 640})
    row = page.locator("#ranking tbody tr").first
    assert row.evaluate("tr => getComputedStyle(tr).display") == "block"
    assert row.bounding_box()["width"] <= 320
    grant = row.locator("td[data-label=Zuwendung]")
    assert grant.evaluate("td => getComputedStyle(td, '::before').content") == '"Zuwendung"'
    expect(grant).to_contain_text("€")
    assert page.locator("#ranking thead").bounding_box()["width"] <= 1  # visually hidden, still in the tree
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    roles = _ax_roles_of_table(page, "Rangliste mit Empfehlung")
    assert roles.get("row", 0) >= 4 and roles.get("cell", 0) >= 3 * 6, roles
    assert roles.get("columnheader", 0) == len(KEY_COLUMNS) and roles.get("rowheader", 0) == 3, roles
    assert table_problems(page) == []
