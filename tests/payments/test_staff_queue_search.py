"""The staff's work lists of money — requests for money, proofs, settlements, recoveries — are searched as every list
of cases is (``applications.selectors.search_by_application``: case number, title, lead municipality's name), on the
page and in the API alike; a search that is not valid is shown at its field (page) or refused with a 400 (API) and
narrows nothing."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from payments import schedule
from payments.enums import GrantState
from payments.models import Recovery
from payments.services import disbursements as disbursement_svc
from payments.services import proofs_settlement as settlement_svc
from tests.factories import MunicipalityFactory, staff_user
from tests.payments.factories import accepted_final, ended_grant, make_grant, pay, seed_rates, submit_final

pytestmark = pytest.mark.django_db
LEADS = ("Bad Vilbel", "Lauterbach (Hessen)")


def _leads():
    return [MunicipalityFactory(name=name) for name in LEADS]


def requested():
    grants = [make_grant(lead=lead) for lead in _leads()]
    for grant in grants:
        disbursement_svc.request_disbursement(
            actor=grant.grantee, grant_id=grant.pk, amount=Decimal("1000.00"), purpose="Rechnung",
            needed_on=schedule.today() + dt.timedelta(days=7), own_spending=0)
    return grants


def submitted_proofs():
    grants = [ended_grant(lead=lead) for lead in _leads()]
    for grant in grants:
        submit_final(grant, ["100000.00", "90000.00"])
    return grants


def to_settle():
    grants = [ended_grant(lead=lead) for lead in _leads()]
    for grant in grants:
        pay(grant, "100000.00")
        accepted_final(grant, ["100000.00", "100000.00"])
    return grants


def settled():
    grants = to_settle()
    for grant in grants:
        settlement = settlement_svc.prepare_settlement(actor=staff_user("case_worker"), grant_id=grant.pk)
        settlement_svc.confirm_settlement(actor=staff_user("approver"), settlement_id=settlement.pk)
    return grants


def open_recoveries():
    seed_rates((dt.date(2026, 1, 1), Decimal("1.27")), (dt.date(2026, 7, 1), Decimal("1.27")))
    grants = [ended_grant(lead=lead, state=GrantState.RECOVERY_OPEN) for lead in _leads()]
    for grant in grants:
        Recovery.objects.create(grant=grant, principal=Decimal("5000.00"), interest_from=dt.date(2026, 1, 1),
                                due_on=dt.date(2026, 2, 1), created_by=staff_user("approver"))
    return grants


# (page, its parameters beside the search, the API's list, its parameters, how the grants are made)
LISTS = {
    "requests for money": ("payments:disbursement-queue", {}, "/api/v1/staff/payments/disbursements/", {},
                           requested),
    "one of the three request lists": ("payments:disbursement-queue", {"liste": "pruefen"},
                                       "/api/v1/staff/payments/disbursements/", {"state": "requested"}, requested),
    "proofs to check": ("payments:proof-queue", {}, "/api/v1/staff/payments/proofs/", {}, submitted_proofs),
    "all proofs": ("payments:proof-queue", {"ansicht": "alle"}, "/api/v1/staff/payments/proofs/", {"view": "all"},
                   submitted_proofs),
    "grants to settle": ("payments:settlements", {}, None, {}, to_settle),
    "confirmed settlements": ("payments:settlements", {"liste": "bestaetigt"}, "/api/v1/staff/payments/settlements/",
                              {}, settled),
    "recoveries": ("payments:recoveries", {}, "/api/v1/staff/payments/recoveries/", {"state": "open"},
                   open_recoveries),
}


def _shown(html, grants):
    """The case numbers of `grants` on the page or in the answer (not counting the search field's own text)."""
    html = re.sub(r'value="[^"]*"', "", html)
    return {g.case_number for g in grants if g.case_number in html}


@pytest.mark.parametrize("kind", LISTS)
def test_the_page_finds_a_case_by_number_title_and_municipality_and_keeps_its_tab(client, kind):
    name, beside, _url, _params, make = LISTS[kind]
    first, second = make()
    client.force_login(staff_user("approver"))
    url = reverse(name)

    def shown(**params):
        response = client.get(url, {**beside, **params})
        assert response.status_code == 200
        html = response.content.decode()
        return html, _shown(html, (first, second))

    html, found = shown()
    assert found == {first.case_number, second.case_number} and "Filter zurücksetzen" not in html
    html, found = shown(q=first.case_number)
    assert found == {first.case_number} and "Filter zurücksetzen" in html
    for key, value in beside.items():  # the search keeps the tab or list it was made on, and the reset returns there
        assert f'<input type="hidden" name="{key}" value="{value}">' in html
        assert f'href="{url}?{key}={value}">Filter zurücksetzen' in html
    assert shown(q=LEADS[1].lower())[1] == {second.case_number}
    assert shown(q=first.application.title)[1] == {first.case_number}
    html, found = shown(q="Gibt es nicht")
    assert found == set() and "für diese Suche" in html
    html, found = shown(q="x" * 201)  # too long: said at the field, nothing narrowed
    assert found == {first.case_number, second.case_number} and 'id="id_q_error"' in html


@pytest.mark.parametrize("kind", [k for k, v in LISTS.items() if v[2]])
def test_the_api_finds_the_same_and_refuses_a_bad_search(kind):
    _name, _beside, url, params, make = LISTS[kind]
    first, second = make()
    api = APIClient()
    api.force_authenticate(staff_user("approver"))

    def found(**search):
        response = api.get(url, {**params, **search})
        assert response.status_code == 200, response.json()
        return _shown(response.content.decode(), (first, second)), response.json()["count"]

    shown, count = found()  # the two cases are alike: half of the rows are each one's (all proofs: two each)
    assert shown == {first.case_number, second.case_number} and count % 2 == 0
    assert found(search=second.case_number) == ({second.case_number}, count // 2)
    assert found(search=LEADS[0].upper()) == ({first.case_number}, count // 2)
    assert found(search="Gibt es nicht") == (set(), 0)
    response = api.get(url, {**params, "search": "x" * 201})
    assert response.status_code == 400 and set(response.json()) == {"search"}


@pytest.mark.parametrize("url, bad", [
    ("/api/v1/staff/payments/disbursements/", {"state": "paid_twice"}),
    ("/api/v1/staff/payments/disbursements/", {"grant": "abc"}),
    ("/api/v1/staff/payments/disbursements/", {"grant": "0"}),
    ("/api/v1/staff/payments/proofs/", {"view": "everything"}),
    ("/api/v1/staff/payments/recoveries/", {"state": "forgotten"}),
])
def test_an_unknown_filter_value_is_a_400_naming_it(url, bad):
    """Before, an unknown state or grant answered an empty list (or every row), as if it had been understood."""
    api = APIClient()
    api.force_authenticate(staff_user("case_worker"))
    response = api.get(url, bad)
    assert response.status_code == 400 and set(response.json()) == set(bad)


def test_the_links_to_one_list_and_back_keep_the_search(client, monkeypatch):
    from payments.views import proofs_staff

    monkeypatch.setattr(proofs_staff, "RECENT", 1)
    settled()
    client.force_login(staff_user("approver"))
    url = reverse("payments:settlements")
    html = client.get(url, {"q": "Smartes Projekt"}).content.decode()
    assert 'href="?q=Smartes+Projekt&amp;liste=bestaetigt">Alle 2 anzeigen</a>' in html
    html = client.get(url, {"q": "Smartes Projekt", "liste": "bestaetigt"}).content.decode()
    assert "Bestätigte Schlussabrechnungen (2)" in html
    assert f'href="{url}?q=Smartes+Projekt">Zurück zu den abzurechnenden Zuwendungen' in html
    queue = reverse("payments:disbursement-queue")
    html = client.get(queue, {"q": LEADS[1], "liste": "pruefen"}).content.decode()
    assert f'href="{queue}?q=Lauterbach+%28Hessen%29">Alle Listen anzeigen' in html


# ---------------------------------------------------------------- a municipality's own lists


MINE = {
    "grants to request money for": ("payments:disbursement-grants", "/api/v1/payments/disbursements/", requested),
    "proofs of use": ("payments:proofs", "/api/v1/payments/proofs/", submitted_proofs),
}


@pytest.mark.parametrize("kind", MINE)
def test_a_municipality_searches_its_own_money_lists_and_only_them(client, kind):
    """A town with many grants finds one by its case number, title or name, on the page and in the API; another
    municipality's case is not found, whatever is typed."""
    from tests.factories import member_of

    name, url, make = MINE[kind]
    first, other = make()
    mine = (make_grant if kind.startswith("grants") else ended_grant)(lead=first.application.lead,
                                                                      with_bank_account=False)
    if kind.startswith("grants"):
        disbursement_svc.request_disbursement(
            actor=mine.grantee, grant_id=mine.pk, amount=Decimal("1000.00"), purpose="Rechnung",
            needed_on=schedule.today() + dt.timedelta(days=7), own_spending=0)
    else:
        submit_final(mine, ["100000.00", "90000.00"])
    member = member_of(first.application.lead)
    client.force_login(member)
    page = reverse(name)

    def on_page(**params):
        response = client.get(page, params)
        assert response.status_code == 200
        html = response.content.decode()
        return html, _shown(html, (first, mine, other))

    html, found = on_page()
    assert found == {first.case_number, mine.case_number} and "2 Zuwendungen" in html
    html, found = on_page(q=mine.case_number)
    assert found == {mine.case_number} and "1 Zuwendung<" in html and "Filter zurücksetzen" in html
    assert on_page(q=first.application.title)[1] == {first.case_number}
    html, found = on_page(q=other.case_number)  # not theirs
    assert found == set() and "Keine Zuwendungen für diese Suche." in html
    html, found = on_page(q="x" * 201)
    assert found == {first.case_number, mine.case_number} and 'id="id_q_error"' in html

    api = APIClient()
    api.force_authenticate(member)

    def in_api(**params):
        response = api.get(url, params)
        assert response.status_code == 200, response.json()
        return _shown(response.content.decode(), (first, mine, other))

    assert in_api() == {first.case_number, mine.case_number}
    assert in_api(search=mine.case_number) == {mine.case_number}
    assert in_api(search=LEADS[0]) == {first.case_number, mine.case_number}
    assert in_api(search=other.case_number) == set() and in_api(search=LEADS[1]) == set()
    assert api.get(url, {"search": "x" * 201}).status_code == 400


def test_the_open_proofs_keep_their_tab_through_a_search(client):
    from tests.factories import member_of

    first, _other = submitted_proofs()
    client.force_login(member_of(first.application.lead))
    url = reverse("payments:proofs")
    html = client.get(url, {"offen": "1", "q": "Smartes"}).content.decode()
    assert '<input type="hidden" name="offen" value="1">' in html
    assert f'href="{url}?offen=1">Filter zurücksetzen' in html
    assert f'href="{url}?q=Smartes">Alle Nachweise anzeigen' in html
    api = APIClient()
    api.force_authenticate(member_of(first.application.lead))
    assert api.get("/api/v1/payments/disbursements/", {"grant": "x"}).status_code == 400


# ---------------------------------------------------------------- a call's decisions


def test_the_decisions_of_a_call_find_an_application_in_all_four_lists(client):
    """Recommended, reserve, waiting for a second person, decided: the search narrows each list, the next one up of
    the reserve list stays the whole list's, and the API's list of decisions searches alike."""
    from applications.enums import ApplicationState as AS
    from payments.services import decisions as decision_svc
    from tests.factories import CallFactory
    from tests.payments import factories as td

    call = CallFactory()
    lead_a, lead_b = _leads()
    rec_a, rec_b = td.decidable(call, lead=lead_a), td.decidable(call, lead=lead_b)
    res_a, res_b = (td.decidable(call, grant="120000.00", state=AS.RESERVE, lead=lead) for lead in (lead_a, lead_b))
    pending_a, pending_b = (td.decidable(call, lead=lead) for lead in (lead_a, lead_b))
    worker = staff_user("case_worker")
    for app in (pending_a, pending_b):
        decision_svc.prepare_decision(actor=worker, application_id=app.pk, kind="approve")
    client.force_login(staff_user("approver"))
    url = reverse("payments:decisions-call", args=[call.pk])
    everything = (rec_a, rec_b, res_a, res_b, pending_a, pending_b)

    html = client.get(url).content.decode()
    assert _shown(html, everything) == {a.case_number for a in everything}
    html = client.get(url, {"q": LEADS[1]}).content.decode()
    assert _shown(html, everything) == {rec_b.case_number, res_b.case_number, pending_b.case_number}
    badge = '<span class="kern-label">Nachrücker</span>'
    assert badge not in html  # the next one up is res_a (first in the whole reserve list): not found, not shown
    html = client.get(url, {"q": LEADS[0]}).content.decode()
    assert html.count(badge) == 1
    html = client.get(url, {"q": res_b.case_number, "liste": "nachrueckliste"}).content.decode()
    assert _shown(html, everything) == {res_b.case_number} and '<input type="hidden" name="liste"' in html
    html = client.get(url, {"q": "Gibt es nicht"}).content.decode()
    assert _shown(html, everything) == set() and html.count("Keine für diese Suche.") == 4

    api = APIClient()
    api.force_authenticate(staff_user("approver"))
    found = api.get("/api/v1/staff/payments/decisions/", {"call": call.pk, "search": LEADS[0]}).json()
    assert [d["application"] for d in found["results"]] == [pending_a.pk]
    for bad in ({"call": "x"}, {"state": "maybe"}, {"application": "0"}, {"search": "x" * 201}):
        response = api.get("/api/v1/staff/payments/decisions/", bad)
        assert response.status_code == 400 and set(response.json()) == set(bad)


@pytest.mark.parametrize("url, user, bad", [
    ("/api/v1/payments/bank-accounts/", "case_worker", {"municipality": "x"}),
    ("/api/v1/payments/bank-accounts/", "case_worker", {"municipality": "0"}),
    ("/api/v1/staff/payments/notice-runs/", "approver", {"call": "abc"}),
    ("/api/v1/jury/assignments/", "case_worker", {"panel": "1e3"}),
    ("/api/v1/jury/assignments/", "case_worker", {"panel": "9" * 30}),
])
def test_an_id_filter_that_is_not_an_id_is_a_400_naming_it(url, user, bad):
    """Every list's id filters as the others': a 400 at the parameter, not an empty list that looks like an answer."""
    api = APIClient()
    api.force_authenticate(staff_user(user))
    response = api.get(url, bad)
    assert response.status_code == 400 and set(response.json()) == set(bad)


def test_the_id_filters_still_filter():
    grants = requested()
    api = APIClient()
    api.force_authenticate(staff_user("case_worker"))
    lead = grants[1].application.lead
    accounts = api.get("/api/v1/payments/bank-accounts/", {"municipality": lead.pk}).json()
    assert accounts["count"] >= 1 and {a["municipality"] for a in accounts["results"]} == {lead.pk}


def test_staff_find_a_bank_account_by_municipality_or_iban_on_the_page_and_in_the_api(client):
    grants = requested()  # each municipality with its confirmed account
    accounts = {g.application.lead.name: g.application.lead.bank_accounts.get() for g in grants}
    wanted = accounts[LEADS[1]]
    client.force_login(staff_user("case_worker"))
    url = reverse("payments:bank-accounts")

    def names(**params):
        html = client.get(url, params).content.decode()
        return html, {name for name in LEADS if f">{name}</a>" in html}

    html, found = names()
    assert found == set(LEADS) and "Filter zurücksetzen" not in html
    assert names(q="lauterbach")[1] == {LEADS[1]}
    spaced = " ".join(wanted.iban[i:i + 4] for i in range(0, len(wanted.iban), 4)).lower()
    html, found = names(q=spaced)  # as printed on a statement: in groups, any case
    assert LEADS[1] in found and "Filter zurücksetzen" in html
    html, found = names(q="Gibt es nicht")
    assert found == set() and "Keine Bankverbindung für diese Suche." in html
    api = APIClient()
    api.force_authenticate(staff_user("case_worker"))
    body = api.get("/api/v1/payments/bank-accounts/", {"search": "Lauterbach"}).json()
    assert {a["municipality_name"] for a in body["results"]} == {LEADS[1]}
    assert api.get("/api/v1/payments/bank-accounts/", {"search": "x" * 201}).status_code == 400


def test_a_payment_run_finds_its_payment_by_case_municipality_or_end_to_end_id(client):
    """A bank's message about a returned transfer names its End-to-End-ID; the run's page finds that payment, and
    by case number or municipality as every list of cases."""
    from payments.models import DisbursementRequest

    grants = requested()
    checker, releaser = staff_user("case_worker"), staff_user("approver")
    for d in DisbursementRequest.objects.filter(grant__in=grants):
        disbursement_svc.check_disbursement(actor=checker, disbursement_id=d.pk)
        disbursement_svc.release_disbursement(actor=releaser, disbursement_id=d.pk)
    run = disbursement_svc.create_payment_run(actor=checker, execution_date=schedule.next_target2_business_day(
        schedule.today() + dt.timedelta(days=1)))
    first = DisbursementRequest.objects.get(grant=grants[0])
    client.force_login(releaser)
    url = reverse("payments:payment-run", args=[run.pk])

    def shown(**params):
        response = client.get(url, params)
        assert response.status_code == 200
        html = response.content.decode()
        return html, _shown(html, grants)

    assert shown()[1] == {g.case_number for g in grants}
    assert shown(q=LEADS[1])[1] == {grants[1].case_number}
    html, found = shown(q=first.end_to_end_id)
    assert found == {grants[0].case_number} and "1 Zahlung für diese Suche" in html
    html, found = shown(q="Gibt es nicht")
    assert found == set() and "Keine Zahlung des Laufs für diese Suche." in html
    html, found = shown(q="x" * 201)
    assert found == {g.case_number for g in grants} and 'id="id_q_error"' in html


def test_a_search_that_finds_no_released_payment_still_offers_the_payment_run(client):
    """The run takes every released payment, not the ones a search shows: the button does not vanish with them."""
    from payments.models import DisbursementRequest

    grants = requested()
    for d in DisbursementRequest.objects.filter(grant__in=grants):
        disbursement_svc.check_disbursement(actor=staff_user("case_worker"), disbursement_id=d.pk)
        disbursement_svc.release_disbursement(actor=staff_user("approver"), disbursement_id=d.pk)
    client.force_login(staff_user("approver"))
    url = reverse("payments:disbursement-queue")
    assert "Zahlungslauf erstellen" in client.get(url).content.decode()
    html = client.get(url, {"q": "Gibt es nicht"}).content.decode()
    assert "Angeordnet, noch in keinem Zahlungslauf (0)" in html and "Zahlungslauf erstellen" in html
