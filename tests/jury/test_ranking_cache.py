"""The ranking is cached per call and version of its inputs (jury.ranking): one computation shared by the
page, the session page, the API, the documents and the ministry's decisions; every change of an input
(a submitted or reopened sheet, an exclusion, the budget, a tranche, a criterion) makes the next read
compute afresh; the rows a viewer may not see are left out after the cache."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from grants.models import CallBudgetYear
from jury import services
from jury.enums import DecisionOutcome as O
from jury.enums import ExclusionKind
from jury.models import ScoreSheet
from jury.selectors import ranking
from tests.factories import staff_user
from tests.jury.factories import add_member, application_in_evaluation, assign, evaluated_call, score, scored_call

pytestmark = pytest.mark.django_db

STATEMENT = "WITH counted AS"  # the ranking statement


def read(call, **kwargs):
    """(result, whether the ranking statement ran, number of queries)"""
    with CaptureQueriesContext(connection) as ctx:
        result = ranking(call=call, **kwargs)
    return result, any(STATEMENT in q["sql"] for q in ctx.captured_queries), len(ctx.captured_queries)


def places(result):
    return [(r.application.pk, r.position, r.outcome, r.n_scores, r.total, r.budget_left) for r in result.rows]


def test_a_second_read_comes_from_the_cache_with_fewer_queries():
    call, panel, first, second = scored_call()
    fresh, computed, n_fresh = read(call)
    again, computed_again, n_again = read(call)
    assert computed and not computed_again
    assert n_fresh <= 5 and n_again < n_fresh
    assert places(again) == places(fresh)
    assert [r.explanation for r in again.rows] == [r.explanation for r in fresh.rows]


def figures(row):
    return (row.application.pk, row.application.case_number, row.application.lead.name, row.case_number,
            row.submitted_at, row.position, row.outcome, row.final_outcome, row.n_scores, row.means, row.total,
            row.spread, row.joint, row.grant, row.eligible, row.grant_by_year, row.too_few, row.disagreement,
            row.failed, row.above_threshold, row.tie_rule, row.tie_break, row.budget_left, row.years_left,
            row.shortfall, row.explanation)


def test_the_cached_rows_carry_every_figure_of_the_computed_ones():
    """The cache keeps each row as a tuple of plain figures (jury.ranking._pack): nothing may be lost or
    rounded on the way — a reserve row, a row without complete scores, means of thirds."""
    call, panel, first, second = scored_call()
    score(panel, application_in_evaluation(call, grant="150000.00"), [[1, 2], [0.5, 1], [2, 1.5]])
    application_in_evaluation(call, grant="120000.00")  # not scored: not recommended
    fresh, computed, _n = read(call)
    again, computed_again, _n = read(call)
    assert computed and not computed_again
    assert {r.outcome for r in fresh.rows} >= {O.RECOMMENDED, O.NOT_RECOMMENDED}
    assert [figures(r) for r in again.rows] == [figures(r) for r in fresh.rows]
    for cached, computed_row in zip(again.rows, fresh.rows, strict=True):
        assert [str(v) for v in cached.means.values()] == [str(v) for v in computed_row.means.values()]
        assert str(cached.total) == str(computed_row.total) and str(cached.grant) == str(computed_row.grant)


def test_a_cached_row_reads_what_only_a_shown_row_needs_when_it_is_shown():
    """Every read unpickles the whole list, so a cached row keeps its application record, means' points, eligible
    costs and tranches left per year pickled on their own (jury.ranking._DETAILS) until one of them is read: the
    order, the outcomes, the budget line and the committed sum do not read them; a shown row does."""
    call, panel, first, second = scored_call()
    read(call)
    cached, computed, _n = read(call)
    assert not computed and len(cached.rows) == 2
    assert cached.cutoff_index == 0 and cached.committed == cached.rows[0].grant and len(cached.reserve) == 1
    assert all("_details" in vars(row) and "_record" not in vars(row) for row in cached.rows)
    shown, other = cached.rows
    assert shown.application == first and shown.submitted_at == first.submitted_at
    assert "_details" not in vars(shown) and "_details" in vars(other)
    assert other.years_left == {} and other.eligible and "_details" not in vars(other)


def test_page_api_documents_and_decisions_share_one_computation(client):
    from django.urls import reverse
    from rest_framework.test import APIClient

    from payments.selectors.decisions import _rank_order

    call, panel, first, second = scored_call()
    staff = staff_user()
    client.force_login(staff)
    api = APIClient()
    api.force_login(staff)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("jury:ranking", args=[call.pk])).status_code == 200
        assert api.get(f"/api/v1/jury/panels/{panel.pk}/ranking/").status_code == 200
        assert client.get(reverse("jury:ranking-csv", args=[call.pk])).status_code == 200
        assert list(_rank_order(call).values()) == [1, 2]
    assert sum(STATEMENT in q["sql"] for q in ctx.captured_queries) == 1


def test_submitting_and_reopening_a_sheet_changes_the_list():
    call, panel, first, second = scored_call()
    before, _computed, _n = read(call)
    member = add_member(panel)
    assign(member, second)
    criteria = list(call.program.criteria.order_by("order"))
    services.save_scores(user=member.user, application_id=second.pk,
                         values={c.pk: ("5", "") for c in criteria}, submit=True)
    submitted, computed, _n = read(call)
    assert computed
    row = next(r for r in submitted.rows if r.application == second)
    assert row.n_scores == 3 and row.total > next(r for r in before.rows if r.application == second).total
    sheet = ScoreSheet.objects.get(assignment__member=member)
    services.reopen_scores(actor=staff_user(), sheet_id=sheet.pk, reason="Rechenfehler")
    reopened, _computed, _n = read(call)
    # The inputs are those of the first read again (that entry may answer), not those of the second.
    assert places(reopened) == places(before) != places(submitted)


def test_an_exclusion_changes_the_list():
    call, panel, first, second = scored_call()
    read(call)
    assignment = ScoreSheet.objects.filter(assignment__application=first).first().assignment
    assignment.assigned, assignment.excluded, assignment.exclusion_kind = False, True, ExclusionKind.DECLARED
    assignment.save()
    result, computed, _n = read(call)
    assert computed and next(r for r in result.rows if r.application == first).n_scores == 1


def test_a_changed_budget_or_tranche_changes_the_list():
    call, panel, first, second = scored_call()  # 400,000 €: the second goes to the reserve list
    assert [r.outcome for r in read(call)[0].rows] == [O.RECOMMENDED, O.RESERVE]
    call.total_budget = Decimal("500000.00")
    call.save()
    result, computed, _n = read(call)
    assert computed and [r.outcome for r in result.rows] == [O.RECOMMENDED, O.RECOMMENDED]
    CallBudgetYear.objects.create(call=call, year=2027, amount=Decimal("350000.00"))
    result, computed, _n = read(call)
    assert computed and [r.outcome for r in result.rows] == [O.RECOMMENDED, O.RESERVE]
    assert "Haushaltsjahr 2027" in result.rows[1].explanation


def test_a_changed_criterion_changes_the_list():
    call, panel = evaluated_call(criteria=((1, "", None), (1, "", None)))
    app = score(panel, application_in_evaluation(call, grant="100000"), [[4, 2]])
    assert read(call)[0].rows[0].total == Decimal("3.0000")
    criterion = call.program.criteria.order_by("order").first()
    criterion.weight = Decimal("3")
    criterion.save()
    result, computed, _n = read(call)
    assert computed and result.rows[0].total == Decimal("3.5000") and result.rows[0].application == app


def test_a_what_if_is_cached_apart_from_the_list():
    call, panel, first, second = scored_call()
    normal = read(call)[0]
    what_if, computed, _n = read(call, budget=Decimal("600000.00"))
    assert computed and [r.outcome for r in what_if.rows] == [O.RECOMMENDED, O.RECOMMENDED]
    again, computed, _n = read(call)
    assert not computed and places(again) == places(normal)


def test_hidden_rows_are_left_out_after_the_cache():
    from jury.models import Assignment, PanelMember
    from tests.factories import UserFactory

    call, panel, first, second = scored_call()
    excluded = PanelMember.objects.create(panel=panel, user=UserFactory(roles=["jury"]))
    Assignment.objects.create(member=excluded, application=first, excluded=True,
                              exclusion_kind=ExclusionKind.DECLARED, exclusion_reason="x")
    everyone = read(call)[0]
    hidden, computed, _n = read(call, exclude_for_user=excluded.user)
    assert not computed
    assert [r.application for r in hidden.rows] == [second]
    assert hidden.rows[0].position == next(r for r in everyone.rows if r.application == second).position
    assert len(read(call)[0].rows) == 2


def test_the_cache_holds_no_text_each_reader_gets_their_language():
    call, panel, first, second = scored_call()
    with translation.override("de"):
        german = read(call)[0].rows[1].explanation
    with translation.override("en"):
        result, computed, _n = read(call)
        english = result.rows[1].explanation
    assert not computed
    assert german.startswith("Platz 2") and english.startswith("Place 2")
