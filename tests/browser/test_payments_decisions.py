"""The decision pages in the browser: an approver confirms a prepared decision, and every page of the
area passes the accessibility check (axe, WCAG 2.1 A/AA)."""

import datetime as dt
from unittest import mock

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from applications.enums import ApplicationState as AS
from payments import tasks
from payments.enums import DecisionKind
from payments.models import Decision, Grant
from payments.services import decisions as services
from tests.browser.conftest import assert_accessible, log_in
from tests.factories import CallFactory, member_of, staff_user
from tests.payments import factories as td

pytestmark = pytest.mark.browser


def _check(page, url, heading=None):
    page.goto(url)
    assert page.locator("h1").count() == 1, url
    if heading:
        expect(page.locator("h1")).to_contain_text(heading)
    assert_accessible(page)


def test_staff_decision_pages_are_accessible(page):
    call = CallFactory(title="Förderaufruf Smarte Kommunen 2027")
    app = td.decidable(call, grant="150000.00", years={2027: "1", 2028: "1"})
    td.decidable(call, grant="120000.00", state=AS.RESERVE)
    worker, approver = staff_user("case_worker"), staff_user("approver")
    decision = services.prepare_decision(actor=worker, application_id=app.pk, kind=DecisionKind.APPROVE)
    log_in(page, approver)
    _check(page, reverse("payments:decisions"), "Bewilligung")
    _check(page, reverse("payments:decisions-call", args=[call.pk]), call.title)
    _check(page, reverse("payments:decision-case", args=[app.pk]), app.title)
    _check(page, reverse("payments:decision-discard", args=[decision.pk]), "verwerfen")
    _check(page, reverse("payments:decision-confirm", args=[decision.pk]), "bestätigen")
    with mock.patch("payments.services.decisions._dispatch_notice"):
        page.get_by_role("button", name="Entscheidung endgültig bestätigen").click()
        expect(page.locator(".kern-alert--success").first).to_be_visible()
    assert Decision.objects.get(pk=decision.pk).state == "confirmed"
    grant = Grant.objects.get(application=app)
    tasks.render_grant_notice(grant_id=grant.pk)
    _check(page, reverse("payments:decision-case", args=[app.pk]), app.title)
    _check(page, reverse("payments:grant-amend", args=[grant.pk]), "Änderungsbescheid")
    page.get_by_role("button", name="Änderung zur Bestätigung vorlegen").click()  # nothing filled in: errors
    expect(page.locator(".kern-form-input__error, .kern-error, [role=alert]").first).to_be_visible()
    assert_accessible(page)
    amendment = services.prepare_amendment(actor=staff_user("case_worker"), grant_id=grant.pk,
                                           project_end=grant.project_end - dt.timedelta(days=31), reason="Lieferverzug")
    _check(page, reverse("payments:amendment", args=[amendment.pk]), "Änderung")  # the second person's page


def test_municipality_grant_pages_are_accessible(page):
    with mock.patch("payments.services.decisions._dispatch_notice"):
        grant, _ctx = td.approved(grant="150000.00")
    tasks.render_grant_notice(grant_id=grant.pk)
    member = member_of(grant.application.lead)
    log_in(page, member)
    _check(page, reverse("payments:grants"), "Zuwendungen")
    _check(page, reverse("payments:grant", args=[grant.pk]), grant.application.title)
    _check(page, reverse("payments:grant-waive", args=[grant.pk]), "Rechtsbehelfsverzicht")
    page.get_by_role("button", name="Verzicht erklären").click()  # not confirmed: an error
    assert_accessible(page)
    page.get_by_label("Wir verzichten", exact=False).check()
    page.get_by_role("button", name="Verzicht erklären").click()
    expect(page.locator(".kern-alert--success").first).to_be_visible()
    assert Grant.objects.get(pk=grant.pk).state == "final"
    assert_accessible(page)
