"""Every page of the proofs area is accessible (axe-core WCAG 2.1 A/AA, unique ids, nothing covered, reflow).

Each case signs in through the real login form (staff with their TOTP code), brings the page into the
state a person sees (with data, a confirmation step or form errors) and checks its h1 first.
"""

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from payments.enums import GrantState, ProofKind
from payments.models import ProofOfUse, Recovery
from payments.services import proofs as services
from payments.services import proofs_recovery as recovery_svc
from payments.services import proofs_settlement as settlement_svc
from tests.factories import staff_user
from tests.payments.factories import TEST_RATES_2026, accepted_final, ended_grant, pay, seed_rates

from .conftest import accessibility_problems, log_in

pytestmark = pytest.mark.browser


class World:
    @cached_property
    def grant(self):
        grant = ended_grant()
        services.schedule_proofs(grant)
        return grant

    @cached_property
    def final(self):
        return ProofOfUse.objects.get(grant=self.grant, kind=ProofKind.FINAL)

    @cached_property
    def submitted(self):
        grant = ended_grant()
        services.schedule_proofs(grant)
        proof = ProofOfUse.objects.get(grant=grant, kind=ProofKind.FINAL)
        lines = list(proof.cost_lines.order_by("budget_year"))
        services.save_proof_draft(actor=grant.grantee, proof_id=proof.pk, report="Sensoren installiert.",
                                  third_party_funds="0", lines=[
                                      services.ProofLineInput(amount=Decimal("125000.00"), line_id=lines[0].pk),
                                      services.ProofLineInput(amount=Decimal("60000.00"), line_id=lines[1].pk)])
        return services.submit_proof(actor=grant.grantee, proof_id=proof.pk)

    @cached_property
    def case_worker(self):
        return staff_user("case_worker")

    @cached_property
    def approver(self):
        return staff_user("approver")

    @cached_property
    def settleable(self):
        grant = ended_grant(retained_percent="10")
        pay(grant, "162000.00")
        accepted_final(grant, ["100000.00", "100000.00"], checker=self.case_worker)
        return grant

    @cached_property
    def settlement(self):
        return settlement_svc.prepare_settlement(actor=self.case_worker, grant_id=self.settleable.pk, note="geprüft")

    @cached_property
    def recovery(self):
        seed_rates(*TEST_RATES_2026)
        grant = ended_grant(state=GrantState.RECOVERY_OPEN)
        recovery = Recovery.objects.create(grant=grant, principal=Decimal("45000.00"),
                                           interest_from=dt.date(2025, 8, 1), due_on=dt.date(2025, 9, 1),
                                           created_by=self.approver)
        recovery_svc.record_recovery_payment(actor=self.case_worker, recovery_id=recovery.pk,
                                         received_on=dt.date(2025, 10, 1), amount=Decimal("1000.00"))
        return recovery


@dataclass(frozen=True)
class Case:
    open: Callable
    heading: str | re.Pattern


def _as(who: str, name: str, obj: str | None = None, then: Callable | None = None):
    def open_page(page, w):
        args = [getattr(w, obj).pk] if obj else []
        user = {"grantee": lambda: w.grant.grantee if obj != "submitted" else w.submitted.grant.grantee,
                "case_worker": lambda: w.case_worker, "approver": lambda: w.approver}[who]()
        log_in(page, user)
        page.goto(reverse(name, args=args))
        if then:
            then(page, w)
    return open_page


def _submit(page, button):
    with page.expect_navigation():
        page.get_by_role("button", name=button).first.click()


def _edit_with_errors(page, w):
    page.get_by_label("Tatsächliche Ausgaben (€)").first.fill("12,500.00")
    _submit(page, "Entwurf speichern")
    expect(page.locator("main .kern-error").first).to_be_visible()


def _check_confirm(page, w):
    page.get_by_label("Was ist zu ergänzen?").fill("Bitte Position 1 erläutern.")
    _submit(page, "Zurückgeben …")
    expect(page.get_by_text("Bitte bestätigen")).to_be_visible()


def _prepare_confirm(page, w):
    _submit(page, "Vorbereiten …")
    expect(page.get_by_role("button", name="Ja, zur Bestätigung vorlegen")).to_be_visible()


def _payment_confirm(page, w):
    page.get_by_label("Betrag (€)").fill("500,00")
    _submit(page, "Weiter …")
    expect(page.get_by_role("button", name="Zahlungseingang verbindlich erfassen")).to_be_visible()


