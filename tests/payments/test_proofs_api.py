"""API of the proofs area: /api/v1/payments/proofs and staff/payments/{proofs,settlements,recoveries,base-rates}."""

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from payments.enums import DisbursementKind, DisbursementState, GrantState, ProofState, RecoveryState, SettlementOutcome
from payments.models import BaseRate, DisbursementRequest, ProofOfUse, Recovery
from tests.factories import MunicipalityFactory, member_of, staff_user
from tests.payments.factories import accepted_final, ended_grant, final_proof, pay, seed_rates

pytestmark = pytest.mark.django_db
D = Decimal


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_municipality_lists_updates_and_submits_its_proof():
    grant = ended_grant()
    proof = final_proof(grant)
    other = ended_grant()
    final_proof(other)
    api = _client(grant.grantee)
    listing = api.get("/api/v1/payments/proofs/").json()
    assert [p["id"] for p in listing["results"]] == list(
        ProofOfUse.objects.filter(grant=grant).order_by("due_on", "pk").values_list("pk", flat=True))
    detail = api.get(f"/api/v1/payments/proofs/{proof.pk}/").json()
    lines = detail["lines"]
    assert [line["planned"] for line in lines] == ["100000.00", "100000.00"]
    response = api.patch(f"/api/v1/payments/proofs/{proof.pk}/", {
        "report": "Fertig.", "third_party_funds": "0.00",
        "lines": [{"id": lines[0]["id"], "amount": "125000.00"}, {"id": lines[1]["id"], "amount": "60000.00"},
                  {"amount": "1000.00", "category": "other", "description": "Druck", "budget_year": 2025}]},
        format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["total_costs"], body["eligible_costs"]) == ("186000.00", "186000.00")
    assert [line["over_limit"] for line in body["lines"]] == [True, False, True]
    assert len(body["warnings"]) == 2
    bad = api.patch(f"/api/v1/payments/proofs/{proof.pk}/", {"state": "accepted"}, format="json")
    assert bad.status_code == 400
    negative = api.patch(f"/api/v1/payments/proofs/{proof.pk}/",
                         {"lines": [{"id": lines[0]["id"], "amount": "-5"}]}, format="json")
    assert negative.status_code == 400 and negative.json()["field"] == "lines.0.amount"
    submitted = api.post(f"/api/v1/payments/proofs/{proof.pk}/submit/")
    assert submitted.status_code == 200 and submitted.json()["state"] == ProofState.SUBMITTED
    grant.refresh_from_db()
    assert grant.state == GrantState.PROOF_SUBMITTED
    assert api.patch(f"/api/v1/payments/proofs/{proof.pk}/", {"report": "x"}, format="json").status_code == 400


def test_guessed_ids_are_404_and_staff_endpoints_403_for_municipalities():
    grant = ended_grant()
    proof = final_proof(grant)
    api = _client(member_of(MunicipalityFactory()))
    assert api.get(f"/api/v1/payments/proofs/{proof.pk}/").status_code == 404
    assert api.post(f"/api/v1/payments/proofs/{proof.pk}/submit/").status_code == 404
    assert api.patch(f"/api/v1/payments/proofs/{proof.pk}/", {"report": "x"}, format="json").status_code == 404
    for url in ("proofs", "settlements", "recoveries", "base-rates"):
        assert api.get(f"/api/v1/staff/payments/{url}/").status_code == 403, url


