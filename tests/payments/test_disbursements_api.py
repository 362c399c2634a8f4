"""The disbursements API: requests, bank accounts, four-eyes check/release, payment runs, scoping, queries."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from payments import schedule
from payments.enums import DisbursementState, PaymentRunState
from payments.models import BankAccount, DisbursementRequest
from payments.services import disbursements as svc
from tests.factories import MunicipalityFactory, member_of, staff_user
from tests.payments.factories import make_grant

pytestmark = pytest.mark.django_db

MINE = "/api/v1/payments/disbursements/"
ACCOUNTS = "/api/v1/payments/bank-accounts/"
STAFF = "/api/v1/staff/payments/disbursements/"
RUNS = "/api/v1/staff/payments/payment-runs/"


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def body(grant, **kwargs):
    return {"grant": grant.pk, "amount": "2500.00", "purpose": "Rechnung Sensoren",
            "needed_on": (schedule.today() + dt.timedelta(days=14)).isoformat(), "own_spending": "100.00",
            **kwargs}


def test_municipality_creates_and_lists_own_requests():
    grant = make_grant()
    c = api(grant.grantee)
    r = c.post(MINE, body(grant), format="json")
    assert r.status_code == 201, r.data
    assert r.data["amount"] == "2500.00" and r.data["state"] == "requested" and r.data["number"] == 1
    listing = c.get(MINE).data
    assert listing["count"] == 1 and listing["results"][0]["case_number"] == grant.case_number
    assert c.get(f"{MINE}{r.data['id']}/").status_code == 200


@pytest.mark.parametrize(("change", "field"), [
    ({"amount": "999999999.00"}, "amount"),
    ({"amount": "-1"}, "amount"),
    ({"needed_on": "2099-01-01"}, "needed_on"),
    ({"state": "released"}, None),
])
def test_bad_requests_are_400_and_change_nothing(change, field):
    grant = make_grant()
    r = api(grant.grantee).post(MINE, body(grant, **change), format="json")
    assert r.status_code == 400, r.data
    if field:
        assert r.data.get("field") == field
    assert not DisbursementRequest.objects.exists()


def test_guessed_ids_of_other_municipalities_are_404():
    grant = make_grant()
    d = svc.request_disbursement(actor=grant.grantee, grant_id=grant.pk, amount=Decimal("10"), purpose="x",
                                 needed_on=schedule.today(), own_spending=0)
    other = api(member_of(MunicipalityFactory()))
    assert other.get(f"{MINE}{d.pk}/").status_code == 404
    assert other.get(MINE).data["count"] == 0
    assert other.post(MINE, body(grant), format="json").status_code == 404
    assert other.get(ACCOUNTS).data["count"] == 0
    assert other.post(ACCOUNTS, {"municipality": grant.application.lead_id, "holder": "X",
                                 "iban": "DE12500105170648489890"}, format="json").status_code == 404
    assert other.get(STAFF).status_code == 403 and other.get(RUNS).status_code == 403
    assert DisbursementRequest.objects.count() == 1


def test_bank_account_change_and_history():
    grant = make_grant()
    c = api(grant.grantee)
    bad = c.post(ACCOUNTS, {"municipality": grant.application.lead_id, "holder": "Kasse",
                            "iban": "DE02500105170137075031"}, format="json")
    assert bad.status_code == 400 and bad.data["field"] == "iban" and "Prüfziffer" in bad.data["detail"]
    ok = c.post(ACCOUNTS, {"municipality": grant.application.lead_id, "holder": "Kasse",
                           "iban": "DE12 5001 0517 0648 4898 90"}, format="json")
    assert ok.status_code == 201 and ok.data["iban"] == "DE12500105170648489890" and ok.data["current"]
    rows = c.get(ACCOUNTS).data["results"]
    assert [r["current"] for r in rows] == [True, False]
    staff = api(staff_user("case_worker"))
    assert staff.get(ACCOUNTS).data["count"] == 2
    assert staff.post(ACCOUNTS, {"municipality": grant.application.lead_id, "holder": "X",
                                 "iban": "DE89370400440532013000"}, format="json").status_code == 403
    assert BankAccount.objects.count() == 2


def test_four_eyes_through_the_api():
    grant = make_grant()
    d = svc.request_disbursement(actor=grant.grantee, grant_id=grant.pk, amount=Decimal("10"), purpose="x",
                                 needed_on=schedule.today(), own_spending=0)
    both = staff_user("case_worker")
    both.groups.add(staff_user("approver").groups.get())
    c = api(both)
    assert c.post(f"{STAFF}{d.pk}/check/").data["state"] == "checked"
    r = c.post(f"{STAFF}{d.pk}/release/")
    assert r.status_code == 400 and "Vier-Augen" in r.data["detail"]
    assert api(grant.grantee).post(f"{STAFF}{d.pk}/release/").status_code == 403
    r = api(staff_user("approver")).post(f"{STAFF}{d.pk}/release/")
    assert r.status_code == 200 and r.data["state"] == "released" and r.data["checked_by"]["id"] == both.pk
    assert api(staff_user("case_worker")).get(STAFF, {"state": "released"}).data["count"] == 1


def test_reject_through_the_api_gives_money_back():
    grant = make_grant()
    d = svc.request_disbursement(actor=grant.grantee, grant_id=grant.pk, amount=Decimal("1000"), purpose="x",
                                 needed_on=schedule.today(), own_spending=0)
    c = api(staff_user("case_worker"))
    assert c.post(f"{STAFF}{d.pk}/reject/", {}, format="json").status_code == 400
    r = c.post(f"{STAFF}{d.pk}/reject/", {"reason": "kein Bedarf"}, format="json")
    assert r.status_code == 200 and r.data["state"] == "rejected"
    grant.refresh_from_db()
    assert grant.requested_amount == 0


def test_payment_run_lifecycle_through_the_api():
    grant = make_grant()
    items = []
    for amount in ("10.00", "20.00"):
        d = svc.request_disbursement(actor=grant.grantee, grant_id=grant.pk, amount=Decimal(amount), purpose="x",
                                     needed_on=schedule.today(), own_spending=0)
        svc.check_disbursement(actor=staff_user("case_worker"), disbursement_id=d.pk)
        items.append(svc.release_disbursement(actor=staff_user("approver"), disbursement_id=d.pk))
    c = api(staff_user("case_worker"))
    r = c.post(RUNS, {"execution_date": schedule.today().isoformat(), "disbursements": [items[0].pk]},
               format="json")
    assert r.status_code == 201 and r.data["total"] == "10.00" and r.data["count"] == 1
    run_id = r.data["id"]
    # the run names its payments' address (paginated, like every list) instead of carrying them all
    assert r.data["items_url"].endswith(f"{STAFF}?payment_run={run_id}")
    paid = c.get(r.data["items_url"]).json()
    assert paid["count"] == 1 and [d["id"] for d in paid["results"]] == [items[0].pk]
    assert paid["results"][0]["end_to_end_id"]
    assert c.get(STAFF, {"search": paid["results"][0]["end_to_end_id"]}).json()["count"] == 1  # a bank's message
    again = c.post(RUNS, {"execution_date": schedule.today().isoformat(), "disbursements": [items[0].pk]},
                   format="json")
    assert again.status_code == 400
    f = c.get(f"{RUNS}{run_id}/file/")
    assert f.status_code == 200 and b"pain.001.001.03" in b"".join(f.streaming_content)
    assert api(grant.grantee).get(f"{RUNS}{run_id}/file/").status_code == 403
    # four eyes: whoever created the run does not confirm its execution (defect 4)
    r = c.post(f"{RUNS}{run_id}/confirm/", {"paid_on": schedule.today().isoformat()}, format="json")
    assert r.status_code == 400 and "Vier-Augen-Prinzip" in r.data["detail"]
    second_person = api(staff_user("approver"))
    r = second_person.post(f"{RUNS}{run_id}/confirm/", {"paid_on": schedule.today().isoformat()}, format="json")
    assert r.status_code == 200 and r.data["state"] == PaymentRunState.CONFIRMED
    r = second_person.post(f"{RUNS}{run_id}/confirm/", {"paid_on": schedule.today().isoformat()}, format="json")
    assert r.status_code == 200  # second confirm harmless
    grant.refresh_from_db()
    assert grant.paid_amount == Decimal("10.00")
    second = c.post(RUNS, {"execution_date": schedule.today().isoformat()}, format="json").data
    r = c.post(f"{RUNS}{second['id']}/cancel/", {"reason": "zurückgewiesen"}, format="json")
    assert r.status_code == 200 and r.data["state"] == PaymentRunState.CANCELLED
    items[1].refresh_from_db()
    assert items[1].state == DisbursementState.RELEASED
    assert c.get(f"{RUNS}99999/").status_code == 404
    assert c.get(RUNS).data["count"] == 2


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_staff_list_query_counts_do_not_grow():
    c = api(staff_user("approver"))
    grant = make_grant()

    def one_paid():
        d = svc.request_disbursement(actor=grant.grantee, grant_id=grant.pk, amount=Decimal("1"), purpose="x",
                                     needed_on=schedule.today(), own_spending=0)
        svc.check_disbursement(actor=staff_user("case_worker"), disbursement_id=d.pk)
        svc.release_disbursement(actor=staff_user("approver"), disbursement_id=d.pk)
        run = svc.create_payment_run(actor=staff_user("case_worker"), execution_date=schedule.today())
        svc.confirm_payment_run(actor=staff_user("case_worker"), run_id=run.pk, paid_on=schedule.today())

    one_paid()
    _count(c, STAFF), _count(c, RUNS)  # warm-up (session, roles)
    counts_one = (_count(c, STAFF), _count(c, RUNS))
    for _ in range(4):
        one_paid()
    assert (_count(c, STAFF), _count(c, RUNS)) == counts_one


def test_bank_account_api_refuses_the_lands_account_and_needs_a_second_person(settings):
    grant = make_grant()
    lead_id = grant.application.lead_id
    c = api(grant.grantee)
    land = c.post(ACCOUNTS, {"municipality": lead_id, "holder": "Land", "iban": settings.PAYMENTS_DEBTOR_IBAN},
                  format="json")
    assert land.status_code == 400 and land.data["field"] == "iban" and "Konto des Landes" in land.data["detail"]
    new = c.post(ACCOUNTS, {"municipality": lead_id, "holder": "Kasse", "iban": "DE12500105170648489890"},
                 format="json")
    assert new.status_code == 201 and new.data["confirmed_at"] is None
    assert c.post(f"{ACCOUNTS}{new.data['id']}/confirm/").status_code == 403
    ok = api(staff_user("approver")).post(f"{ACCOUNTS}{new.data['id']}/confirm/")
    assert ok.status_code == 200 and ok.data["confirmed_at"] is not None
    assert BankAccount.objects.get(pk=new.data["id"]).confirmed_by is not None


def test_payment_run_api_refuses_a_weekend_execution_date():
    grant = make_grant()
    d = svc.request_disbursement(actor=grant.grantee, grant_id=grant.pk, amount=Decimal("10.00"), purpose="x",
                                 needed_on=schedule.today(), own_spending=0)
    svc.check_disbursement(actor=staff_user("case_worker"), disbursement_id=d.pk)
    svc.release_disbursement(actor=staff_user("approver"), disbursement_id=d.pk)
    day = schedule.today() + dt.timedelta(days=1)
    while day.weekday() < 5:
        day += dt.timedelta(days=1)
    r = api(staff_user("case_worker")).post(RUNS, {"execution_date": day.isoformat()}, format="json")
    assert r.status_code == 400 and "kein Bankarbeitstag" in r.data["detail"]


def test_api_refuses_money_before_the_funding_period():
    grant = make_grant(start=schedule.today() + dt.timedelta(days=30), end=dt.date(2028, 12, 31))
    r = api(grant.grantee).post(MINE, body(grant), format="json")
    assert r.status_code == 400 and r.data["field"] == "needed_on" and "Bewilligungszeitraum" in r.data["detail"]
    assert not DisbursementRequest.objects.exists()
