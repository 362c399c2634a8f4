"""How the staff list of a call scales: time and queries for 50 and 1,000 submitted applications.

Run:  DATABASE_URL=postgres://postgres@127.0.0.1:5432/shh_bench .venv/bin/python bench/staff_list.py
It builds its own throw-away test database and prints figures and ratios; it asserts nothing.
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


def build(n, call, topic):
    from accounts.models import Municipality
    from applications.models import Application, CostLine
    from tests.factories import LandkreisFactory, UserFactory

    kreis = LandkreisFactory()
    user = UserFactory()
    base = Municipality.objects.count()
    munis = Municipality.objects.bulk_create(
        Municipality(name=f"Gemeinde {base + i}", kind="gemeinde", landkreis=kreis,
                     official_key=f"{kreis.official_key}{(base + i) % 999 + 1:03d}")
        for i in range(n))
    start = Application.objects.count()
    apps = Application.objects.bulk_create(
        Application(call=call, lead=m, title=f"Projekt {start + i}", state="submitted",
                    case_number=f"B-{start + i:06d}", created_by=user, total_costs=Decimal("200000"),
                    eligible_costs=Decimal("200000"), grant_amount=Decimal("180000"), own_share=Decimal("20000"))
        for i, m in enumerate(munis))
    CostLine.objects.bulk_create(CostLine(application=a, category="investment", description="x",
                                          budget_year=2027, amount=Decimal("200000")) for a in apps)
    Application.topics.through.objects.bulk_create(
        Application.topics.through(application_id=a.pk, topic_id=topic.pk) for a in apps)


def consume(response):
    assert response.status_code == 200, response.status_code
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def measure(client, url, repeat=5):
    with CaptureQueriesContext(connection) as ctx:
        consume(client.get(url))
    queries = len(ctx.captured_queries)  # read now: the next request resets the log
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        consume(client.get(url))
        best = min(best, time.perf_counter() - t)
    return best, queries


def main():
    from django.test import Client
    from django.urls import reverse

    from tests.factories import CallFactory, staff_user

    setup_test_environment()
    old = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call = CallFactory()
        topic = call.program.topics.first()
        client = Client()
        client.force_login(staff_user("case_worker"))
        rows = []
        built = 0
        for n in (50, 1000):
            build(n - built, call, topic)
            built = n
            page = measure(client, reverse("applications:staff-call", args=[call.pk]))
            csv = measure(client, reverse("applications:staff-call-csv", args=[call.pk]))
            rows.append((n, page, csv))
        print(f"database: {connection.vendor}")
        print(f"{'applications':>12} {'page ms':>9} {'page queries':>13} {'csv ms':>9} {'csv queries':>12}")
        for n, (pt, pq), (ct, cq) in rows:
            print(f"{n:>12} {pt * 1000:>9.1f} {pq:>13} {ct * 1000:>9.1f} {cq:>12}")
        (n1, (p1, _), (c1, _)), (n2, (p2, _), (c2, _)) = rows
        print(f"rows x{n2 / n1:.0f}: page time x{p2 / p1:.2f} (paginated, 25 per page), "
              f"csv time x{c2 / c1:.2f} (all rows, streamed)")
    finally:
        connection.creation.destroy_test_db(old, verbosity=0)


if __name__ == "__main__":
    main()