def test_staff_check_settle_and_four_eyes_over_the_api():
    grant = ended_grant()
    pay(grant, "180000.00")
    proof = final_proof(grant)
    member = _client(grant.grantee)
    lines = member.get(f"/api/v1/payments/proofs/{proof.pk}/").json()["lines"]
    member.patch(f"/api/v1/payments/proofs/{proof.pk}/", {
        "report": "Weniger ausgegeben.", "lines": [{"id": lines[0]["id"], "amount": "100000.00"},
                                                  {"id": lines[1]["id"], "amount": "50000.00"}]}, format="json")
    member.post(f"/api/v1/payments/proofs/{proof.pk}/submit/")
    clerk = _client(staff_user("case_worker"))
    queue = clerk.get("/api/v1/staff/payments/proofs/").json()
    assert [p["id"] for p in queue["results"]] == [proof.pk]
    assert _client(staff_user("approver")).post(f"/api/v1/staff/payments/proofs/{proof.pk}/accept/").status_code == 403
    assert clerk.post(f"/api/v1/staff/payments/proofs/{proof.pk}/accept/", {"note": "ok"},
                      format="json").json()["state"] == ProofState.ACCEPTED
    missing_date = clerk.post("/api/v1/staff/payments/settlements/prepare/", {"grant": grant.pk}, format="json")
    assert missing_date.status_code == 400 and missing_date.json()["field"] == "ineffective_from"
    prepared = clerk.post("/api/v1/staff/payments/settlements/prepare/",
                          {"grant": grant.pk, "ineffective_from": "2025-08-01"}, format="json")
    assert prepared.status_code == 201
    body = prepared.json()
    assert (body["final_amount"], body["difference"], body["outcome"]) == (
        "135000.00", "-45000.00", SettlementOutcome.RECOVERY)
    assert clerk.post(f"/api/v1/staff/payments/settlements/{body['id']}/confirm/").status_code == 403
    confirmed = _client(staff_user("approver")).post(f"/api/v1/staff/payments/settlements/{body['id']}/confirm/")
    assert confirmed.status_code == 200 and confirmed.json()["state"] == "confirmed"
    assert confirmed.json()["recovery"] == Recovery.objects.get(grant=grant).pk


def test_recoveries_interest_to_a_date_payment_and_waiver():
    seed_rates()
    grant = ended_grant(state=GrantState.RECOVERY_OPEN)
    recovery = Recovery.objects.create(grant=grant, principal=D("10000.00"), interest_from=dt.date(2023, 12, 1),
                                       due_on=dt.date(2024, 1, 1), created_by=staff_user("approver"))
    clerk = _client(staff_user("case_worker"))
    # hand figures: see tests/payments/test_interest.py (600,51 € to 15.08.2024)
    detail = clerk.get(f"/api/v1/staff/payments/recoveries/{recovery.pk}/", {"on": "2024-08-15"}).json()
    assert detail["position"]["interest"] == "600.51"
    assert detail["position"]["outstanding"] == "10600.51"
    assert [p["days"] for p in detail["periods"]] == [31, 182, 45]
    assert clerk.get("/api/v1/staff/payments/recoveries/", {"on": "nonsense"}).status_code == 400
    too_much = clerk.post(f"/api/v1/staff/payments/recoveries/{recovery.pk}/payments/",
                          {"received_on": "2024-08-15", "amount": "10600.52"}, format="json")
    assert too_much.status_code == 400 and too_much.json()["field"] == "amount"
    paid = clerk.post(f"/api/v1/staff/payments/recoveries/{recovery.pk}/payments/",
                      {"received_on": "2024-08-15", "amount": "600.51"}, format="json")
    assert paid.status_code == 201
    assert paid.json()["payments"][0]["to_interest"] == "600.51"
    assert clerk.post(f"/api/v1/staff/payments/recoveries/{recovery.pk}/waive-interest/",
                      {"reason": "x"}, format="json").status_code == 403
    approver = _client(staff_user("approver"))
    assert approver.post(f"/api/v1/staff/payments/recoveries/{recovery.pk}/waive-interest/", {},
                         format="json").status_code == 400
    waived = approver.post(f"/api/v1/staff/payments/recoveries/{recovery.pk}/waive-interest/",
                           {"reason": "Härtefall"}, format="json")
    assert waived.status_code == 200 and waived.json()["interest_waived"] is True
    last = clerk.post(f"/api/v1/staff/payments/recoveries/{recovery.pk}/payments/",
                      {"received_on": "2024-09-01", "amount": "10000.00"}, format="json")
    assert last.json()["state"] == RecoveryState.PAID


