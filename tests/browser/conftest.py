"""Browser tests: one headless Chromium for the session, a fresh context (cookies) per test.

The pages are served by pytest-django's ``live_server`` (a real HTTP server in a thread, on the
test database; static files via WhiteNoise's finders). Playwright's sync API keeps an asyncio
loop in the main thread, so Django's "async unsafe" guard has to be relaxed for the ORM calls
the tests make while the browser is open.
"""

import os

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache

from accounts.enums import Role
from tests.services import chromium_path
from tests.totp import code_for

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

PASSWORD = "Geheim-Passwort-123"  # the password tests.factories.UserFactory sets
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-dev-shm-usage"]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _fresh_state(transactional_db):
    """Each test starts like a fresh server.

    The role groups come from a data migration, which a transactional test's flush removes.
    The cache holds allauth's rate limits and used TOTP codes; the live server shares this
    process's in-memory cache, so without clearing it failed logins of earlier tests add up.
    """
    cache.clear()
    for role in Role.values:
        Group.objects.get_or_create(name=role)


@pytest.fixture(scope="session")
def _context(browser, live_server):
    """One browser context per test process: its HTTP cache keeps the style sheets, fonts and scripts, so
    a test does not load them again. What a person would carry from one visit to the next — cookies (the
    session), local and session storage — is cleared before each test by the ``page`` fixture."""
    context = browser.new_context(base_url=live_server.url, locale="de-DE", timezone_id="Europe/Berlin",
                                  viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(_context):
    context = _context
    context.clear_cookies()
    for old in context.pages:
        old.close()
    page = context.new_page()
    page.js_errors = []  # uncaught JavaScript errors
    page.broken_assets = []  # CSS, fonts, scripts that did not load (axe would check unstyled pages)
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    page.on("response", lambda r: r.status >= 400 and "/static/" in r.url and page.broken_assets.append(
        f"{r.status} {r.url}"))
    page.on("requestfailed", lambda r: "/static/" in r.url and page.broken_assets.append(f"failed {r.url}"))
    yield page
    if page.url.startswith("http"):
        page.evaluate("() => { localStorage.clear(); sessionStorage.clear(); }")
    page.close()


def totp_code(user, *, valid_for: float = 3.0) -> str:
    """The current TOTP code of a user set up with tests.factories.staff_user (tests/totp.py)."""
    return code_for(user, valid_for=valid_for)


def _visible_text(page) -> str:
    return " ".join(page.evaluate("document.body ? document.body.innerText : ''").split())[:600]


def log_in(page, user_or_email, password: str = PASSWORD, *, expect_totp: bool | None = None,
           via_form: bool = False):
    """Sign in.

    By default the browser gets the session cookie of a login made on the server (Django's
    ``force_login``, which tests/conftest.py extends to record the second factor for users with TOTP,
    as allauth's login stage does) and stays where it is: no page load, no wait for the next TOTP step;
    the test opens the page it is about. ``via_form=True`` goes through the real login form and the TOTP
    step and lands on the start page; the tests of the login pages, the sign-up journey, the money journey
    and each role's start page (tests/browser/test_start_pages.py) do.
    """
    from accounts.models import User

    user = user_or_email if isinstance(user_or_email, User) else User.objects.get(email=user_or_email)
    if not via_form and expect_totp is None:
        return _log_in_with_cookie(page, user)
    return _log_in_with_form(page, user, password, expect_totp=expect_totp)


def _log_in_with_cookie(page, user):
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    # pytest-django's live server listens on localhost; a cookie is not bound to the port.
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "domain": "localhost",
                               "path": "/"}])
    return user


def _log_in_with_form(page, user, password, *, expect_totp):
    from allauth.mfa.models import Authenticator

    if expect_totp is None:
        expect_totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    if expect_totp:
        assert "/accounts/2fa/authenticate/" in page.url, (
            f"expected the TOTP step, got {page.url}: {_visible_text(page)}")
        page.locator("input[name=code]").fill(totp_code(user))
        with page.expect_navigation():
            page.locator("main form button[type=submit]").first.click()
    assert "/accounts/login/" not in page.url and "/2fa/authenticate/" not in page.url, (
        f"login of {user.email} failed, still on {page.url}: {_visible_text(page)}")
    return user


