"""The whole money journey of one grant in the browser, as the people involved walk it.

A case worker prepares the approval on the call's Bewilligung page, an approver confirms it (four-eyes) and
the grant notice is rendered (Celery runs eagerly in the tests, after the commit of the live server's
request). The municipality's member waives the appeal, requests money, the case worker checks the request
and the approver releases it; the case worker puts it into a payment run (SEPA file) and confirms it as
paid. After the (moved) end of the project the member submits the final proof with lower actual costs,
the case worker accepts it and prepares the settlement, the approver confirms it: a final payment, which
the next payment run pays out and which closes the grant.

Only the setup uses factories and services; every step is a click or a form on the real pages. Each person
has their own browser context (own session, one login through the real form with TOTP), and axe checks
every page the journey reaches for the first time.
"""

import datetime as dt
import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.urls import resolve, reverse
from django.utils import timezone
from playwright.sync_api import expect

from applications.enums import ApplicationState as AS
from foundation.amounts import format_amount_input, format_eur
from grants.models import CallBudgetYear, FundingProgram
from grants.money import proportional_grant
from payments.enums import DecisionState, DisbursementKind, DisbursementState, GrantState, ProofKind, ProofState
from payments.models import Decision, DisbursementRequest, Grant, Notice, PaymentRun, ProofOfUse, Settlement
from payments.services import disbursements as disbursement_services
from tests.browser.conftest import TIMEOUT_MS, assert_accessible, log_in
from tests.factories import CallFactory, MunicipalityFactory, member_of, staff_user
from tests.payments.factories import decidable

pytestmark = pytest.mark.browser

IBAN = "DE89370400440532013000"


