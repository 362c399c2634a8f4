"""Ranking a large call: 2,000 eligible applications, 7 jury members, 6 criteria.

Prints the query count and time of jury.selectors.ranking() computed (cache emptied before each run)
and read from the cache, the time to show a page of 50 rows (application, explanation, tie-break, missed
thresholds, grant per year: what is built only for the rows shown), beside the time of one plain SQL
aggregate over the same scores (the floor: what the database needs to average them), and the ratios.
Then where the computed time goes: the ranking statement alone (jury/ranking.py, `_statement`), the query of
the cache key (`_inputs_key`), the pass in Python over the statement's rows and the cut-off (`compute`
without its statement), and packing the rows for the cache (`_pack`).

Run:  DATABASE_URL=postgres://postgres@127.0.0.1:5432/shh_rankbench .venv/bin/python bench/ranking.py
It builds its own throw-away test database; it asserts nothing.
"""

import os
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

N_APPLICATIONS, N_MEMBERS, N_CRITERIA = 2000, 7, 6


def build():
    from django.utils import timezone

    from accounts.models import Municipality
    from applications.models import Application, CostLine
    from grants.models import Criterion
    from grants.money import uncapped_grant
    from jury.models import Assignment, Panel, PanelMember, Score, ScoreSheet
    from tests.factories import CallFactory, LandkreisFactory, UserFactory

    call = CallFactory(total_budget=Decimal("16000000.00"))
    call.program.criteria.all().delete()
    criteria = [Criterion.objects.create(program=call.program, order=i, name=f"K{i}", weight=Decimal(1 + i % 3),
                                         threshold=Decimal("1.5")) for i in range(N_CRITERIA)]
    panel = Panel.objects.create(call=call, tie_breaks=[f"criterion:{criteria[0].pk}", "joint_first"])
    members = [PanelMember.objects.create(panel=panel, user=UserFactory(roles=["jury"])) for _ in range(N_MEMBERS)]
    user = UserFactory()
    munis = []
    for k in range(3):
        kreis = LandkreisFactory()
        munis += Municipality.objects.bulk_create(
            Municipality(name=f"G{k}-{i}", kind="gemeinde", landkreis=kreis,
                         official_key=f"{kreis.official_key}{i + 1:03d}") for i in range(700))
    apps = Application.objects.bulk_create(
        Application(call=call, lead=munis[i], title=f"Projekt {i}", created_by=user, state="in_evaluation",
                    case_number=f"B-{i:05d}", submitted_at=timezone.now(),
                    total_costs=Decimal(200000 + i * 100), eligible_costs=Decimal(200000 + i * 100),
                    grant_amount=uncapped_grant(rate=call.program.funding_rate,
                                                eligible_costs=Decimal(200000 + i * 100)))
        for i in range(N_APPLICATIONS))
    CostLine.objects.bulk_create(
        CostLine(application=a, category="investment", description="x", budget_year=2027 + j,
                 amount=a.eligible_costs / 2) for a in apps for j in range(2))
    # every application scored by 3 of the 7 members, rotating
    assignments = Assignment.objects.bulk_create(
        Assignment(member=members[(i + k) % N_MEMBERS], application=a, assigned=True, declaration="no_conflict")
        for i, a in enumerate(apps) for k in range(3))
    sheets = ScoreSheet.objects.bulk_create(ScoreSheet(assignment=x, state="submitted") for x in assignments)
    Score.objects.bulk_create(Score(sheet=s, criterion=c, value=Decimal((s.pk * 7 + c.pk * 3) % 11) / 2)
                              for s in sheets for c in criteria)
    return call


def best_of(fn, repeat=9):
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main():
    from jury.models import Score
    from jury.selectors import ranking

    setup_test_environment()
    old = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        t = time.perf_counter()
        call = build()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # statistics, as autovacuum gives them soon after a bulk load
        print(f"built {N_APPLICATIONS} applications, {N_MEMBERS} members, {N_CRITERIA} criteria, "
              f"{Score.objects.count()} scores in {time.perf_counter() - t:.1f}s ({connection.vendor})")
        from django.core.cache import cache

        from foundation.heap import settle_collector

        settle_collector()  # the garbage collector as a web worker has it (config/wsgi.py, foundation/heap.py)
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            result = ranking(call=call)
        queries = len(ctx.captured_queries)
        with CaptureQueriesContext(connection) as ctx:
            ranking(call=call)
        cached_queries = len(ctx.captured_queries)
        table = Score._meta.db_table
        sql = (f"SELECT a.application_id, s.criterion_id, AVG(s.value) FROM {table} s "
               "JOIN jury_scoresheet sh ON sh.id = s.sheet_id JOIN jury_assignment a ON a.id = sh.assignment_id "
               "WHERE sh.state = 'submitted' AND a.excluded = false GROUP BY a.application_id, s.criterion_id")

        def floor():
            with connection.cursor() as cursor:
                cursor.execute(sql)
                cursor.fetchall()

        def computed():
            cache.clear()
            return ranking(call=call)

        def page():
            return [(r.application.title, r.application.lead.name, r.explanation, r.tie_break, r.failed,
                     r.grant_by_year) for r in ranking(call=call).rows[:50]]

        t_rank = best_of(computed)
        t_cached = best_of(lambda: ranking(call=call))
        t_page = best_of(page)
        t_floor = best_of(floor)
        print(f"ranking() computed: {t_rank * 1000:8.1f} ms  {queries} queries  "
              f"({len(result.recommended)} recommended, {len(result.reserve)} reserve)")
        print(f"ranking() cached:   {t_cached * 1000:8.1f} ms  {cached_queries} queries")
        print(f"page of 50 rows:    {t_page * 1000:8.1f} ms  (cached list + what the shown rows build)")
        print(f"plain SQL AVG:      {t_floor * 1000:8.1f} ms  1 query (the floor)")
        print(f"ratio computed/floor: {t_rank / t_floor:.2f}x   cached/floor: {t_cached / t_floor:.2f}x   "
              f"page/floor: {t_page / t_floor:.2f}x")
        parts(call, t_floor)
    finally:
        connection.creation.destroy_test_db(old, verbosity=0)


def parts(call, t_floor):
    """Where the computed ranking's time goes (each part best of 9, as above)."""
    from jury import ranking as rk
    from jury.models import Panel

    panel = Panel.objects.get(call=call)
    criteria = list(call.program.criteria.order_by("order", "pk"))
    tranches = {y.year: y.amount for y in call.budget_years.all()}  # as jury.selectors.ranking reads them
    budget, year_budgets = call.total_budget, tranches
    sql, params = rk._statement(call.pk, criteria)

    def statement():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def key():
        return rk._inputs_key(call=call, panel=panel, criteria=criteria, budget=None, year_budgets=None,
                              tranches=tranches)

    def compute():
        return rk.compute(call=call, panel=panel, criteria=criteria, budget=budget, year_budgets=year_budgets)

    rows = compute()
    t_statement, t_key, t_compute = best_of(statement), best_of(key), best_of(compute)
    t_pack = best_of(lambda: rk._pack(rows))
    for name, t in (("ranking statement", t_statement), ("cache key query", t_key),
                    ("Python pass and cut-off", t_compute - t_statement), ("packing for the cache", t_pack)):
        print(f"  {name + ':':<25}{t * 1000:8.1f} ms  = {t / t_floor:.2f}x the floor")


if __name__ == "__main__":
    main()
