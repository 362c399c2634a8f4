"""The start page of each role in a real browser: it shows the role's tasks, a click on each count
opens the list of exactly what it counts, the page reflows at 320 px with the menu closed and
open, and the menu button works (static/js/nav.js).

With UPDATE_GUIDE_SCREENSHOTS=1 the test also writes the screenshots of the user guide
(docs/guide/img/start-<role>-1280.png and -320.png).
"""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from start.selectors import start_sections
from tests.start.factories import add_cases, start_world

from .conftest import guide_screenshots, log_in, reflow_problems

pytestmark = pytest.mark.browser

GUIDE_IMG = Path(settings.BASE_DIR) / "docs" / "guide" / "img"
N = 2  # cases of every kind

ROLES = {  # role: (attribute of the world, section heading)
    "applicant": ("applicant", "Ihre Anträge und Zuwendungen"),
    "case_worker": ("case_worker", "Sachbearbeitung"),
    "approver": ("approver", "Bewilligung und Anordnung (zweite Person)"),
    "jury": ("juror", "Jury"),
    "admin": ("admin", "Administration"),
}
JURY_STATUS = {"declarations": re.compile("Erklärung ausstehend"),
               "sheets": re.compile("zu bewerten|Entwurf gespeichert")}


def _rows_of(page, task):
    """The rows of the list that the task's count counts."""
    if "kind=" in task.url:
        return page.locator(f"table[data-kind='{task.key}'] tbody tr")
    if task.key in JURY_STATUS:
        return page.locator("main table tbody tr").filter(has_text=JURY_STATUS[task.key])
    if task.key == "memberships":
        return page.locator("main table tbody tr").filter(has=page.locator("form"))
    return page.locator("main table tbody tr")


def _screenshots(page, role):
    guide_screenshots(page, f"start-{role.replace('_', '-')}")


@pytest.mark.parametrize("role", list(ROLES))
def test_start_page_shows_the_roles_tasks_and_each_count_opens_its_list(page, role):
    world = start_world()
    add_cases(world, N)
    attr, heading = ROLES[role]
    user = getattr(world, attr)
    log_in(page, user, via_form=True)  # the real login form and TOTP step, per role
    page.goto("/")
    expect(page.get_by_role("heading", level=2, name=heading, exact=True)).to_be_visible()
    sections = {s.role: s for s in start_sections(user)}
    assert role in sections
    tasks = sections[role].tasks
    assert any(t.count for t in tasks), "the world gives this role something to do"
    _screenshots(page, role)

    for task in tasks:
        page.goto("/")
        card = page.locator(f"section [data-task='{task.key}']").first
        expect(card.locator("[data-count]")).to_have_text(str(task.count))
        card.get_by_role("link").click()
        page.wait_for_load_state("load")
        assert page.url.endswith(task.url), (page.url, task.url)
        if task.count:
            expect(_rows_of(page, task)).to_have_count(task.count)
        assert not page.js_errors, page.js_errors


@pytest.mark.parametrize("role", ["applicant", "case_worker"])
def test_the_menu_collapses_at_320_px_and_marks_the_current_page(page, role):
    world = start_world()
    add_cases(world, 1)
    log_in(page, getattr(world, role))
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto("/")
    toggle = page.locator("[data-nav-toggle]")
    menu = page.locator("#site-menu")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()
    assert reflow_problems(page) == []
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(menu).to_be_visible()
    expect(menu.locator("a[aria-current='page']")).to_have_text("Übersicht")
    assert reflow_problems(page) == []
    # the open menu is not taller than about two screens, and Escape closes it
    assert menu.bounding_box()["height"] < 1300
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(toggle).to_be_focused()
    if role == "applicant" and os.environ.get("UPDATE_GUIDE_SCREENSHOTS") == "1":
        toggle.click()
        page.screenshot(path=str(GUIDE_IMG / "menu-applicant-320.png"))
    # wide screens: no button, the menu is always shown
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(toggle).to_be_hidden()
    expect(menu).to_be_visible()
