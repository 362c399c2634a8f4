"""The ministry's money dashboard: figures against sums worked out by hand, cases needing action,
pages (staff only) and query counts that do not grow with the number of grants."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grants.models import Call
from payments.enums import (
    DisbursementState,
    ProofKind,
)
from payments.models import (
    Decision,
    DisbursementRequest,
    ProofOfUse,
    RecoveryPayment,
)
from payments.selectors import dashboard as selectors
from tests.factories import (
    CallFactory,
    MunicipalityFactory,
    UserFactory,
    member_of,
    staff_user,
)
from tests.payments.factories import DASH_DAY as TODAY
from tests.payments.factories import action_world, disbursement, make_grant, money_world, recovery


@pytest.fixture
def world(db):
    return money_world()


def _by(rows, attr):
    return {getattr(r, attr): r for r in rows}


# ---------------------------------------------------------------- figures


def test_totals_of_a_call(world):
    o = selectors.money_overview(calls=Call.objects.filter(pk=world.call.pk))
    t = o.totals
    assert t.budget == D("16000000.00")
    assert t.committed == D("945000.00")          # 180k + 270k + 135k + 360k
    assert t.paid == D("200000.00")               # 50k + 20k + 30k + 100k (released/requested not)
    assert t.recovered == D("5000.00")            # principal paid back only, not interest
    assert t.left == D("15055000.00")


def test_per_budget_year(world):
    """Tranche and committed per CallBudgetYear; paid by the calendar year of paid_on."""
    years = _by(selectors.money_overview(calls=Call.objects.filter(pk=world.call.pk)).years, "year")
    assert set(years) == {2027, 2028}
    y27, y28 = years[2027], years[2028]
    assert (y27.budget, y27.committed, y27.paid, y27.recovered) == (
        D("8000000.00"), D("315000.00"), D("80000.00"), D("0.00"))   # 180k + 135k; 50k + 30k
    assert (y28.budget, y28.committed, y28.paid, y28.recovered) == (
        D("8000000.00"), D("630000.00"), D("120000.00"), D("5000.00"))  # 135k+135k+360k; 20k + 100k
    assert y28.left == D("7370000.00")


def test_a_payment_in_a_year_without_tranche_gets_its_own_row(world):
    disbursement(world.g2, DisbursementState.PAID, "1.00", paid_on=dt.date(2029, 1, 2))
    years = _by(selectors.money_overview(calls=Call.objects.filter(pk=world.call.pk)).years, "year")
    assert years[2029].paid == D("1.00") and years[2029].budget == D("0.00")


def test_per_topic_counts_a_grant_under_its_first_topic(world):
    topics = _by(selectors.money_overview(calls=Call.objects.filter(pk=world.call.pk)).topics, "key")
    t1, t2, t3 = topics[world.t1.pk], topics[world.t2.pk], topics[world.t3.pk]
    assert (t1.grants, t1.committed, t1.paid, t1.recovered) == (1, D("180000.00"), D("70000.00"), D("5000.00"))
    assert (t2.grants, t2.committed, t2.paid, t2.recovered) == (1, D("360000.00"), D("100000.00"), D("0.00"))
    assert (t3.grants, t3.committed, t3.paid) == (1, D("270000.00"), D("30000.00"))
    none = topics[selectors.NO_TOPIC]
    assert (none.grants, none.committed, none.paid) == (1, D("135000.00"), D("0.00"))
    assert sum(r.committed for r in topics.values()) == D("945000.00")  # nothing counted twice
    assert [r.key for r in selectors.money_overview(calls=Call.objects.filter(pk=world.call.pk)).topics] == [
        world.t1.pk, world.t2.pk, world.t3.pk, selectors.NO_TOPIC]


def test_per_landkreis_counts_cities_and_landkreise_under_themselves(world):
    rows = _by(selectors.money_overview(calls=Call.objects.filter(pk=world.call.pk)).landkreise, "key")
    assert set(rows) == {world.lk1.pk, world.lk2.pk, world.city.pk}
    lk1 = rows[world.lk1.pk]
    assert (lk1.label, lk1.grants, lk1.committed, lk1.paid, lk1.recovered) == (
        "Landkreis Eins", 2, D("450000.00"), D("100000.00"), D("5000.00"))   # g1 + g2
    assert (rows[world.city.pk].label, rows[world.city.pk].committed, rows[world.city.pk].paid) == (
        "Kreisfreie Stadt", D("135000.00"), D("0.00"))
    assert (rows[world.lk2.pk].committed, rows[world.lk2.pk].paid) == (D("360000.00"), D("100000.00"))
    assert rows[world.lk1.pk].share("committed") == D("47.6")  # 450k of 945k


def test_program_view_aggregates_its_calls_only(world):
    o = selectors.money_overview(calls=Call.objects.filter(program=world.program), per_call=True)
    assert o.totals.budget == D("32000000.00")
    assert o.totals.committed == D("1125000.00")  # + g5 180k
    assert o.totals.paid == D("210000.00")        # + g5 10k; the unrelated call's 999 € not
    assert o.totals.recovered == D("5000.00")
    years = _by(o.years, "year")
    assert years[2027].budget == D("16000000.00") and years[2027].paid == D("90000.00")
    assert _by(o.topics, "key")[world.t1.pk].committed == D("360000.00")
    calls = {r.call.pk: r for r in o.calls}
    assert set(calls) == {world.call.pk, world.call_b.pk}
    assert (calls[world.call_b.pk].committed, calls[world.call_b.pk].paid) == (D("180000.00"), D("10000.00"))
    assert calls[world.call.pk].recovered == D("5000.00")


def test_empty_call_has_zero_figures(db):
    call = CallFactory()
    o = selectors.money_overview(calls=Call.objects.filter(pk=call.pk))
    assert (o.totals.committed, o.totals.paid, o.totals.recovered, o.totals.left) == (
        D("0.00"), D("0.00"), D("0.00"), D("16000000.00"))
    assert [r.year for r in o.years] == [2027, 2028]
    assert all(r.grants == 0 for r in o.topics) and o.landkreise == []


# ---------------------------------------------------------------- cases needing action


EXPECTED_ACTIONS = {
    "decision_prepared": ["SHH2-2027-9001"],
    "disbursement_to_check": ["a"],
    "disbursement_to_release": ["b"],
    "released_not_in_run": ["c"],
    "run_not_confirmed": ["d"],
    "proof_to_check": ["a"],
    "proof_overdue": ["d", "b"],  # oldest due date first
    "settlement_prepared": ["e"],
    "recovery_overdue": ["e"],
    "background_work": [],  # nothing stuck in the outbox (tests/outbox/test_outbox.py fills it)
}


def test_cases_needing_action_are_exactly_the_right_ones(db):
    call, cases = action_world()
    groups = selectors.cases_needing_action(calls=Call.objects.filter(pk=call.pk), today=TODAY)
    found = {g.kind: [i.case_number for i in g.items] for g in groups}
    expected = {kind: [cases.get(c, c) for c in names] for kind, names in EXPECTED_ACTIONS.items()}
    assert found == expected
    assert [g.kind for g in groups] == [k for k, _label in selectors.ACTION_KINDS]


def test_cases_needing_action_page_links_each_case(db, client):
    call, cases = action_world()
    client.force_login(staff_user("approver"))
    response = client.get(reverse("payments:dashboard-call", args=[call.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    grant_a = Decision.objects.get(application__case_number=cases["a"]).application
    assert reverse("applications:detail", args=[grant_a.pk]) in html
    assert 'data-kind="run_not_confirmed"' in html


# ---------------------------------------------------------------- pages


def test_call_dashboard_shows_the_figures(world, client):
    client.force_login(staff_user("case_worker"))
    response = client.get(reverse("payments:dashboard-call", args=[world.call.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("945.000,00\u00a0€", "200.000,00\u00a0€", "15.055.000,00\u00a0€", "Landkreis Eins",
                 "Kreisfreie Stadt", "630.000,00\u00a0€", 'id="chart-years-caption"',
                 f"?call={world.call.pk}", "ohne Themenbereich"):
        assert text in html, text
    assert "Fremder Aufruf" not in html


def test_program_dashboard_and_index(world, client):
    client.force_login(staff_user("approver"))
    response = client.get(reverse("payments:dashboard-program", args=[world.program.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "1.125.000,00\u00a0€" in html and "Aufruf B" in html
    index = client.get(reverse("payments:dashboard"))
    assert index.status_code == 200
    assert reverse("payments:dashboard-call", args=[world.call.pk]) in index.content.decode()
    assert client.get(reverse("payments:dashboard-actions")).status_code == 200


@pytest.mark.parametrize("role", [None, "applicant", "jury"])
def test_non_staff_are_refused(world, client, role):
    urls = [reverse("payments:dashboard"), reverse("payments:dashboard-call", args=[world.call.pk]),
            reverse("payments:dashboard-program", args=[world.program.pk]), reverse("payments:dashboard-actions"),
            reverse("payments:dashboard-export", args=["grants"]) + f"?call={world.call.pk}"]
    if role is not None:
        user = member_of(world.m1) if role == "applicant" else UserFactory(roles=[role])
        client.force_login(user)
    for url in urls:
        response = client.get(url)
        if role is None:
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
        else:
            assert response.status_code == 403, url


def test_unknown_ids_give_404(world, client):
    client.force_login(staff_user("case_worker"))
    assert client.get(reverse("payments:dashboard-call", args=[999999])).status_code == 404
    assert client.get(reverse("payments:dashboard-program", args=[999999])).status_code == 404
    export = reverse("payments:dashboard-export", args=["grants"])
    assert client.get(export + "?call=abc").status_code == 404
    assert client.get(export + "?call=999999").status_code == 404
    assert client.get(export + "?program=-1").status_code == 404


# ---------------------------------------------------------------- query counts


def _grants_with_cases(call, n):
    for i in range(n):
        g = make_grant(call=call, lead=MunicipalityFactory(), eligible="100000.00")
        g.application.topics.set(list(call.program.topics.all()[: 1 + i % 3]))
        disbursement(g, DisbursementState.PAID, "100.00", paid_on=dt.date(2027, 5, 1))
        disbursement(g, DisbursementState.REQUESTED, "100.00")
        ProofOfUse.objects.create(grant=g, kind=ProofKind.INTERIM, budget_year=2027, due_on=dt.date(2020, 1, 1))
        r = recovery(g, "10.00", paid_principal="5.00", due_on=dt.date(2020, 1, 1))
        RecoveryPayment.objects.create(recovery=r, received_on=dt.date(2028, 1, 1), amount=D("5.00"),
                                       to_interest=D("0"), to_principal=D("5.00"), recorded_by=g.preparer)


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_grants(db, client):
    call = CallFactory()
    _grants_with_cases(call, 1)
    client.force_login(staff_user("case_worker"))
    urls = [
        reverse("payments:dashboard-call", args=[call.pk]),
        reverse("payments:dashboard-program", args=[call.program.pk]),
        reverse("payments:dashboard"),
        reverse("payments:dashboard-actions"),
        *(reverse("payments:dashboard-export", args=[kind]) + f"?call={call.pk}"
          for kind in ("grants", "payments", "recoveries")),
    ]
    _count(client, urls[0])  # warm up (session, content types)
    one = {url: _count(client, url) for url in urls}
    _grants_with_cases(call, 49)
    fifty = {url: _count(client, url) for url in urls}
    assert fifty == one


def test_overview_queries_are_constant(db, django_assert_max_num_queries):
    call = CallFactory()
    _grants_with_cases(call, 50)
    with django_assert_max_num_queries(16):
        selectors.money_overview(calls=Call.objects.filter(pk=call.pk), per_call=True)
    with django_assert_max_num_queries(len(selectors.ACTION_KINDS)):  # one query per kind of case
        groups = selectors.cases_needing_action(calls=Call.objects.filter(pk=call.pk))
    assert sum(g.count for g in groups) == 150  # 50 requests, 50 overdue proofs, 50 overdue recoveries
    assert sum(len(g.items) for g in groups) == 15  # only the oldest five of each are read


def test_paid_money_is_booked_to_its_budget_year_not_the_payment_date(world):
    d = disbursement(world.g2, DisbursementState.PAID, "1.00", paid_on=dt.date(2029, 1, 2))
    DisbursementRequest.objects.filter(pk=d.pk).update(budget_year=2028)
    years = _by(selectors.money_overview(calls=Call.objects.filter(pk=world.call.pk)).years, "year")
    assert 2029 not in years and years[2028].paid == D("120001.00")


def test_cases_needing_action_read_only_the_rows_shown(db):
    """Count and oldest five per kind in SQL (issue 13): every query is LIMITed, whatever the number of cases."""
    call = CallFactory()
    _grants_with_cases(call, 12)
    with CaptureQueriesContext(connection) as ctx:
        groups = {g.kind: g for g in selectors.cases_needing_action(calls=Call.objects.filter(pk=call.pk))}
    assert len(ctx.captured_queries) == len(selectors.ACTION_KINDS)
    assert all("LIMIT 5" in q["sql"] for q in ctx.captured_queries), [q["sql"] for q in ctx.captured_queries]
    for kind in ("disbursement_to_check", "proof_overdue", "recovery_overdue"):
        assert groups[kind].count == 12 and len(groups[kind].items) == selectors.WINDOW
    oldest = list(DisbursementRequest.objects.filter(state=DisbursementState.REQUESTED)
                  .order_by("requested_at", "pk").values_list("pk", flat=True)[:selectors.WINDOW])
    assert [i.object_id for i in groups["disbursement_to_check"].items] == oldest
    assert groups["decision_prepared"].count == 0 and groups["decision_prepared"].items == []


def test_one_kind_of_action_is_paginated_in_sql(db, client):
    call = CallFactory()
    _grants_with_cases(call, 30)
    client.force_login(staff_user("case_worker"))
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("payments:dashboard-actions") + f"?kind=proof_overdue&call={call.pk}&seite=2")
    html = response.content.decode()
    assert response.status_code == 200 and "Seite 2 von 2" in html and "30 Einträge" in html
    proofs = [q["sql"] for q in ctx.captured_queries if "payments_proofofuse" in q["sql"]]
    assert any("COUNT(" in sql for sql in proofs) and any("LIMIT 5 OFFSET 25" in sql for sql in proofs), proofs
    assert html.count("<tr") == 1 + 5  # the header and the five rows of page two
