from decimal import Decimal

import pytest

from jury.enums import DecisionOutcome as O
from jury.selectors import ranking
from tests.factories import MunicipalityFactory
from tests.jury.factories import application_in_evaluation, evaluated_call, score

pytestmark = pytest.mark.django_db


def outcomes(result):
    return [(r.application.title, r.outcome) for r in result.rows]


def test_weighted_mean_spread_and_flags():
    call, panel = evaluated_call(criteria=((2, "", None), (1, "", None)), min_scorers=3, spread_threshold=Decimal("1"))
    app = score(panel, application_in_evaluation(call, grant="100000"), [[4, 1], [2, 4]])
    row = ranking(call=call).rows[0]
    assert row.means[call.program.criteria.order_by("order")[0].pk] == Decimal("3")
    assert row.total == Decimal("2.8333")  # (2*3 + 1*2.5) / 3
    assert row.spread == Decimal("0.3333")  # member totals 9/3 = 3.0 and 8/3 = 2.6667
    assert row.n_scores == 2 and row.too_few is True and row.disagreement is False
    assert row.application == app


def test_criterion_and_total_thresholds():
    call, panel = evaluated_call(criteria=((1, "", "2.5"), (1, "", None)), total_threshold=Decimal("3"))
    ok = score(panel, application_in_evaluation(call, grant="100000"), [[3, 4]])
    low_criterion = score(panel, application_in_evaluation(call, grant="100000"), [[2, 5]])
    low_total = score(panel, application_in_evaluation(call, grant="100000"), [[2.5, 3]])
    result = ranking(call=call)
    by_app = {r.application: r for r in result.rows}
    assert by_app[ok].outcome == O.RECOMMENDED
    assert by_app[low_criterion].outcome == O.NOT_RECOMMENDED and "Schwelle 2,5" in by_app[low_criterion].explanation
    assert by_app[low_total].outcome == O.NOT_RECOMMENDED and "Gesamtbewertung" in by_app[low_total].explanation


def test_budget_exactly_used_up_then_a_cent_too_expensive_skips_to_a_cheaper_one():
    call, panel = evaluated_call(budget="500000.00")
    first = score(panel, application_in_evaluation(call, grant="300000.00"), [[5, 5]])
    second = score(panel, application_in_evaluation(call, grant="200000.01"), [[4, 4]])  # a cent too much
    third = score(panel, application_in_evaluation(call, grant="200000.00"), [[3, 3]])  # fits exactly
    fourth = score(panel, application_in_evaluation(call, grant="100000.00"), [[2, 2]])  # nothing left
    result = ranking(call=call)
    assert [r.application for r in result.rows] == [first, second, third, fourth]
    assert [r.outcome for r in result.rows] == [O.RECOMMENDED, O.RESERVE, O.RECOMMENDED, O.RESERVE]
    assert result.rows[1].budget_left == Decimal("200000.00")
    assert "um 0,01\u00a0€" in result.rows[1].explanation
    assert result.rows[2].budget_left == Decimal("0.00")
    assert result.committed == Decimal("500000.00")


def test_budget_year_tranche_limits_even_when_total_is_enough():
    call, panel = evaluated_call(budget="1000000.00", years={2027: "150000.00", 2028: "850000.00"})
    big_2027 = score(panel, application_in_evaluation(call, grant="200000.00", years={2027: "1"}), [[5, 5]])
    split = score(panel, application_in_evaluation(call, grant="200000.00", years={2027: "1", 2028: "1"}), [[4, 4]])
    later = score(panel, application_in_evaluation(call, grant="300000.00", years={2028: "1"}), [[3, 3]])
    result = ranking(call=call)
    by_app = {r.application: r for r in result.rows}
    assert by_app[big_2027].outcome == O.RESERVE and "Haushaltsjahr 2027" in by_app[big_2027].explanation
    assert by_app[split].outcome == O.RECOMMENDED and by_app[split].grant_by_year == {
        2027: Decimal("100000.00"), 2028: Decimal("100000.00")}
    assert by_app[later].outcome == O.RECOMMENDED
    assert by_app[later].years_left == {2027: Decimal("50000.00"), 2028: Decimal("450000.00")}


