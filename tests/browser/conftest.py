"""Browser tests: one headless Chromium for the session, a fresh context (cookies) per test.

The pages are served by pytest-django's ``live_server`` (a real HTTP server in a thread, on the
test database; static files via WhiteNoise's finders). Playwright's sync API keeps an asyncio
loop in the main thread, so Django's "async unsafe" guard has to be relaxed for the ORM calls
the tests make while the browser is open.
"""

import os

import pytest
from django.contrib.auth.models import Group

from accounts.enums import Role
from tests.services import chromium_path

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
def _role_groups(transactional_db):
    """The role groups come from a data migration, which a transactional test's flush removes."""
    for role in Role.values:
        Group.objects.get_or_create(name=role)


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="de-DE", timezone_id="Europe/Berlin")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    yield page
    context.close()


def totp_code(user) -> str:
    """The current TOTP code of a user set up with tests.factories.staff_user."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
    from allauth.mfa.utils import decrypt

    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    secret = decrypt(authenticator.data["secret"])
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


def log_in(page, user_or_email, password: str = PASSWORD, *, expect_totp: bool | None = None):
    """Sign in through the real login form (and the TOTP step when the user has TOTP set up)."""
    from allauth.mfa.models import Authenticator

    from accounts.models import User

    user = user_or_email if isinstance(user_or_email, User) else User.objects.get(email=user_or_email)
    if expect_totp is None:
        expect_totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    if expect_totp:
        assert "/accounts/2fa/authenticate/" in page.url, f"expected the TOTP step, got {page.url}"
        page.locator("input[name=code]").fill(totp_code(user))
        with page.expect_navigation():
            page.locator("main form button[type=submit]").first.click()
    assert "/accounts/login/" not in page.url and "/2fa/authenticate/" not in page.url, (
        f"login of {user.email} failed, still on {page.url}: {page.locator('main').inner_text()[:500]}")
    return user


def format_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact') or 'n/a'}): {v['help']} <{v.get('helpUrl', '')}>")
        for node in v["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    at {target}: {node.get('html', '')[:200]}")
            if summary:
                lines.append(f"       {summary[:400]}")
    return "\n".join(lines)


def axe_violations(page, *, context=None) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    return Axe().run(page, context=context, options=options).response["violations"]


def assert_accessible(page, *, context=None) -> None:
    """Run axe-core (WCAG 2.1 A/AA rules) on the page as it is now and fail on any violation."""
    violations = axe_violations(page, context=context)
    assert not violations, (
        f"{len(violations)} accessibility violation(s) on {page.url}:\n{format_violations(violations)}")