def _person(browser, live_server, user):
    """A browser context of its own for one person, signed in through the real login form (with TOTP
    for staff). Mirrors the ``page`` fixture of conftest.py."""
    context = browser.new_context(base_url=live_server.url, locale="de-DE", timezone_id="Europe/Berlin",
                                  viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    log_in(page, user, via_form=True)
    return page


_REACHED: set[str] = set()


def _at(page, heading):
    """The page has loaded with this h1; the first time the journey reaches a page (by its URL name), it
    passes axe (WCAG 2.1 A/AA), reflow and the table checks. Each page's own case in the per-area files
    (test_payments_decisions, _disbursements, _proofs) checks it in every state it can be in."""
    expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    name = resolve(urlsplit(page.url).path).view_name
    if name not in _REACHED:
        _REACHED.add(name)
        assert_accessible(page)


def _click(page, role, name, **kwargs):
    with page.expect_navigation():
        page.get_by_role(role, name=name, **kwargs).first.click()


def _message(page, text):
    expect(page.locator(".messages, .kern-alert--success").first).to_contain_text(text)


def _eur(amount: Decimal) -> str:
    """An amount as the pages show it, e.g. "111.111,10 €" (with a plain space: Playwright normalises the
    no-break space of the |eur filter when it compares text)."""
    return format_eur(amount).replace("\u00a0", " ")


def test_money_journey_from_approval_to_closed_grant(browser, live_server, page):
    _REACHED.clear()
    today = timezone.localdate()
    # ---------------------------------------------------------------- setup (factories and services only)
    call = CallFactory(title="Förderaufruf Smarte Dörfer 2027")  # budget years 2027 and 2028 at 8 Mio. each
    # Money is paid only inside the funding period and booked to a committed budget year: the grant is
    # committed in this year and the next (tranches added to the call when missing).
    first_year, second_year = today.year, today.year + 1
    for year in (first_year, second_year):
        CallBudgetYear.objects.get_or_create(call=call, year=year, defaults={"amount": Decimal("8000000.00")})
    FundingProgram.objects.filter(pk=call.program_id).update(retained_instalment_percent=Decimal("10"))
    lead = MunicipalityFactory()
    # 150.000,00 € (90 % of 166.666,67 € eligible costs), half in 2027, half in 2028; the project started
    # in spring, so that moving its end to yesterday later keeps the period valid.
    app = decidable(call, grant="150000.00", years={first_year: "1", second_year: "1"}, state=AS.RECOMMENDED,
                    lead=lead, start=today - dt.timedelta(days=200), end=dt.date(second_year, 12, 31))
    worker, approver = staff_user("case_worker"), staff_user("approver")
    member = member_of(lead)
    account = disbursement_services.change_bank_account(actor=member, municipality_id=lead.pk,
                                                        holder="Gemeindekasse", iban=IBAN)
    disbursement_services.confirm_bank_account(actor=worker, account_id=account.pk)  # the second person
    planned_lines = list(app.cost_lines.order_by("budget_year"))
    assert [line.budget_year for line in planned_lines] == [first_year, second_year]

    worker_page = _person(browser, live_server, worker)
    approver_page = _person(browser, live_server, approver)
    member_page = page
    log_in(member_page, member)
    try:
        # ------------------------------------------------------------ 1) case worker prepares the approval
        w = worker_page
        w.goto(reverse("payments:decisions"))
        _at(w, "Bewilligung")
        _click(w, "link", call.title)
        _at(w, call.title)
        expect(w.locator("#recommended")).to_contain_text(app.case_number)
        _click(w, "link", app.case_number)
        _at(w, app.title)
        w.get_by_label("Bewilligung", exact=True).check()
        _click(w, "button", "Entscheidung vorbereiten")
        _message(w, "Die Entscheidung ist vorbereitet")
        decision = Decision.objects.get(application=app)
        assert decision.state == DecisionState.PREPARED and decision.prepared_by == worker
        expect(w.get_by_text("Vier-Augen-Prinzip: Sie haben diese Entscheidung vorbereitet")).to_be_visible()
        assert_accessible(w)

        # ------------------------------------------------------------ 2) approver confirms, notice rendered
        a = approver_page
        a.goto(reverse("payments:decisions-call", args=[call.pk]))
        _at(a, call.title)
        _click(a, "link", "prüfen und bestätigen")
        _at(a, "Entscheidung bestätigen")
        expect(a.locator("main")).to_contain_text(_eur(Decimal("150000.00")))
        _click(a, "button", "Entscheidung endgültig bestätigen")
        _message(a, "Die Entscheidung ist bestätigt")
        grant = Grant.objects.get(application=app)
        assert grant.state == GrantState.NOTICE_ISSUED, "the notice task should have run after the commit"
        assert grant.retained_amount == Decimal("15000.00")
        notice = Notice.objects.get(application=app)
        expect(a.locator("#notices")).to_contain_text("Zuwendungsbescheid (Fassung 1)")
        assert_accessible(a)  # the case page with grant and notice

        # ------------------------------------------------------------ 3) the municipality waives the appeal
        m = member_page
        m.goto(reverse("payments:grants"))
        _at(m, "Zuwendungen")
        _click(m, "link", app.case_number)
        _at(m, app.title)
        notice_link = m.locator("#notices").get_by_role("link", name=re.compile("Zuwendungsbescheid"))
        expect(notice_link).to_have_attribute("href", reverse("payments:notice-download", args=[notice.pk]))
        pdf = m.request.get(notice_link.get_attribute("href"))
        assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
        _click(m, "link", "Auf Rechtsbehelfe verzichten …")
        _at(m, "Rechtsbehelfsverzicht")
        m.get_by_label("Wir verzichten", exact=False).check()
        _click(m, "button", "Verzicht erklären")
        _message(m, "Sie haben auf Rechtsbehelfe verzichtet")
        expect(m.get_by_role("link", name="Auf Rechtsbehelfe verzichten …")).to_have_count(0)
        grant.refresh_from_db()
        assert grant.state == GrantState.FINAL and grant.final_on == today

        # ------------------------------------------------------------ 4) the member requests money
        _click(m, "link", "Mittelabrufe und Auszahlungen")
        _at(m, "Mittelabrufe")
        expect(m.locator("main")).to_contain_text(_eur(Decimal("135000.00")))  # 150.000 − 10 % retained
        m.get_by_label("Betrag in Euro").fill("50.000,00")
        m.get_by_label("Benötigt zum").fill(min(today + dt.timedelta(days=14),
                                                dt.date(first_year, 12, 31)).isoformat())
        m.get_by_label("Wofür wird das Geld benötigt?").fill("Rechnung der Firma für die Sensoren")
        _click(m, "button", "Mittel abrufen")
        _message(m, "Ihr Mittelabruf Nr. 1 über 50.000,00 € ist eingegangen")
        request_1 = DisbursementRequest.objects.get(grant=grant)
        assert request_1.amount == Decimal("50000.00") and request_1.state == DisbursementState.REQUESTED
        assert Grant.objects.get(pk=grant.pk).state == GrantState.IN_IMPLEMENTATION
        assert_accessible(m)  # with the request in the list

        # ------------------------------------------------------------ 5) check (case worker), release (approver)
        w.goto(reverse("payments:disbursement-queue"))
        _at(w, "Mittelabrufe prüfen und anordnen")
        _click(w, "link", "Prüfen", exact=True)
        _at(w, f"{app.case_number} / 1")
        _click(w, "button", "Sachlich richtig zeichnen")
        _message(w, "sachlich richtig gezeichnet")
        expect(w.get_by_role("button", name="Auszahlung anordnen")).to_have_count(0)  # four eyes
        assert_accessible(w)

        a.goto(reverse("payments:disbursement-queue"))
        _at(a, "Mittelabrufe prüfen und anordnen")
        _click(a, "link", "Anordnen", exact=True)
        _at(a, f"{app.case_number} / 1")
        _click(a, "button", "Auszahlung anordnen")
        _message(a, "ist angeordnet")
        request_1.refresh_from_db()
        assert request_1.state == DisbursementState.RELEASED
        assert (request_1.checked_by, request_1.released_by) == (worker, approver)

        # ------------------------------------------------------------ 6) payment run, SEPA file, paid
        w.goto(reverse("payments:payment-runs"))
        _at(w, "Zahlungsläufe")
        _click(w, "link", "Zahlungslauf erstellen …")
        _at(w, "Zahlungslauf erstellen")
        expect(w.get_by_role("checkbox", name=re.compile(app.case_number))).to_be_checked()
        _click(w, "button", "Zahlungslauf mit den gewählten Zahlungen erstellen")
        _message(w, "Zahlungslauf 1 mit 1 Zahlung wurde erstellt")
        _at(w, "Zahlungslauf 1")
        expect(w.locator("[data-figure=total]")).to_contain_text("50.000,00 €")
        sepa_link = w.get_by_role("link", name="SEPA-Datei (XML) herunterladen")
        xml = w.request.get(sepa_link.get_attribute("href"))
        assert xml.ok and "xml" in xml.headers["content-type"]
        xml_text = xml.text()
        assert app.case_number in xml_text and "50000.00" in xml_text and IBAN in xml_text
        # four eyes: whoever created the run does not confirm it; the execution is confirmed on or after the
        # execution date (time moves on: the bank executed the run today)
        PaymentRun.objects.filter(number=1).update(execution_date=today)
        a.goto(reverse("payments:payment-run", args=[PaymentRun.objects.get(number=1).pk]))
        _click(a, "link", "Ausführung bestätigen …")
        _at(a, "Ausführung durch die Bank bestätigen")
        a.get_by_label("Ich bestätige", exact=False).check()
        _click(a, "button", "Als ausgeführt bestätigen")
        _message(a, "ist als ausgeführt bestätigt")
        assert_accessible(a)  # the confirmed run
        run_1 = PaymentRun.objects.get(number=1)
        assert (run_1.prepared_by, run_1.confirmed_by) == (worker, approver)
        request_1.refresh_from_db()
        grant.refresh_from_db()
        assert run_1.state == "confirmed" and request_1.state == DisbursementState.PAID
        assert grant.paid_amount == Decimal("50000.00")

        # ------------------------------------------------------------ 7) the final proof
        # Time moves on: instead of waiting for the end of the funding period (31.12.2028) the test ends the
        # project yesterday with a queryset update, and moves the final proof's due date with it (the proof
        # rows were created in state "due" when the notice was issued). The interim proof for 2027 stays as
        # it is; it does not block the final proof or the settlement.
        project_end = today - dt.timedelta(days=1)
        Grant.objects.filter(pk=grant.pk).update(project_end=project_end)
        final = ProofOfUse.objects.get(grant=grant, kind=ProofKind.FINAL)
        assert final.state == ProofState.DUE
        ProofOfUse.objects.filter(pk=final.pk).update(due_on=project_end + dt.timedelta(days=180))

        m.goto(reverse("payments:proofs"))
        _at(m, "Verwendungsnachweise")
        _click(m, "link", f"{app.case_number} – {app.title}")
        _at(m, "Nachweise")
        m.get_by_role("row", name=re.compile("Verwendungsnachweis")).get_by_role("link").click()
        expect(m.get_by_role("heading", level=1)).to_contain_text("Verwendungsnachweis")
        assert_accessible(m)
        _click(m, "link", "Nachweis bearbeiten")
        _at(m, "Nachweis bearbeiten")
        actual = {first_year: Decimal("60000.00"), second_year: Decimal("63456.78")}  # planned: 83.333,34 + 83.333,33
        m.get_by_role("textbox", name="Sachbericht").fill("Sensoren in allen Ortsteilen installiert; günstiger "
                                                          "als geplant.")
        for line in planned_lines:
            group = m.get_by_role("group", name=re.compile(re.escape(line.description)))
            group.get_by_label("Tatsächliche Ausgaben (€)").fill(format_amount_input(actual[line.budget_year]))
        _click(m, "button", "Speichern und weiter zum Einreichen")
        # The empty row "Weitere Ausgabe 1" was left alone, as a person would: it must not count as filled in.
        untouched_row_errors = m.get_by_role("group", name="Weitere Ausgabe 1").locator(".kern-error")
        assert untouched_row_errors.count() == 0, (
            "the untouched empty row 'Weitere Ausgabe 1' is validated as if filled in: "
            f"{untouched_row_errors.all_inner_texts()} (payments/proofs_forms.py: the pre-selected Haushaltsjahr "
            "and the empty amount, parsed as 0,00, make the extra form 'changed')")
        _at(m, "Nachweis einreichen")
        actual_eligible = sum(actual.values())
        expect(m.locator("main")).to_contain_text(_eur(actual_eligible))
        _click(m, "button", "Jetzt verbindlich einreichen")
        _message(m, "Der Nachweis wurde eingereicht")
        final.refresh_from_db()
        assert final.state == ProofState.SUBMITTED and final.eligible_costs == actual_eligible
        assert Grant.objects.get(pk=grant.pk).state == GrantState.PROOF_SUBMITTED

        # ------------------------------------------------------------ 8) accept, settle (four eyes)
        w.goto(reverse("payments:proof-queue"))
        _at(w, "Nachweise prüfen")
        _click(w, "link", re.compile(f"Prüfen – {re.escape(app.case_number)}"))
        _at(w, "Nachweis prüfen")
        w.get_by_label("Prüfvermerk").fill("Belege stichprobenartig geprüft.")
        _click(w, "button", "Annehmen …")
        expect(w.get_by_role("heading", name="Bitte bestätigen")).to_be_visible()
        assert_accessible(w)  # the confirmation step
        _click(w, "button", "Ja, annehmen")
        _message(w, "Der Nachweis ist geprüft und angenommen")
        assert ProofOfUse.objects.get(pk=final.pk).state == ProofState.ACCEPTED

        # Final grant: 90 % of the actual eligible costs, rounded down to the cent (at most the maximum).
        final_amount = proportional_grant(rate=grant.funding_rate, eligible_costs=actual_eligible,
                                          maximum=grant.amount)
        assert final_amount == Decimal("111111.10")  # 123.456,78 × 0,9 = 111.111,102
        difference = final_amount - Decimal("50000.00")
        assert difference > 0  # less spent than planned, but more than paid out: a final payment

        w.goto(reverse("payments:settlements"))
        _at(w, "Schlussabrechnungen")
        _click(w, "link", re.compile(re.escape(app.case_number)))
        _at(w, "Schlussabrechnung vorbereiten")
        expect(w.locator("[data-figure=final]")).to_contain_text(_eur(final_amount))
        expect(w.get_by_label("Bescheid unwirksam ab (Zinsbeginn)")).to_have_count(0)  # no recovery
        w.get_by_label("Vermerk").fill("Nachweis angenommen; Schlusszahlung.")
        _click(w, "button", "Vorbereiten …")
        expect(w.get_by_role("button", name="Ja, zur Bestätigung vorlegen")).to_be_visible()
        assert_accessible(w)
        _click(w, "button", "Ja, zur Bestätigung vorlegen")
        _message(w, "Die Schlussabrechnung ist vorbereitet")
        _at(w, "Schlussabrechnung")
        settlement = Settlement.objects.get(grant=grant)
        assert settlement.prepared_by == worker and settlement.state == DecisionState.PREPARED

        a.goto(reverse("payments:settlements"))
        _at(a, "Schlussabrechnungen")
        _click(a, "link", re.compile(f"Öffnen – {re.escape(app.case_number)}"))
        _at(a, "Schlussabrechnung")
        _click(a, "link", "Bestätigen …")
        _at(a, "Schlussabrechnung bestätigen")
        expect(a.locator("main")).to_contain_text(f"Schlusszahlung von {_eur(difference)}")
        _click(a, "button", "Schlussabrechnung verbindlich bestätigen")
        _message(a, "Die Schlusszahlung ist angelegt")
        expect(a.locator("[data-figure=final]")).to_contain_text(_eur(final_amount))
        expect(a.locator("[data-figure=difference]")).to_contain_text(_eur(difference))
        expect(a.get_by_role("row", name="Ergebnis")).to_contain_text("Schlusszahlung")
        expect(a.get_by_role("row", name="Bisher ausgezahlt")).to_contain_text("50.000,00 €")
        expect(a.get_by_role("row", name="Tatsächliche zuwendungsfähige Ausgaben")).to_contain_text(
            _eur(actual_eligible))
        assert_accessible(a)
        grant.refresh_from_db()
        assert grant.state == GrantState.SETTLED and grant.final_amount == final_amount
        final_payment = DisbursementRequest.objects.get(grant=grant, kind=DisbursementKind.FINAL_PAYMENT)
        assert final_payment.amount == difference and final_payment.state == DisbursementState.REQUESTED

        # ------------------------------------------------------------ the final payment: check, release, paid
        w.goto(reverse("payments:disbursement", args=[final_payment.pk]))
        _click(w, "button", "Sachlich richtig zeichnen")
        _message(w, "sachlich richtig gezeichnet")
        a.goto(reverse("payments:disbursement", args=[final_payment.pk]))
        _click(a, "button", "Auszahlung anordnen")
        _message(a, "ist angeordnet")
        w.goto(reverse("payments:payment-run-create"))
        _at(w, "Zahlungslauf erstellen")
        _click(w, "button", "Zahlungslauf mit den gewählten Zahlungen erstellen")
        _at(w, "Zahlungslauf 2")
        expect(w.locator("[data-figure=total]")).to_contain_text(_eur(difference))
        xml_text = w.request.get(w.get_by_role("link", name="SEPA-Datei (XML) herunterladen")
                                 .get_attribute("href")).text()
        assert app.case_number in xml_text and f"{difference:.2f}" in xml_text and "Schlusszahlung" in xml_text
        PaymentRun.objects.filter(number=2).update(execution_date=today)
        a.goto(reverse("payments:payment-run", args=[PaymentRun.objects.get(number=2).pk]))
        _click(a, "link", "Ausführung bestätigen …")
        a.get_by_label("Ich bestätige", exact=False).check()
        _click(a, "button", "Als ausgeführt bestätigen")
        _message(a, "ist als ausgeführt bestätigt")
        grant.refresh_from_db()
        assert grant.state == GrantState.CLOSED and grant.paid_amount == final_amount

        m.goto(reverse("payments:grant-proofs", args=[grant.pk]))
        expect(m.locator("main")).to_contain_text(f"Endgültige Zuwendung: {_eur(final_amount)}")
        expect(m.locator("main")).to_contain_text(f"Ausgezahlt: {_eur(final_amount)}")
        expect(m.locator("main")).to_contain_text("Status: Abgeschlossen")
        assert_accessible(m)

        for who in (w, a, m):
            assert not who.js_errors, who.js_errors
    finally:
        worker_page.context.close()
        approver_page.context.close()