def test_tie_breaks_named_criterion_then_joint():
    call, panel = evaluated_call(criteria=((1, "", None), (1, "", None)))
    crit2 = call.program.criteria.order_by("order")[1]
    panel.tie_breaks = [f"criterion:{crit2.pk}", "joint_first"]
    panel.save()
    a = score(panel, application_in_evaluation(call, grant="100000"), [[4, 3]])
    b = score(panel, application_in_evaluation(call, grant="100000"), [[3, 4]])  # same total, better crit 2
    c = score(panel, application_in_evaluation(call, grant="100000", partners=[MunicipalityFactory()]), [[4, 3]])
    rows = ranking(call=call).rows
    assert [r.application for r in rows] == [b, c, a]
    assert "Kriterium 2" in rows[1].tie_break
    assert rows[2].tie_break == "Gemeinschaftsvorhaben vor Einzelvorhaben"


@pytest.mark.parametrize(("rule", "winner"), [("lower_grant", "cheap"), ("earlier_submission", "early")])
def test_tie_breaks_grant_and_submission(rule, winner):
    call, panel = evaluated_call(tie_breaks=[rule])
    early = score(panel, application_in_evaluation(call, grant="200000"), [[4, 4]])
    cheap = score(panel, application_in_evaluation(call, grant="100000"), [[4, 4]])
    rows = ranking(call=call).rows
    assert rows[0].application == {"cheap": cheap, "early": early}[winner]


def test_what_if_changes_nothing_and_scales_tranches(django_assert_num_queries):
    call, panel = evaluated_call(budget="400000.00", years={2027: "200000.00", 2028: "200000.00"})
    a = score(panel, application_in_evaluation(call, grant="300000.00", years={2027: "1", 2028: "1"}), [[5, 5]])
    b = score(panel, application_in_evaluation(call, grant="200000.00", years={2027: "1", 2028: "1"}), [[4, 4]])
    normal = ranking(call=call)
    what_if = ranking(call=call, budget=Decimal("600000.00"))
    assert [r.outcome for r in normal.rows] == [O.RECOMMENDED, O.RESERVE]
    assert [r.outcome for r in what_if.rows] == [O.RECOMMENDED, O.RECOMMENDED]
    assert what_if.year_budgets == {2027: Decimal("300000.00"), 2028: Decimal("300000.00")}
    call.refresh_from_db()
    assert call.total_budget == Decimal("400000.00")
    assert a.state == b.state == "in_evaluation"


def _bulk(call, panel, n, members=3):
    """n applications with `members` submitted sheets each, built in bulk."""
    from django.utils import timezone

    from applications.models import Application, CostLine
    from jury.models import Assignment, PanelMember, Score, ScoreSheet
    from tests.factories import LandkreisFactory, UserFactory

    kreis = LandkreisFactory()
    user = UserFactory()
    from accounts.models import Municipality

    start = Application.objects.count()
    munis = Municipality.objects.bulk_create(
        Municipality(name=f"G{start + i}", kind="gemeinde", landkreis=kreis,
                     official_key=f"{kreis.official_key}{(start + i) % 999 + 1:03d}") for i in range(n))
    apps = Application.objects.bulk_create(
        Application(call=call, lead=m, title=f"P{start + i}", created_by=user, state="in_evaluation",
                    case_number=f"Q-{start + i:05d}", submitted_at=timezone.now(), total_costs=Decimal("200000"),
                    eligible_costs=Decimal("200000"), grant_amount=Decimal("180000")) for i, m in enumerate(munis))
    CostLine.objects.bulk_create(CostLine(application=a, category="investment", description="x", budget_year=2027,
                                          amount=Decimal("200000")) for a in apps)
    pm = list(panel.members.all())
    while len(pm) < members:
        pm.append(PanelMember.objects.create(panel=panel, user=UserFactory(roles=["jury"])))
    assignments = Assignment.objects.bulk_create(
        Assignment(member=m, application=a, assigned=True, declaration="no_conflict") for a in apps for m in pm)
    sheets = ScoreSheet.objects.bulk_create(ScoreSheet(assignment=x, state="submitted") for x in assignments)
    criteria = list(call.program.criteria.all())
    Score.objects.bulk_create(Score(sheet=s, criterion=c, value=Decimal((s.pk + c.pk) % 11) / 2)
                              for s in sheets for c in criteria)


