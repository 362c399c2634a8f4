"""Pages of the proofs area: the municipality's form and submission, the staff check, settlement,
recoveries and base rates; scoping (guessed ids → 404) and query counts of the staff lists."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from payments.enums import DecisionState, GrantState, ProofState
from payments.models import BaseRate, ProofOfUse, Recovery, Settlement
from payments.services import proofs_recovery as recovery_svc
from tests.factories import MunicipalityFactory, member_of, staff_user
from tests.payments.factories import accepted_final, ended_grant, final_proof, pay, seed_rates, submit_final

pytestmark = pytest.mark.django_db
D = Decimal


def test_municipality_fills_in_and_submits_the_final_proof(client):
    grant = ended_grant()
    proof = final_proof(grant)
    client.force_login(grant.grantee)
    assert grant.case_number in client.get(reverse("payments:proofs")).content.decode()
    page = client.get(reverse("payments:proof-edit", args=[proof.pk]))
    assert page.status_code == 200 and "Ansatz laut Finanzierungsplan" in page.content.decode()
    l2024, l2025 = proof.cost_lines.order_by("budget_year")
    data = {"report": "Alles umgesetzt.", "third_party_funds": "1.000,00",
            f"l{l2024.pk}-amount": "100.000,00", f"l{l2025}-amount": "",
            f"l{l2025.pk}-amount": "95.000,50",
            "added-TOTAL_FORMS": "1", "added-INITIAL_FORMS": "0", "added-MIN_NUM_FORMS": "0",
            "added-MAX_NUM_FORMS": "100", "added-0-category": "other", "added-0-description": "Schulung",
            "added-0-budget_year": "2025", "added-0-amount": "500,00", "added-0-eligible": "on", "action": "submit"}
    response = client.post(reverse("payments:proof-edit", args=[proof.pk]), data)
    assert response.status_code == 302 and response.url == reverse("payments:proof-submit", args=[proof.pk])
    proof.refresh_from_db()
    assert (proof.total_costs, proof.eligible_costs, proof.third_party_funds) == (
        D("195500.50"), D("195500.50"), D("1000.00"))
    confirm = client.get(reverse("payments:proof-submit", args=[proof.pk]))
    assert "Jetzt verbindlich einreichen" in confirm.content.decode()
    assert ProofOfUse.objects.get(pk=proof.pk).state == ProofState.DUE  # the confirmation page changes nothing
    client.post(reverse("payments:proof-submit", args=[proof.pk]))
    grant.refresh_from_db()
    assert ProofOfUse.objects.get(pk=proof.pk).state == ProofState.SUBMITTED
    assert grant.state == GrantState.PROOF_SUBMITTED
    # a second click and a late edit change nothing
    assert client.post(reverse("payments:proof-submit", args=[proof.pk])).status_code == 302
    assert client.get(reverse("payments:proof-edit", args=[proof.pk])).status_code == 302


def test_an_untouched_extra_line_is_ignored_as_a_browser_sends_it(client):
    """The page always offers one empty extra line; a browser sends its first year and an empty amount."""
    grant = ended_grant()
    proof = final_proof(grant)
    client.force_login(grant.grantee)
    l2024, l2025 = proof.cost_lines.order_by("budget_year")
    response = client.post(reverse("payments:proof-edit", args=[proof.pk]), {
        "report": "Umgesetzt.", "third_party_funds": "", f"l{l2024.pk}-amount": "10.000,00",
        f"l{l2025.pk}-amount": "5.000,00",
        "added-TOTAL_FORMS": "1", "added-INITIAL_FORMS": "0", "added-MIN_NUM_FORMS": "0",
        "added-MAX_NUM_FORMS": "100", "added-0-category": "", "added-0-description": "",
        "added-0-budget_year": str(l2024.budget_year), "added-0-amount": "", "added-0-eligible": "on",
        "action": "submit"})
    assert response.status_code == 302, response.content.decode()[:2000]
    proof.refresh_from_db()
    assert proof.total_costs == D("15000.00") and proof.cost_lines.count() == 2


def test_bad_amount_is_shown_and_nothing_saved(client):
    grant = ended_grant()
    proof = final_proof(grant)
    client.force_login(grant.grantee)
    line = proof.cost_lines.first()
    response = client.post(reverse("payments:proof-edit", args=[proof.pk]), {
        "report": "x", "third_party_funds": "", f"l{line.pk}-amount": "12,500.00",
        "added-TOTAL_FORMS": "0", "added-INITIAL_FORMS": "0", "added-MIN_NUM_FORMS": "0",
        "added-MAX_NUM_FORMS": "100"})
    assert response.status_code == 400
    assert "Bitte geben Sie einen Betrag in Euro an" in response.content.decode()
    assert ProofOfUse.objects.get(pk=proof.pk).report == ""


def test_guessed_ids_of_other_municipalities_are_404(client):
    grant = ended_grant()
    proof = final_proof(grant)
    client.force_login(member_of(MunicipalityFactory()))
    for name, args in (("payments:proof-detail", [proof.pk]), ("payments:proof-edit", [proof.pk]),
                       ("payments:proof-submit", [proof.pk]), ("payments:grant-proofs", [grant.pk])):
        assert client.get(reverse(name, args=args)).status_code == 404, name
    assert client.post(reverse("payments:proof-submit", args=[proof.pk])).status_code == 404
    recovery = Recovery.objects.create(grant=grant, principal=D("1.00"), interest_from=dt.date(2025, 1, 1),
                                       due_on=dt.date(2025, 2, 1), created_by=staff_user("approver"))
    assert client.get(reverse("payments:recovery-notice", args=[recovery.pk])).status_code == 404
    # and staff pages are closed to municipalities
    for name in ("payments:proof-queue", "payments:settlements", "payments:recoveries", "payments:base-rates"):
        assert client.get(reverse(name)).status_code == 403, name


def test_staff_check_asks_for_confirmation_first(client):
    grant = ended_grant()
    proof = submit_final(grant, ["100000.00", "100000.00"])
    client.force_login(staff_user("case_worker"))
    url = reverse("payments:proof-check", args=[proof.pk])
    assert grant.case_number in client.get(reverse("payments:proof-queue")).content.decode()
    empty = client.post(url, {"decision": "return", "return-reason": ""})
    assert empty.status_code == 400
    step = client.post(url, {"decision": "return", "return-reason": "Belege zu Position 2 erläutern"})
    assert "Bitte bestätigen" in step.content.decode()
    assert ProofOfUse.objects.get(pk=proof.pk).state == ProofState.SUBMITTED
    client.post(url, {"decision": "return", "return-reason": "Belege zu Position 2 erläutern", "confirmed": "1"})
    grant.refresh_from_db()
    assert ProofOfUse.objects.get(pk=proof.pk).state == ProofState.RETURNED
    assert grant.state == GrantState.IN_IMPLEMENTATION


def test_settlement_pages_four_eyes(client):
    grant = ended_grant(retained_percent="10")
    pay(grant, "162000.00")
    accepted_final(grant, ["100000.00", "100000.00"])
    preparer = staff_user("case_worker")
    client.force_login(preparer)
    assert grant.case_number in client.get(reverse("payments:settlements")).content.decode()
    url = reverse("payments:settlement-prepare", args=[grant.pk])
    page = client.get(url).content.decode()
    assert "180.000,00" in page and "18.000,00" in page
    step = client.post(url, {"note": "ok"})
    assert "Bitte bestätigen" in step.content.decode() and not Settlement.objects.exists()
    response = client.post(url, {"note": "ok", "confirmed": "1", "ineffective_from": ""})
    settlement = Settlement.objects.get(grant=grant)
    assert response.url == reverse("payments:settlement-detail", args=[settlement.pk])
    assert client.get(reverse("payments:settlement-confirm", args=[settlement.pk])).status_code == 403
    approver = staff_user("approver")
    client.force_login(approver)
    assert "verbindlich bestätigen" in client.get(reverse("payments:settlement-confirm",
                                                          args=[settlement.pk])).content.decode()
    client.post(reverse("payments:settlement-confirm", args=[settlement.pk]))
    assert Settlement.objects.get(pk=settlement.pk).state == DecisionState.CONFIRMED
    grant.refresh_from_db()
    assert grant.state == GrantState.SETTLED and grant.requested_amount == D("180000.00")


def test_recovery_pages_payment_with_confirmation_and_waiver(client):
    seed_rates()
    grant = ended_grant(state=GrantState.RECOVERY_OPEN)
    recovery = Recovery.objects.create(grant=grant, principal=D("10000.00"), interest_from=dt.date(2024, 1, 1),
                                       due_on=dt.date(2024, 2, 1), created_by=staff_user("approver"))
    clerk = staff_user("case_worker")
    client.force_login(clerk)
    listing = client.get(reverse("payments:recoveries")).content.decode()
    assert grant.case_number in listing and "überfällig" in listing
    # interest 01.01.–29.02.2024 (60 days of 366 at 3,62 + 5 %) on 10.000 = 141,31
    detail = client.get(reverse("payments:recovery-detail", args=[recovery.pk]), {"am": "2024-03-01"})
    assert "141,31" in detail.content.decode() and "10.141,31" in detail.content.decode()
    url = reverse("payments:recovery-payment", args=[recovery.pk])
    step = client.post(url, {"received_on": "2024-03-01", "amount": "5.000,00"})
    assert "141,31" in step.content.decode() and not recovery.payments.exists()
    client.post(url, {"received_on": "2024-03-01", "amount": "5.000,00", "confirmed": "1"})
    assert recovery.payments.get().to_interest == D("141.31")
    too_much = client.post(url, {"received_on": "2024-05-01", "amount": "5.215,18"})
    assert too_much.status_code == 400 and "übersteigt" in too_much.content.decode()
    assert client.get(reverse("payments:recovery-waive", args=[recovery.pk])).status_code == 403
    client.force_login(staff_user("approver"))
    client.post(reverse("payments:recovery-waive", args=[recovery.pk]), {"reason": "Härtefall"})
    assert Recovery.objects.get(pk=recovery.pk).interest_waived


def test_base_rates_page(client):
    client.force_login(staff_user("approver"))
    bad = client.post(reverse("payments:base-rates"), {"valid_from": "2026-03-01", "rate": "1,27"})
    assert bad.status_code == 400 and "1. Januar oder dem 1. Juli" in bad.content.decode()
    client.post(reverse("payments:base-rates"), {"valid_from": "2026-01-01", "rate": "-0,88"})
    rate = BaseRate.objects.get(valid_from=dt.date(2026, 1, 1))
    assert rate.rate == D("-0.88")
    client.post(reverse("payments:base-rate-correct", args=[rate.pk]), {"rate": "1,27", "reason": "Tippfehler"})
    assert BaseRate.objects.get(pk=rate.pk).rate == D("1.27")


def _submitted_proofs(n):
    for _ in range(n):
        grant = ended_grant()
        submit_final(grant, ["100000.00", "90000.00"])


def _open_recoveries(n):
    approver = staff_user("approver")
    for _ in range(n):
        grant = ended_grant(state=GrantState.RECOVERY_OPEN)
        recovery = Recovery.objects.create(grant=grant, principal=D("5000.00"), interest_from=dt.date(2024, 1, 1),
                                           due_on=dt.date(2024, 2, 1), created_by=approver)
        recovery_svc.record_recovery_payment(actor=approver, recovery_id=recovery.pk, received_on=dt.date(2024, 3, 1),
                                         amount=D("100.00"))


@pytest.mark.parametrize("name, make, marker", [
    ("payments:proof-queue", _submitted_proofs, "data-proof="),
    ("payments:recoveries", _open_recoveries, "data-recovery="),
])
def test_staff_lists_do_not_grow_queries_with_rows(client, django_assert_max_num_queries, name, make, marker):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    seed_rates(*[(dt.date(2026, 1, 1), D("1.27")), (dt.date(2026, 7, 1), D("1.27"))])
    user = staff_user("case_worker")
    client.force_login(user)
    make(1)
    with CaptureQueriesContext(connection) as one:
        page = client.get(reverse(name)).content.decode()
    assert page.count(marker) == 1
    make(6)
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(reverse(name)).content.decode()
    assert page.count(marker) == 7


def test_the_final_proof_starts_from_the_declared_third_party_funds(client):
    """Issue 11: the proof form showed "Drittmittel: 0,00 €" although the plan declared 10.000 €."""
    from applications.models import ThirdPartyFunding

    grant = ended_grant()
    ThirdPartyFunding.objects.create(application=grant.application, source="Stiftung", amount=D("10000.00"))
    proof = final_proof(grant)
    assert proof.third_party_funds == D("10000.00")
    client.force_login(grant.grantee)
    page = client.get(reverse("payments:proof-edit", args=[proof.pk])).content.decode()
    assert 'value="10.000,00"' in page
    assert "Drittmittel laut Finanzierungsplan" in page
    assert "Drittmittel: 10.000,00" in page.replace("\xa0", " ")


def test_an_interim_proof_keeps_third_party_funds_at_zero_and_shows_the_plan(client):
    from applications.models import ThirdPartyFunding
    from payments.enums import ProofKind
    from payments.services import proofs as proof_services

    grant = ended_grant()
    ThirdPartyFunding.objects.create(application=grant.application, source="Stiftung", amount=D("10000.00"))
    proof_services.schedule_proofs(grant)
    interim = ProofOfUse.objects.filter(grant=grant, kind=ProofKind.INTERIM).first()
    assert interim is not None and interim.third_party_funds == D("0.00")
    client.force_login(grant.grantee)
    page = client.get(reverse("payments:proof-edit", args=[interim.pk])).content.decode()
    assert "Drittmittel laut Finanzierungsplan" in page and "10.000,00" in page


def test_settlements_page_shows_the_newest_confirmed_and_all_of_them_page_by_page(client, monkeypatch):
    from payments.services import proofs_settlement as settlement_svc
    from payments.views import proofs_staff

    monkeypatch.setattr(proofs_staff, "RECENT", 2)
    preparer, approver = staff_user("case_worker"), staff_user("approver")
    cases = []
    for _ in range(3):
        grant = ended_grant()
        pay(grant, "100000.00")
        accepted_final(grant, ["100000.00", "100000.00"])
        settlement = settlement_svc.prepare_settlement(actor=preparer, grant_id=grant.pk)
        settlement_svc.confirm_settlement(actor=approver, settlement_id=settlement.pk)
        cases.append(grant.case_number)
    client.force_login(preparer)
    page = client.get(reverse("payments:settlements")).content.decode()
    assert "Zuletzt bestätigt" in page and "Keine Zuwendung wartet auf die Schlussabrechnung." in page
    assert cases[2] in page and cases[1] in page and cases[0] not in page  # the newest two
    assert 'href="?liste=bestaetigt">Alle 3 anzeigen</a>' in page
    everything = client.get(reverse("payments:settlements") + "?liste=bestaetigt").content.decode()
    assert "Bestätigte Schlussabrechnungen" in everything and "Abzurechnen" not in everything
    assert all(case in everything for case in cases)
    assert 'href="/zuwendungen/sachbearbeitung/schlussabrechnungen/?">Zurück zu den abzurechnenden' in everything


def test_all_proofs_come_open_first_by_due_date_then_newest_submission_on_every_database():
    """The staff's list of all proofs: PostgreSQL puts a descending column's NULLs (not yet submitted) first, SQLite
    last; the order is written out so that the demo and production agree."""
    from payments.selectors.proofs import proof_queue

    older, newer, untouched = ended_grant(), ended_grant(), ended_grant()
    final_proof(untouched)  # its proofs scheduled, none submitted
    first = submit_final(older, ["100000.00", "90000.00"])
    second = submit_final(newer, ["100000.00", "90000.00"])
    ProofOfUse.objects.filter(pk=first.pk).update(submitted_at=second.submitted_at - dt.timedelta(days=1))
    shown = list(proof_queue(view="all"))
    open_ = [p for p in shown if p.submitted_at is None]
    assert {p.grant_id for p in open_} >= {untouched.pk}
    assert shown[:len(open_)] == sorted(open_, key=lambda p: (p.due_on, p.pk))
    assert [p.pk for p in shown[len(open_):]] == [second.pk, first.pk]