def format_violations(violations: list[dict]) -> str:
    """axe's violations as text: rule id, impact, help, and each failing node's target."""
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact') or 'n/a'}): {v['help']} <{v.get('helpUrl', '')}>")
        for node in v["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            lines.append(f"    at {target}: {' '.join(node.get('html', '').split())[:200]}")
            summary = " ".join((node.get("failureSummary") or "").split())
            if summary:
                lines.append(f"       {summary[:400]}")
    return "\n".join(lines)


_AXE_SOURCE: list[str] = []


def axe_violations(page, *, context=None) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now. axe-core is put into a document
    once (axe_playwright_python's Axe.run injects its 500 KB on every call)."""
    if not _AXE_SOURCE:
        from axe_playwright_python.sync_playwright import Axe

        _AXE_SOURCE.append(Axe().axe_script)
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_AXE_SOURCE[0])
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    return page.evaluate("([context, options]) => axe.run(context || document, options)",
                         [context, options])["violations"]


def assert_accessible(page, *, context=None) -> None:
    """Run axe-core (WCAG 2.1 A/AA rules) on the page as it is now and fail on any violation; also
    fail when the page scrolls sideways at 320 px or a table lacks KERN's table markup."""
    save_screenshots(page)
    violations = axe_violations(page, context=context)
    assert not violations, (
        f"{len(violations)} accessibility violation(s) on {page.url}:\n{format_violations(violations)}")
    for kind, found in (("reflow", reflow_problems(page)), ("tables", table_problems(page)),
                        ("obscured", obscured_controls(page))):
        assert not found, f"{kind} problems on {page.url}:\n  " + "\n  ".join(found)


# Checks axe cannot make (it reports duplicate ids only as "needs review" and does not render the
# page at other sizes). Each returns human-readable findings; an empty list means fine.

_DUPLICATE_IDS_JS = """() => {
  const seen = {};
  for (const el of document.querySelectorAll('[id]')) (seen[el.id] = seen[el.id] || []).push(el);
  return Object.entries(seen).filter(([, els]) => els.length > 1).map(([id, els]) =>
    `id="${id}" ${els.length}× (${els.map(e => e.tagName.toLowerCase() + (e.name ? '[name=' + e.name + ']' : ''))
      .join(', ')}); label[for=${id}] reaches only the first`);
}"""

_OBSCURED_JS = """() => {
  const describe = el => {
    let s = el.tagName.toLowerCase() + (el.id ? '#' + el.id : el.name ? `[name="${el.name}"]` : '');
    const text = (el.innerText || el.value || '').trim().replace(/\\s+/g, ' ');
    return text ? `${s} "${text.slice(0, 60)}"` : s;
  };
  const shown = el => {
    const r = el.getBoundingClientRect(), cs = getComputedStyle(el);
    return r.width >= 4 && r.height >= 4 && cs.visibility !== 'hidden' && parseFloat(cs.opacity) > 0;
  };
  const found = [];
  for (const el of document.querySelectorAll('.kern-btn')) {
    const width = el.getBoundingClientRect().width;
    if (shown(el) && el.scrollWidth > width + 1)
      found.push(`text cut off (${Math.round(width)}px of ${el.scrollWidth}px shown): ${describe(el)}`);
  }
  for (const el of document.querySelectorAll('main label, main input, main select, main textarea, main button')) {
    if (el.type === 'hidden' || !shown(el)) continue;
    el.scrollIntoView({block: 'center', inline: 'center', behavior: 'instant'});  // KERN: smooth
    const r = el.getBoundingClientRect();
    const top = document.elementFromPoint(r.left + r.width / 2, r.top + Math.min(r.height / 2, 12));
    if (!top || el.contains(top) || top.contains(el)) continue;
    if (el.tagName === 'LABEL' && el.control && el.control.contains(top)) continue;
    if (top.tagName === 'LABEL' && top.control === el) continue;
    found.push(`${describe(el)} is covered by ${describe(top)}`);
  }
  window.scrollTo({top: 0, left: 0, behavior: 'instant'});
  return found;
}"""

_REFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  const scrolls = el => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
  const overflows = el => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.right > width + 1 && getComputedStyle(el).position !== 'fixed';
  };
  const culprits = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (!overflows(el) || (el.parentElement && overflows(el.parentElement))) continue;
    let a = el.parentElement, inScroller = false;
    for (; a && a !== document.body; a = a.parentElement) if (scrolls(a)) { inScroller = true; break; }
    if (inScroller) continue;
    const name = e => e.tagName.toLowerCase()
      + (e.className ? '.' + String(e.className).trim().split(/\\s+/).join('.') : '');
    const right = Math.round(el.getBoundingClientRect().right);
    culprits.push(`${name(el)} in ${name(el.parentElement)} reaches ${right}px`);
  }
  return culprits.length ? [`page is ${document.documentElement.scrollWidth}px wide at ${width}px`,
                            ...culprits.slice(0, 5)] : [];
}"""


_TABLES_JS = """() => {
  const found = [];
  const CASE_NUMBER = /^[A-Z][A-Z0-9]*-(\\d{4}-)?\\d{4,}(\\s|$)/;  // a case number, not an id built from one
  const AMOUNT = /^-?\\d{1,3}(\\.\\d{3})*(,\\d+)?\\s?(€|%)$/;
  const name = (t, i) => `table ${i + 1}` + (t.id ? '#' + t.id : '')
    + (t.caption ? ` "${t.caption.textContent.trim().slice(0, 40)}"` : '');
  document.querySelectorAll('table').forEach((table, i) => {
    const where = name(table, i);
    const need = (els, cls) => {
      const bad = [...els].filter(el => !el.classList.contains(cls));
      if (bad.length) found.push(`${where}: ${bad.length}× <${bad[0].tagName.toLowerCase()}> without ${cls}: `
        + bad[0].outerHTML.replace(/\\s+/g, ' ').slice(0, 120));
    };
    need([table], 'kern-table');
    need(table.tHead ? [table.tHead] : [], 'kern-table__head');
    need(table.tBodies, 'kern-table__body');
    need(table.tFoot ? [table.tFoot] : [], 'kern-table__footer');
    need(table.querySelectorAll('tr'), 'kern-table__row');
    need(table.querySelectorAll('th'), 'kern-table__header');
    need(table.querySelectorAll('td'), 'kern-table__cell');
    if (table.tHead && !table.classList.contains('table-cards'))
      found.push(`${where}: a table with column headers needs the class table-cards (card layout below 48em)`);
    if (table.classList.contains('table-cards')) {
      const unlabelled = [...table.querySelectorAll('tbody td')].filter(td =>
        td.colSpan < td.parentElement.cells.length && !td.dataset.label && td.textContent.trim());
      if (unlabelled.length) found.push(`${where}: ${unlabelled.length}× <td> without data-label, e.g. `
        + unlabelled[0].outerHTML.replace(/\\s+/g, ' ').slice(0, 120));
    }
    const wrapping = [...table.querySelectorAll('tbody td, tbody th')].filter(cell =>
      CASE_NUMBER.test(cell.textContent.trim()) && getComputedStyle(cell).whiteSpace !== 'nowrap');
    if (wrapping.length) found.push(`${where}: ${wrapping.length}× case number that may wrap (class case-number): `
      + `"${wrapping[0].textContent.trim().slice(0, 40)}"`);
    const numbers = [...table.querySelectorAll('tbody td, tfoot td')].filter(td =>
      AMOUNT.test(td.textContent.trim()) && !td.classList.contains('kern-table__cell--numeric'));
    if (numbers.length) found.push(`${where}: ${numbers.length}× number not in kern-table__cell--numeric: `
      + `"${numbers[0].textContent.trim()}"`);
  });
  return found;
}"""


def table_problems(page) -> list[str]:
    """Every table uses KERN's table markup, numbers are numeric cells, and a table with column
    headers can turn into cards (class table-cards, each body cell labelled by data-label)."""
    return page.evaluate(_TABLES_JS)


def duplicate_ids(page) -> list[str]:
    """WCAG 2.1 SC 4.1.1 (Parsing): every id once; a label's "for" reaches only the first."""
    return page.evaluate(_DUPLICATE_IDS_JS)