def test_ranking_query_count_is_constant(django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call, panel = evaluated_call(budget="20000000.00")
    _bulk(call, panel, 3)
    with CaptureQueriesContext(connection) as few:
        assert len(ranking(call=call).rows) == 3
    _bulk(call, panel, 297)
    with django_assert_max_num_queries(len(few.captured_queries)):
        result = ranking(call=call)
    assert len(result.rows) == 300
    assert len(result.recommended) + len(result.reserve) + len(
        [r for r in result.rows if r.outcome == O.NOT_RECOMMENDED]) == 300


def test_member_excluded_elsewhere_sees_the_same_places_without_the_hidden_row():
    from jury.enums import ExclusionKind
    from jury.models import Assignment, PanelMember
    from tests.factories import UserFactory

    call, panel = evaluated_call(budget="300000.00")
    a = score(panel, application_in_evaluation(call, grant="200000"), [[5, 5]])
    b = score(panel, application_in_evaluation(call, grant="200000"), [[4, 4]])
    c = score(panel, application_in_evaluation(call, grant="100000"), [[3, 3]])
    excluded_member = PanelMember.objects.create(panel=panel, user=UserFactory(roles=["jury"]))
    other_member = PanelMember.objects.create(panel=panel, user=UserFactory(roles=["jury"]))
    Assignment.objects.create(member=excluded_member, application=a, excluded=True,
                              exclusion_kind=ExclusionKind.DECLARED, exclusion_reason="x")
    full = {r.application: (r.position, r.outcome) for r in ranking(call=call).rows}
    hidden = ranking(call=call, exclude_for_user=excluded_member.user)
    seen = {r.application: (r.position, r.outcome) for r in hidden.rows}
    assert a not in seen and seen == {b: full[b], c: full[c]}
    assert len(ranking(call=call, exclude_for_user=other_member.user).rows) == 3


def test_the_outcome_lists_and_the_budget_line_follow_the_rows_shown():
    call, panel = evaluated_call(budget="500000.00")
    first = score(panel, application_in_evaluation(call, grant="300000.00"), [[5, 5]])
    second = score(panel, application_in_evaluation(call, grant="300000.00"), [[4, 4]])  # does not fit
    third = score(panel, application_in_evaluation(call, grant="200000.00"), [[3, 3]])
    result = ranking(call=call)
    assert [r.application for r in result.recommended] == [first, third]
    assert [r.application for r in result.reserve] == [second] and result.not_recommended == []
    assert result.cutoff_index == 2 and result.committed == Decimal("500000.00")
    result.rows = [r for r in result.rows if r.application != third]  # a viewer who may not see the third
    assert [r.application for r in result.recommended] == [first]
    assert result.cutoff_index == 0 and result.committed == Decimal("300000.00")


@pytest.mark.parametrize(("outcome", "expected"), [
    (O.RECOMMENDED, "Platz 1.488, 3,38 Punkte: empfohlen; danach verbleiben 5.740.000,00\u00a0€."),
    (O.RESERVE, "Platz 1.488, 3,38 Punkte: Nachrückliste, weil die Zuwendung von 6.000.000,00\u00a0€ die verbleibenden "
                "Mittel von 5.740.000,00\u00a0€ um 260.000,00\u00a0€ übersteigt."),
])
def test_a_place_in_the_thousands_is_explained_grouped_as_the_list_shows_it(outcome, expected):
    from types import SimpleNamespace

    from jury.domain import explain

    row = SimpleNamespace(position=1488, outcome=outcome, total=Decimal("3.375"), budget_left=Decimal("5740000"),
                          shortfall="total", grant=Decimal("6000000"))
    assert explain(row) == expected
