"""Defect 9: the same money request sent twice (one after the other, or at the same moment) has one effect."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from payments import schedule
from payments.enums import DisbursementState
from payments.idempotency import FORM_FIELD, IdempotencyKey
from payments.models import DisbursementRequest
from payments.services import disbursements as svc
from tests import services as machine
from tests.factories import staff_user
from tests.payments.factories import api_as, make_grant
from tests.services import run_parallel

MINE = "/api/v1/payments/disbursements/"
STAFF = "/api/v1/staff/payments/disbursements/"


def _body(grant, amount="2500.00"):
    return {"grant": grant.pk, "amount": amount, "purpose": "Rechnung Sensoren",
            "needed_on": (schedule.today() + dt.timedelta(days=14)).isoformat(), "own_spending": "0.00"}


@pytest.mark.django_db
def test_api_repeat_with_the_same_key_answers_the_first_result():
    grant = make_grant()
    c = api_as(grant.grantee)
    first = c.post(MINE, _body(grant), format="json", HTTP_IDEMPOTENCY_KEY="abc-12345678")
    again = c.post(MINE, _body(grant), format="json", HTTP_IDEMPOTENCY_KEY="abc-12345678")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert DisbursementRequest.objects.filter(grant=grant).count() == 1
    other = c.post(MINE, _body(grant), format="json", HTTP_IDEMPOTENCY_KEY="abc-87654321")
    assert other.status_code == 201 and DisbursementRequest.objects.filter(grant=grant).count() == 2


@pytest.mark.django_db
def test_api_money_posts_need_a_key_and_a_refused_request_keeps_the_key_free():
    grant = make_grant()
    c = api_as(grant.grantee)
    missing = c.post(MINE, _body(grant), format="json", HTTP_IDEMPOTENCY_KEY="")
    assert missing.status_code == 400 and missing.json()["field"] == "Idempotency-Key"
    too_much = c.post(MINE, _body(grant, "999999999.00"), format="json", HTTP_IDEMPOTENCY_KEY="key-00000001")
    assert too_much.status_code == 400 and not DisbursementRequest.objects.exists()
    assert not IdempotencyKey.objects.exists()
    ok = c.post(MINE, _body(grant), format="json", HTTP_IDEMPOTENCY_KEY="key-00000001")
    assert ok.status_code == 201 and DisbursementRequest.objects.count() == 1


@pytest.mark.django_db
def test_api_key_is_per_action_and_object():
    grant = make_grant()
    ask = lambda: svc.request_disbursement(actor=grant.grantee, grant_id=grant.pk, amount=Decimal("10.00"),  # noqa: E731
                                           purpose="x", needed_on=schedule.today(), own_spending=0)
    d1, d2 = ask(), ask()
    c = api_as(staff_user("case_worker"))
    for d in (d1, d2):
        assert c.post(f"{STAFF}{d.pk}/check/", HTTP_IDEMPOTENCY_KEY="same-key-1").status_code == 200
    assert set(DisbursementRequest.objects.values_list("state", flat=True)) == {DisbursementState.CHECKED}


@pytest.mark.django_db
def test_page_repeat_with_the_same_form_token_redirects_to_the_first_result(client):
    grant = make_grant()
    client.force_login(grant.grantee)
    url = reverse("payments:grant-disbursements", args=[grant.pk])
    page = client.get(url).content.decode()
    assert f'name="{FORM_FIELD}"' in page
    post = {"amount": "100,00", "needed_on": (schedule.today() + dt.timedelta(days=5)).isoformat(),
            "purpose": "Rechnung", "own_spending": "0", FORM_FIELD: "form-token-0001"}
    first = client.post(url, post)
    again = client.post(url, post, follow=True)
    assert first.status_code == 302 and again.redirect_chain[-1][0] == first["Location"]
    assert "bereits abgeschickt" in again.content.decode()
    assert DisbursementRequest.objects.filter(grant=grant).count() == 1


@pytest.mark.django_db
def test_page_post_without_its_form_token_does_nothing(client):
    grant = make_grant()
    client.force_login(grant.grantee)
    url = reverse("payments:grant-disbursements", args=[grant.pk])
    response = client.post(url, {"amount": "100,00", "purpose": "x", "own_spending": "0", FORM_FIELD: "",
                                 "needed_on": (schedule.today() + dt.timedelta(days=5)).isoformat()}, follow=True)
    assert "Formular ist abgelaufen" in response.content.decode()
    assert not DisbursementRequest.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_request_sent_at_the_same_moment_is_made_once():
    machine.require_postgres()
    grant = make_grant()

    def send_api():
        return api_as(grant.grantee).post(MINE, _body(grant), format="json", HTTP_IDEMPOTENCY_KEY="concurrent-0001")

    def send_page():
        c = Client()
        c.force_login(grant.grantee)
        return c.post(reverse("payments:grant-disbursements", args=[grant.pk]), {
            "amount": "100,00", "needed_on": (schedule.today() + dt.timedelta(days=5)).isoformat(),
            "purpose": "Rechnung", "own_spending": "0", FORM_FIELD: "concurrent-form-1"})

    api_results = run_parallel([send_api] * 4)
    assert [r.status_code for r in api_results] == [201] * 4, api_results
    assert len({r.json()["id"] for r in api_results}) == 1
    page_results = run_parallel([send_page] * 4)
    assert [r.status_code for r in page_results] == [302] * 4, page_results
    assert DisbursementRequest.objects.filter(grant=grant).count() == 2  # one from each door