def obscured_controls(page) -> list[str]:
    """Buttons whose label is cut off, labels and fields covered by another element."""
    return page.evaluate(_OBSCURED_JS)


def reflow_problems(page, *, width: int = 320, height: int = 640) -> list[str]:
    """WCAG 2.1 SC 1.4.10 (Reflow): at 320 CSS px no horizontal scrolling of the page.

    Content in its own scroll container (e.g. a data table in .kern-table-responsive) is allowed.
    """
    size = page.viewport_size
    page.set_viewport_size({"width": width, "height": height})
    try:
        return page.evaluate(_REFLOW_JS)
    finally:
        page.set_viewport_size(size)


def guide_screenshots(page, name: str) -> None:
    """With UPDATE_GUIDE_SCREENSHOTS=1, the user guide's pictures of this page (docs/guide/img/<name>-1280.png
    and -320.png, the visible part of the page), so the guide shows what the tests see."""
    if os.environ.get("UPDATE_GUIDE_SCREENSHOTS") != "1":
        return
    from pathlib import Path

    from django.conf import settings

    folder = Path(settings.BASE_DIR) / "docs" / "guide" / "img"
    folder.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    try:
        for width, height in ((1280, 800), (320, 640)):
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(path=str(folder / f"{name}-{width}.png"))
    finally:
        page.set_viewport_size(size)


def save_screenshots(page, name: str = "") -> None:
    """With SCREENSHOTS=<dir> set, keep the page as PNGs at 1280 and 320 px (full page) to look at."""
    folder = os.environ.get("SCREENSHOTS")
    if not folder:
        return
    import re as _re
    from pathlib import Path

    stem = name or _re.sub(r"[^\w-]+", "_", page.url.split("//", 1)[-1].split("/", 1)[-1]).strip("_") or "home"
    Path(folder).mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    try:
        for width in (1280, 320):
            page.set_viewport_size({"width": width, "height": 800})
            page.screenshot(path=str(Path(folder) / f"{stem}-{width}.png"), full_page=True)
    finally:
        page.set_viewport_size(size)


def accessibility_problems(page) -> dict[str, list[str]]:
    """All findings on the page as it is now, by kind: "axe:<rule id>", "duplicate-id",
    "obscured", "reflow", "tables"."""
    save_screenshots(page)
    problems = {f"axe:{v['id']}": format_violations([v]).splitlines() for v in axe_violations(page)}
    for kind, found in (("duplicate-id", duplicate_ids(page)), ("obscured", obscured_controls(page)),
                        ("reflow", reflow_problems(page)), ("tables", table_problems(page))):
        if found:
            problems[kind] = found
    return problems