def _base_rate_error(page, w):
    page.get_by_label("Gültig ab").fill("2026-03-01")
    page.get_by_label("Basiszinssatz (%)").fill("1,27")
    _submit(page, "Erfassen")
    expect(page.locator("main .kern-error").first).to_be_visible()


def _settlement_url(name):
    def open_page(page, w):
        settlement = w.settlement
        log_in(page, w.approver if name == "payments:settlement-confirm" else w.case_worker)
        page.goto(reverse(name, args=[settlement.pk]))
    return open_page


def _base_rate_correct(page, w):
    seed_rates()
    log_in(page, w.case_worker)
    from payments.models import BaseRate

    page.goto(reverse("payments:base-rate-correct", args=[BaseRate.objects.order_by("-valid_from").first().pk]))


CASES = {
    "payments:proofs": Case(_as("grantee", "payments:proofs", then=lambda p, w: w.final), "Verwendungsnachweise"),
    "payments:grant-proofs": Case(_as("grantee", "payments:grant-proofs", "grant"), "Nachweise"),
    "payments:proof-detail": Case(_as("grantee", "payments:proof-detail", "final"), "Verwendungsnachweis"),
    "payments:proof-edit": Case(_as("grantee", "payments:proof-edit", "final"), "Nachweis bearbeiten"),
    "payments:proof-edit (Fehler)": Case(_as("grantee", "payments:proof-edit", "final", _edit_with_errors),
                                         "Nachweis bearbeiten"),
    "payments:proof-submit": Case(_as("grantee", "payments:proof-submit", "final"), "Nachweis einreichen"),
    "payments:proof-queue": Case(_as("case_worker", "payments:proof-queue", then=lambda p, w: (
        w.submitted, p.reload())), "Nachweise prüfen"),
    "payments:proof-check": Case(_as("case_worker", "payments:proof-check", "submitted"), "Nachweis prüfen"),
    "payments:proof-check (Bestätigung)": Case(_as("case_worker", "payments:proof-check", "submitted",
                                                   _check_confirm), "Nachweis prüfen"),
    "payments:settlements": Case(_as("case_worker", "payments:settlements", then=lambda p, w: (
        w.settleable, p.reload())), "Schlussabrechnungen"),
    "payments:settlement-prepare": Case(_as("case_worker", "payments:settlement-prepare", "settleable"),
                                        "Schlussabrechnung vorbereiten"),
    "payments:settlement-prepare (Bestätigung)": Case(_as("case_worker", "payments:settlement-prepare",
                                                          "settleable", _prepare_confirm),
                                                      "Schlussabrechnung vorbereiten"),
    "payments:settlement-detail": Case(_settlement_url("payments:settlement-detail"), "Schlussabrechnung"),
    "payments:settlement-confirm": Case(_settlement_url("payments:settlement-confirm"),
                                        "Schlussabrechnung bestätigen"),
    "payments:settlement-discard": Case(_settlement_url("payments:settlement-discard"),
                                        "Schlussabrechnung verwerfen"),
    "payments:recoveries": Case(_as("case_worker", "payments:recoveries", then=lambda p, w: (
        w.recovery, p.reload())), "Rückforderungen"),
    "payments:recovery-detail": Case(_as("case_worker", "payments:recovery-detail", "recovery"), "Rückforderung"),
    "payments:recovery-payment (Bestätigung)": Case(_as("case_worker", "payments:recovery-payment", "recovery",
                                                        _payment_confirm), "Zahlungseingang erfassen"),
    "payments:recovery-waive": Case(_as("approver", "payments:recovery-waive", "recovery"),
                                    "Auf Zinsen verzichten"),
    "payments:base-rates (Fehler)": Case(_as("case_worker", "payments:base-rates", then=_base_rate_error),
                                         "Basiszinssätze"),
    "payments:base-rate-correct": Case(_base_rate_correct, "Basiszinssatz ab"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_page_is_accessible(page, name):
    case = CASES[name]
    case.open(page, World())
    page.wait_for_load_state("load")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_count(1)
    expect(heading).to_contain_text(case.heading)
    expect(page.locator("link[rel=stylesheet][href*='kern']").first).to_be_attached()
    assert not page.broken_assets, page.broken_assets
    assert not page.js_errors, page.js_errors
    problems = accessibility_problems(page)
    assert not problems, f"accessibility problems on {page.url}:\n" + "\n".join(
        f"[{kind}]\n  " + "\n  ".join(found) for kind, found in problems.items())
