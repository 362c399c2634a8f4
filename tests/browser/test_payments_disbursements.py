"""Disbursements in the browser: a request from the municipality, the four-eyes check and release, a payment run
with its SEPA file, and the accessibility (axe, WCAG 2.1 AA) of every page of the area, with data and errors."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from payments import schedule
from payments.enums import DisbursementState, PaymentRunState
from payments.models import DisbursementRequest, PaymentRun
from payments.services import disbursements as svc
from tests.browser.conftest import assert_accessible, log_in
from tests.factories import staff_user
from tests.payments.factories import make_grant, pin_money_today

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def money_today(monkeypatch):
    """As in tests/payments: today is a bank day inside the default grant's funding period."""
    pin_money_today(monkeypatch)


def _check(page, url):
    page.goto(url)
    assert page.locator("h1").count() == 1, url
    assert_accessible(page)


def test_municipality_requests_money_and_pages_are_accessible(page):
    grant = make_grant(eligible="200000.00", retained_percent="10")
    svc.change_bank_account(actor=grant.grantee, municipality_id=grant.application.lead_id, holder="Gemeindekasse",
                            iban="DE12500105170648489890")
    log_in(page, grant.grantee)
    _check(page, reverse("payments:disbursement-grants"))
    url = reverse("payments:grant-disbursements", args=[grant.pk])
    _check(page, url)
    page.get_by_label("Betrag in Euro").fill("170.000,00")
    page.get_by_label("Benötigt zum").fill((schedule.today() + dt.timedelta(days=10)).isoformat())
    page.get_by_label("Wofür wird das Geld benötigt?").fill("Rechnung Sensoren")
    page.get_by_role("button", name="Mittel abrufen").click()
    expect(page.locator(".kern-error").first).to_contain_text("162.000,00")
    assert_accessible(page)  # with the error shown
    page.get_by_label("Betrag in Euro").fill("12.500,00")
    page.get_by_role("button", name="Mittel abrufen").click()
    expect(page.locator(".messages")).to_contain_text("eingegangen")
    assert DisbursementRequest.objects.get().amount == Decimal("12500.00")
    assert_accessible(page)  # with a row in the list
    bank = reverse("payments:bank-account", args=[grant.application.lead_id])
    _check(page, bank)  # with history
    page.get_by_label("IBAN").fill("DE12 5001 0517 0648 4898 91")
    page.get_by_role("button", name="Bankverbindung speichern").click()
    expect(page.locator(".kern-error").first).to_contain_text("Prüfziffer")
    assert_accessible(page)


def test_staff_check_release_run_and_pages_are_accessible(page):
    grant = make_grant()
    d = svc.request_disbursement(actor=grant.grantee, grant_id=grant.pk, amount=Decimal("4000.00"),
                                 purpose="Rechnung", needed_on=schedule.today(), own_spending=0)
    other = svc.request_disbursement(actor=grant.grantee, grant_id=grant.pk, amount=Decimal("10.00"),
                                     purpose="Zweite", needed_on=schedule.today(), own_spending=0)
    svc.check_disbursement(actor=staff_user("case_worker"), disbursement_id=other.pk)
    approver = staff_user("approver")
    log_in(page, approver)
    _check(page, reverse("payments:disbursement-queue"))
    _check(page, reverse("payments:disbursement", args=[other.pk]))
    page.get_by_role("button", name="Auszahlung anordnen").click()
    expect(page.locator(".messages")).to_contain_text("angeordnet")
    _check(page, reverse("payments:bank-accounts"))
    _check(page, reverse("payments:bank-account", args=[grant.application.lead_id]))
    _check(page, reverse("payments:disbursement", args=[d.pk]))  # with the reject form
    page.get_by_role("button", name="Mittelabruf ablehnen").click()
    expect(page.locator(".kern-error").first).to_be_visible()
    assert_accessible(page)
    _check(page, reverse("payments:payment-runs"))
    _check(page, reverse("payments:payment-run-create"))
    page.get_by_label("Ausführungstag").fill(schedule.today().isoformat())
    page.get_by_role("button", name="Zahlungslauf mit den gewählten Zahlungen erstellen").click()
    expect(page.locator("h1")).to_contain_text("Zahlungslauf 1")
    run = PaymentRun.objects.get()
    assert run.count == 1 and run.total == Decimal("10.00")
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="SEPA-Datei (XML) herunterladen").click()
    assert download.value.suggested_filename.endswith(".xml")
    _check(page, reverse("payments:payment-run-cancel", args=[run.pk]))
    # four eyes: a second person confirms the execution
    page.context.clear_cookies()
    log_in(page, staff_user("case_worker"))
    _check(page, reverse("payments:payment-run-confirm", args=[run.pk]))
    page.get_by_label("Ich bestätige", exact=False).check()
    page.get_by_role("button", name="Als ausgeführt bestätigen").click()
    expect(page.locator(".messages")).to_contain_text("bestätigt")
    run.refresh_from_db()
    other.refresh_from_db()
    assert run.state == PaymentRunState.CONFIRMED and other.state == DisbursementState.PAID
    assert_accessible(page)
