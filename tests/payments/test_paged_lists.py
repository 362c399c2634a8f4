"""The money pages that list rows show one page of them (issue 13, foundation.paging): the number of
queries does not grow with the rows, and a page holds at most 25 of them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from payments import schedule
from payments.services import disbursements as svc
from tests.factories import MunicipalityFactory, member_of, staff_user
from tests.payments.factories import accepted_final, ended_grant, make_grant, submit_final
from tests.payments.test_disbursements_views import released


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _grow(case, n, context):
    """Add n rows to the list of `case`."""
    if case in ("grants", "proofs"):
        for _ in range(n):
            (make_grant if case == "grants" else ended_grant)(lead=context["lead"], with_bank_account=False)
    elif case == "bank-accounts":
        for _ in range(n):
            make_grant(lead=MunicipalityFactory())
    elif case == "payment-run":
        for _ in range(n):
            released(context["grant"], "10.00")
    elif case == "settlements":
        for _ in range(n):
            accepted_final(ended_grant(), ["100000.00", "90000.00"])
    elif case == "actions":
        for _ in range(n):
            submit_final(ended_grant(), ["100000.00", "90000.00"])


CASES = {
    "grants": lambda c: ("member", reverse("payments:disbursement-grants")),
    "proofs": lambda c: ("member", reverse("payments:proofs")),
    "bank-accounts": lambda c: ("staff", reverse("payments:bank-accounts")),
    "settlements": lambda c: ("staff", reverse("payments:settlements")),
    "actions": lambda c: ("staff", reverse("payments:dashboard-actions") + "?kind=proof_to_check"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", [*CASES, "payment-run"])
def test_list_pages_keep_their_queries_and_show_one_page(client, case):
    lead = MunicipalityFactory()
    context = {"lead": lead, "grant": make_grant(lead=lead)}
    users = {"member": member_of(lead), "staff": staff_user("case_worker")}
    _grow(case, 1, context)
    if case == "payment-run":
        run = svc.create_payment_run(actor=staff_user("case_worker"), execution_date=schedule.today())
        role, url = "staff", reverse("payments:payment-run", args=[run.pk])
    else:
        role, url = CASES[case](context)
    client.force_login(users[role])
    _queries(client, url)
    one = _queries(client, url)
    _grow(case, 27, context)
    if case == "payment-run":
        run = svc.create_payment_run(actor=staff_user("case_worker"), execution_date=schedule.today())
        url = reverse("payments:payment-run", args=[run.pk])
    assert _queries(client, url) <= one
    html = client.get(url).content.decode()
    assert 'aria-label="Seitennavigation"' in html and "Seite 1 von 2" in html
    assert 'aria-current="page" href="?' in html
