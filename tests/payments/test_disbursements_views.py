"""Pages of disbursements: municipality (requests, bank account) and ministry (queue, four-eyes, runs)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from payments import schedule
from payments.enums import DisbursementState, GrantState, PaymentRunState
from payments.models import BankAccount, DisbursementRequest, PaymentRun
from payments.services import disbursements as svc
from tests.factories import MunicipalityFactory, member_of, staff_user
from tests.payments.factories import make_grant

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def ask(grant, amount="1000.00"):
    return svc.request_disbursement(actor=grant.grantee, grant_id=grant.pk, amount=Decimal(amount), purpose="Rechnung",
                                    needed_on=schedule.today() + dt.timedelta(days=7), own_spending=0)


def released(grant, amount="1000.00"):
    d = ask(grant, amount)
    svc.check_disbursement(actor=staff_user("case_worker"), disbursement_id=d.pk)
    return svc.release_disbursement(actor=staff_user("approver"), disbursement_id=d.pk)


# ---------------------------------------------------------------- municipality


def test_grant_page_shows_figures_window_and_retained(client):
    grant = make_grant(eligible="200000.00", retained_percent="10", window_months=2)
    c = login(client, grant.grantee)
    page = c.get(reverse("payments:grant-disbursements", args=[grant.pk])).content.decode()
    assert "162.000,00" in page and "18.000,00" in page  # available and retained
    last = (schedule.today() + __import__("dateutil.relativedelta").relativedelta.relativedelta(months=2))
    assert last.strftime("%d.%m.%Y") in page and "2 Monaten" in page
    assert 'name="amount"' in page
    entry = c.get(reverse("payments:disbursement-grants")).content.decode()
    assert grant.application.case_number in entry


def test_request_through_the_form_with_german_amount(client):
    grant = make_grant()
    c = login(client, grant.grantee)
    url = reverse("payments:grant-disbursements", args=[grant.pk])
    needed = schedule.today() + dt.timedelta(days=10)
    response = c.post(url, {"amount": "12.500,50", "needed_on": needed.isoformat(), "purpose": "Sensoren",
                            "own_spending": "1.000"})
    assert response.status_code == 302
    d = DisbursementRequest.objects.get(grant=grant)
    assert d.amount == Decimal("12500.50") and d.own_spending == Decimal("1000.00")
    grant.refresh_from_db()
    assert grant.state == GrantState.IN_IMPLEMENTATION


@pytest.mark.parametrize(("data", "fragment"), [
    ({"amount": "999.999.999,00"}, "übersteigt"),
    ({"amount": "abc"}, "Betrag in Euro"),
    ({"needed_on_days": 400}, "spätestens zum"),
    ({"needed_on_days": -1}, "Vergangenheit"),
])
def test_form_errors_change_nothing(client, data, fragment):
    grant = make_grant()
    c = login(client, grant.grantee)
    needed = schedule.today() + dt.timedelta(days=data.pop("needed_on_days", 5))
    post = {"amount": "100,00", "needed_on": needed.isoformat(), "purpose": "x", "own_spending": "0", **data}
    response = c.post(reverse("payments:grant-disbursements", args=[grant.pk]), post)
    assert response.status_code == 200 and fragment in response.content.decode()
    assert not DisbursementRequest.objects.exists()


def test_guessed_ids_of_other_municipalities_are_404(client):
    grant = make_grant()
    other = member_of(MunicipalityFactory())
    c = login(client, other)
    assert c.get(reverse("payments:grant-disbursements", args=[grant.pk])).status_code == 404
    assert c.post(reverse("payments:grant-disbursements", args=[grant.pk]), {"amount": "1"}).status_code == 404
    assert c.get(reverse("payments:bank-account", args=[grant.application.lead_id])).status_code == 404
    assert c.post(reverse("payments:bank-account", args=[grant.application.lead_id]),
                  {"holder": "X", "iban": "DE12500105170648489890"}).status_code == 404
    assert c.get(reverse("payments:grant-disbursements", args=[999999])).status_code == 404
    d = ask(grant)
    for name in ("payments:disbursement", "payments:disbursement-queue", "payments:payment-runs"):
        args = [d.pk] if name == "payments:disbursement" else []
        assert c.get(reverse(name, args=args)).status_code == 403
    assert c.post(reverse("payments:disbursement-check", args=[d.pk])).status_code == 403
    assert grant.application.case_number not in c.get(reverse("payments:disbursement-grants")).content.decode()


def test_bank_account_page_change_and_history(client):
    grant = make_grant()
    municipality = grant.application.lead
    c = login(client, grant.grantee)
    url = reverse("payments:bank-account", args=[municipality.pk])
    bad = c.post(url, {"holder": "Kasse", "iban": "DE02 5001 0517 0137 0750 31", "bic": ""})
    assert bad.status_code == 200 and "Prüfziffer" in bad.content.decode()
    assert BankAccount.objects.filter(municipality=municipality).count() == 1
    assert c.post(url, {"holder": "Gemeindekasse", "iban": "de12 5001 0517 0648 4898 90", "bic": ""}).status_code \
        == 302
    page = c.get(url).content.decode()
    assert "DE12500105170648489890" in page and "DE89370400440532013000" in page  # current and history
    assert c.get(reverse("payments:bank-accounts")).status_code == 302  # one municipality: straight to it
    staff = login(client, staff_user("case_worker"))
    page = staff.get(url).content.decode()
    assert "DE89370400440532013000" in page and 'name="iban"' not in page  # staff see, do not edit
    assert staff.post(url, {"holder": "X", "iban": "DE12500105170648489890"}).status_code == 403
    listing = staff.get(reverse("payments:bank-accounts")).content.decode()
    assert municipality.name in listing and "kürzlich geändert" in listing


# ---------------------------------------------------------------- staff: four-eyes on the pages


def test_release_button_not_offered_to_the_checker_and_refused(client):
    grant = make_grant()
    d = ask(grant)
    both = staff_user("case_worker")
    both.groups.add(staff_user("approver").groups.get())
    c = login(client, both)
    page = c.get(reverse("payments:disbursement", args=[d.pk])).content.decode()
    assert reverse("payments:disbursement-check", args=[d.pk]) in page
    c.post(reverse("payments:disbursement-check", args=[d.pk]))
    d.refresh_from_db()
    assert d.state == DisbursementState.CHECKED and d.checked_by == both
    page = c.get(reverse("payments:disbursement", args=[d.pk])).content.decode()
    assert reverse("payments:disbursement-release", args=[d.pk]) not in page and "data-four-eyes" in page
    queue = c.get(reverse("payments:disbursement-queue")).content.decode()
    assert "Von Ihnen geprüft" in queue
    response = c.post(reverse("payments:disbursement-release", args=[d.pk]), follow=True)
    assert "Vier-Augen" in response.content.decode()
    d.refresh_from_db()
    assert d.state == DisbursementState.CHECKED and d.released_by is None
    other = login(client, staff_user("approver"))
    assert reverse("payments:disbursement-release", args=[d.pk]) in other.get(
        reverse("payments:disbursement", args=[d.pk])).content.decode()
    other.post(reverse("payments:disbursement-release", args=[d.pk]))
    d.refresh_from_db()
    assert d.state == DisbursementState.RELEASED


def test_reject_on_the_page_needs_a_reason(client):
    grant = make_grant()
    d = ask(grant, "5000.00")
    c = login(client, staff_user("case_worker"))
    url = reverse("payments:disbursement-reject", args=[d.pk])
    response = c.post(url, {"reason": ""})
    assert response.status_code == 200 and "Begründung" in response.content.decode()
    assert c.post(url, {"reason": "Nicht förderfähig"}).status_code == 302
    d.refresh_from_db()
    grant.refresh_from_db()
    assert d.state == DisbursementState.REJECTED and grant.requested_amount == 0


# ---------------------------------------------------------------- staff: payment runs


def test_run_create_confirm_and_download(client):
    grant = make_grant()
    d1, d2 = released(grant, "100.00"), released(grant, "250.00")
    c = login(client, staff_user("case_worker"))
    page = c.get(reverse("payments:payment-run-create")).content.decode()
    assert f'value="{d1.pk}"' in page and "350,00" in page
    response = c.post(reverse("payments:payment-run-create"),
                      {"execution_date": schedule.today().isoformat(), "disbursements": [str(d1.pk)]})
    run = PaymentRun.objects.get()
    assert response.status_code == 302 and run.count == 1 and run.total == Decimal("100.00")
    assert f"Zahlungslauf {run.number} mit 1 Zahlung wurde erstellt" in c.get(response["Location"]).content.decode()
    d2.refresh_from_db()
    assert d2.state == DisbursementState.RELEASED
    file = c.get(reverse("payments:payment-run-file", args=[run.pk]))
    assert file.status_code == 200 and file["Content-Type"] == "application/xml"
    assert file["Content-Disposition"] == f'attachment; filename="Zahlungslauf-{run.number}-{run.message_id}.xml"'
    assert b"<EndToEndId>" in b"".join(file.streaming_content)
    detail = c.get(reverse("payments:payment-run", args=[run.pk])).content.decode()
    assert grant.application.case_number in detail and run.sha256 in detail
    confirm_url = reverse("payments:payment-run-confirm", args=[run.pk])
    assert "verbucht" in c.get(confirm_url).content.decode()
    missing = c.post(confirm_url, {"paid_on": schedule.today().isoformat()})
    assert missing.status_code == 200 and PaymentRun.objects.get().state == PaymentRunState.EXPORTED
    # four eyes: the creator cannot confirm the execution (defect 4)
    own = c.post(confirm_url, {"paid_on": schedule.today().isoformat(), "confirm": "on"})
    assert own.status_code == 200 and "Vier-Augen-Prinzip" in own.content.decode()
    assert PaymentRun.objects.get().state == PaymentRunState.EXPORTED
    c = login(client, staff_user("approver"))
    assert c.post(confirm_url, {"paid_on": schedule.today().isoformat(), "confirm": "on"}).status_code == 302
    assert c.post(confirm_url, {"paid_on": schedule.today().isoformat(), "confirm": "on"}).status_code == 302
    grant.refresh_from_db()
    assert grant.paid_amount == Decimal("100.00")
    municipality = login(client, grant.grantee)
    assert municipality.get(reverse("payments:payment-run-file", args=[run.pk])).status_code == 403


def test_run_cancel_page(client):
    grant = make_grant()
    d = released(grant)
    run = svc.create_payment_run(actor=staff_user("case_worker"), execution_date=schedule.today())
    c = login(client, staff_user("approver"))
    url = reverse("payments:payment-run-cancel", args=[run.pk])
    assert c.post(url, {"reason": "Bank lehnt ab"}).status_code == 200  # confirmation box missing
    assert c.post(url, {"reason": "Bank lehnt ab", "confirm": "on"}).status_code == 302
    d.refresh_from_db()
    run.refresh_from_db()
    assert run.state == PaymentRunState.CANCELLED and d.state == DisbursementState.RELEASED
    assert grant.application.case_number in c.get(reverse("payments:payment-run", args=[run.pk])).content.decode()


# ---------------------------------------------------------------- query counts


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_queue_marks_the_requests_of_a_municipality_whose_bank_account_changed_recently(client):
    changed, steady = make_grant(), make_grant()
    assert changed.application.lead_id != steady.application.lead_id
    login(client, changed.grantee).post(reverse("payments:bank-account", args=[changed.application.lead_id]),
                                        {"holder": "Gemeindekasse", "iban": "de12 5001 0517 0648 4898 90", "bic": ""})
    ask(changed)
    ask(steady)
    page = login(client, staff_user("case_worker")).get(reverse("payments:disbursement-queue")).content.decode()
    rows = {grant: next(row for row in page.split("<tr")[1:] if grant.application.case_number in row)
            for grant in (changed, steady)}
    assert "Bankverbindung kürzlich geändert" in rows[changed]
    assert "Bankverbindung kürzlich geändert" not in rows[steady]


def test_queue_query_count_does_not_grow(client):
    staff = staff_user("approver")
    c = login(client, staff)
    grant = make_grant()
    ask(grant)
    svc.check_disbursement(actor=staff_user("case_worker"), disbursement_id=ask(grant).pk)
    released(grant)  # one row in each of the three lists (an empty page asks the database nothing)
    url = reverse("payments:disbursement-queue")
    _count(c, url)
    one = _count(c, url)
    for _ in range(4):
        g = make_grant()
        ask(g)
        d = ask(g)
        svc.check_disbursement(actor=staff_user("case_worker"), disbursement_id=d.pk)
        released(g)
    many = _count(c, url)
    assert many == one, (one, many)


def test_runs_list_query_count_does_not_grow(client):
    c = login(client, staff_user("case_worker"))
    grant = make_grant()
    released(grant)
    svc.create_payment_run(actor=staff_user("case_worker"), execution_date=schedule.today())
    url = reverse("payments:payment-runs")
    _count(c, url)
    one = _count(c, url)
    for _ in range(5):
        released(grant, "10.00")
        run = svc.create_payment_run(actor=staff_user("approver"), execution_date=schedule.today())
        svc.confirm_payment_run(actor=staff_user("approver"), run_id=run.pk, paid_on=schedule.today())
    many = _count(c, url)
    assert many == one, (one, many)


def _next_weekend_day(day):
    while day.weekday() < 5:
        day += dt.timedelta(days=1)
    return day


def test_run_page_refuses_a_weekend_execution_date_naming_the_next_bank_day(client):
    grant = make_grant()
    d = released(grant, "100.00")
    c = login(client, staff_user("case_worker"))
    saturday = _next_weekend_day(schedule.today() + dt.timedelta(days=1))
    response = c.post(reverse("payments:payment-run-create"),
                      {"execution_date": saturday.isoformat(), "disbursements": [str(d.pk)]})
    page = response.content.decode()
    assert response.status_code == 200 and "kein Bankarbeitstag" in page
    assert schedule.next_target2_business_day(saturday).strftime("%d.%m.%Y") in page
    assert not PaymentRun.objects.exists()


def test_bank_account_change_waits_for_a_second_person_on_the_page(client):
    grant = make_grant()
    lead = grant.application.lead
    c = login(client, grant.grantee)
    url = reverse("payments:bank-account", args=[lead.pk])
    assert c.post(url, {"holder": "Gemeindekasse", "iban": "DE12500105170648489890", "bic": ""}).status_code == 302
    new = BankAccount.objects.get(municipality=lead, replaced_at__isnull=True)
    assert "noch nicht bestätigt" in c.get(url).content.decode()
    confirm_url = reverse("payments:bank-account-confirm", args=[new.pk])
    assert c.post(confirm_url).status_code == 403  # the municipality does not confirm its own change
    staff = login(client, staff_user("case_worker"))
    assert confirm_url in staff.get(url).content.decode()
    assert staff.post(confirm_url).status_code == 302
    new.refresh_from_db()
    assert new.confirmed_by is not None and confirm_url not in staff.get(url).content.decode()


def test_bank_account_page_refuses_the_lands_own_account(client, settings):
    grant = make_grant()
    c = login(client, grant.grantee)
    url = reverse("payments:bank-account", args=[grant.application.lead_id])
    response = c.post(url, {"holder": "Land", "iban": settings.PAYMENTS_DEBTOR_IBAN, "bic": ""})
    assert response.status_code == 200 and "Konto des Landes" in response.content.decode()
    assert BankAccount.objects.filter(municipality=grant.application.lead).count() == 1


def test_page_refuses_money_for_a_year_without_commitment(client):
    grant = make_grant(start=dt.date(2026, 1, 1), years={2026: "1"})  # today (2027) has no commitment
    c = login(client, grant.grantee)
    needed = schedule.today() + dt.timedelta(days=5)
    response = c.post(reverse("payments:grant-disbursements", args=[grant.pk]),
                      {"amount": "100,00", "needed_on": needed.isoformat(), "purpose": "x", "own_spending": "0"})
    page = response.content.decode()
    assert response.status_code == 200 and f"Haushaltsjahr {needed.year}" in page and "keine Mittel gebunden" in page
    assert not DisbursementRequest.objects.exists()