def test_base_rates_api():
    api = _client(staff_user("case_worker"))
    assert api.post("/api/v1/staff/payments/base-rates/", {"valid_from": "2026-02-01", "rate": "1.27"},
                    format="json").status_code == 400
    created = api.post("/api/v1/staff/payments/base-rates/", {"valid_from": "2026-01-01", "rate": "1.27"},
                       format="json")
    assert created.status_code == 201
    assert api.post("/api/v1/staff/payments/base-rates/", {"valid_from": "2026-01-01", "rate": "2.00"},
                    format="json").status_code == 400
    listed = [r["valid_from"] for r in api.get("/api/v1/staff/payments/base-rates/").json()]
    # newest first, after the rates the data migration brings (up to 1 July 2025)
    assert listed[:3] == ["2026-01-01", "2025-07-01", "2025-01-01"] and listed.count("2026-01-01") == 1
    corrected = api.post(f"/api/v1/staff/payments/base-rates/{created.json()['id']}/correct/",
                         {"rate": "1.30", "reason": "Tippfehler"}, format="json")
    assert corrected.status_code == 200 and BaseRate.objects.get(valid_from="2026-01-01").rate == D("1.30")


@pytest.mark.parametrize("url", ["/api/v1/staff/payments/proofs/", "/api/v1/staff/payments/recoveries/"])
def test_staff_list_endpoints_query_count(url, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    seed_rates((dt.date(2026, 1, 1), D("1.27")), (dt.date(2026, 7, 1), D("1.27")))
    api = _client(staff_user("case_worker"))
    approver = staff_user("approver")

    def make(n):
        for _ in range(n):
            grant = ended_grant(state=GrantState.RECOVERY_OPEN if "recover" in url else GrantState.IN_IMPLEMENTATION)
            if "recover" in url:
                Recovery.objects.create(grant=grant, principal=D("100.00"), interest_from=dt.date(2025, 1, 1),
                                        due_on=dt.date(2025, 2, 1), created_by=approver)
            else:
                accepted_final(grant, ["1.00", "1.00"])
                ProofOfUse.objects.filter(grant=grant, kind="final").update(state=ProofState.SUBMITTED)

    make(1)
    with CaptureQueriesContext(connection) as one:
        assert api.get(url).json()["count"] == 1
    make(5)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert api.get(url).json()["count"] == 6


JUNK_AMOUNTS = ["1e30", "1e-30", "NaN", "Infinity", "-5", "abc", "1" * 27, "1.234,567"]


@pytest.mark.parametrize("amount", JUNK_AMOUNTS)
def test_junk_proof_amounts_are_400_not_500(amount):
    """Defect 7 on the proof-of-use doors: the line amounts and the recovery payment use the one parser."""
    grant = ended_grant()
    proof = final_proof(grant)
    api = _client(grant.grantee)
    line = api.get(f"/api/v1/payments/proofs/{proof.pk}/").json()["lines"][0]
    response = api.patch(f"/api/v1/payments/proofs/{proof.pk}/", {"lines": [{"id": line["id"], "amount": amount}]},
                         format="json")
    assert response.status_code == 400 and response.json()["field"] == "lines.0.amount"
    assert response.json()["detail"]


@pytest.mark.parametrize("amount", JUNK_AMOUNTS)
def test_junk_recovery_payment_amounts_are_400_not_500(amount):
    grant = ended_grant(state=GrantState.RECOVERY_OPEN)
    recovery = Recovery.objects.create(grant=grant, principal=D("10000.00"), interest_from=dt.date(2023, 12, 1),
                                       due_on=dt.date(2024, 1, 1), created_by=staff_user("approver"))
    response = _client(staff_user("case_worker")).post(f"/api/v1/staff/payments/recoveries/{recovery.pk}/payments/",
                                                       {"received_on": "2024-08-15", "amount": amount}, format="json")
    assert response.status_code == 400 and response.json()["field"] == "amount"
    assert response.json()["detail"]


def test_settlement_with_cents_and_its_final_payment_through_the_api():
    """Defect 8 (the settlement constraint on SQLite, the default test database) and defect 4 (the final
    payment is checked and released by two people, not released at once)."""
    grant = ended_grant(eligible="200000.12")  # 90 % → 180.000,10
    pay(grant, "162000.20")
    accepted_final(grant, ["100000.06", "100000.06"])
    clerk, approver = staff_user("case_worker"), staff_user("approver")
    prepared = _client(clerk).post("/api/v1/staff/payments/settlements/prepare/", {"grant": grant.pk},
                                   format="json")
    assert prepared.status_code == 201 and prepared.json()["difference"] == "17999.90"
    confirmed = _client(approver).post(f"/api/v1/staff/payments/settlements/{prepared.json()['id']}/confirm/")
    assert confirmed.status_code == 200 and confirmed.json()["state"] == "confirmed"
    payment = DisbursementRequest.objects.get(grant=grant, kind=DisbursementKind.FINAL_PAYMENT)
    assert payment.state == DisbursementState.REQUESTED and payment.amount == D("17999.90")
    staff = "/api/v1/staff/payments/disbursements/"
    assert _client(approver).post(f"{staff}{payment.pk}/release/").status_code == 400  # not checked yet
    assert _client(clerk).post(f"{staff}{payment.pk}/check/").status_code == 200
    assert _client(clerk).post(f"{staff}{payment.pk}/release/").status_code in (400, 403)  # four eyes
    released = _client(approver).post(f"{staff}{payment.pk}/release/")
    assert released.status_code == 200 and released.json()["state"] == DisbursementState.RELEASED


def test_settlement_and_own_proof_lists_keep_their_queries_and_join_only_what_they_show():
    """The list endpoints read the relations their serializers show (foundation.api.ShapedReadMixin), no other
    and none per row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from payments.services import proofs_settlement as settlement_svc

    preparer, approver = staff_user("case_worker"), staff_user("approver")
    lead = MunicipalityFactory()
    member = member_of(lead)

    def settle(n):
        for _ in range(n):
            grant = ended_grant(lead=lead, with_bank_account=not lead.bank_accounts.exists())
            pay(grant, "100000.00")
            accepted_final(grant, ["100000.00", "100000.00"])
            settlement = settlement_svc.prepare_settlement(actor=preparer, grant_id=grant.pk)
            settlement_svc.confirm_settlement(actor=approver, settlement_id=settlement.pk)

    def queries(api, url, count):
        with CaptureQueriesContext(connection) as ctx:
            body = api.get(url).json()
        assert body["count"] == count
        return ctx.captured_queries, body

    staff, own = _client(preparer), _client(member)
    settle(1)
    staff.get("/api/v1/staff/payments/settlements/"), own.get("/api/v1/payments/proofs/")  # first request: the session
    settlements, body = queries(staff, "/api/v1/staff/payments/settlements/", 1)
    assert body["results"][0]["grant"]["municipality"] == lead.name and body["results"][0]["prepared_by"]
    proofs, body = queries(own, "/api/v1/payments/proofs/", ProofOfUse.objects.count())
    assert body["results"][0]["grant"]["case_number"]
    settle(3)
    assert len(queries(staff, "/api/v1/staff/payments/settlements/", 4)[0]) == len(settlements)
    assert len(queries(own, "/api/v1/payments/proofs/", ProofOfUse.objects.count())[0]) == len(proofs)
    rows_query = next(q["sql"] for q in settlements if "payments_settlement" in q["sql"] and " IN (" in q["sql"])
    assert "grants_fundingprogram" not in rows_query and "payments_proofofuse" not in rows_query
