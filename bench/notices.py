"""Rendering 200 grant notices through Celery, with one and with two worker processes (issue 13).

Prints documents per second for each, beside the floor: WeasyPrint alone rendering the same
HTML in this process, one document after the other (what one core can do at best), and WeasyPrint
alone in two processes at once (what this machine gives two processes right now, the ceiling of two
workers). Then the ratios of the issue's targets:

- one worker ≥ 0.83 × WeasyPrint alone (the worker's queries, storing, SHA-256, proofs and the
  broker cost at most a sixth); also printed against WeasyPrint with one font configuration for all
  documents, as the workers call it (foundation.pdf.font_configuration), which is faster than its plain call,
- two workers ≥ 1.7 × one worker.

The workers warm WeasyPrint in each pool child at ``worker_process_init`` (config/celery.py), not in
the parent before forking: Pango's fontconfig thread makes that fork unsafe. Before the clock starts,
each worker renders a few notices of its own, so that warm-up is not timed.

Run:  DATABASE_URL=postgres://postgres@127.0.0.1:5432/shh_bench REDIS_URL=redis://127.0.0.1:6379/9 \
      .venv/bin/python bench/notices.py [N]
It builds its own throw-away test database and starts its own workers; it asserts nothing.
"""

import logging
import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")

import django  # noqa: E402

django.setup()
logging.getLogger("weasyprint").setLevel(logging.WARNING)  # a spawned process has no logging settings of its own

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

N_NOTICES = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 200
WORKER_COUNTS = (1, 2)
WARM_UP = 4  # notices per worker rendered before the clock starts


def build(n: int, call):
    from payments.enums import GrantState
    from tests.payments.factories import make_grant

    return [make_grant(call=call, state=GrantState.APPROVED, issued_on=None, with_bank_account=False,
                       years={2027: "1", 2028: "1"}).pk for _ in range(n)]


def start_worker(processes: int) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.test_settings",
           "DATABASE_URL": _database_url(), "MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    return subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "celery"), "-A", "config", "worker", "--pool=prefork",
         f"--concurrency={processes}", "--without-gossip", "--without-mingle", "--without-heartbeat",
         "-l", "warning", "-n", f"bench{processes}@%h"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_ready(app, name: str, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(host.startswith(name) for reply in app.control.ping(timeout=0.5) for host in reply):
            return
    raise SystemExit(f"worker {name} did not start")


def _render_all(app, worker, grant_ids) -> float:
    from payments.models import Notice
    from payments.tasks import render_grant_notice

    t = time.perf_counter()
    for grant_id in grant_ids:
        render_grant_notice.delay(grant_id=grant_id)
    while Notice.objects.filter(grant_id__in=grant_ids).count() < len(grant_ids):
        if worker.poll() is not None:
            raise SystemExit(f"worker died: {worker.stderr.read().decode()[-2000:]}")
        time.sleep(0.05)
    return time.perf_counter() - t


def through_celery(app, grant_ids, warm_ids, processes: int) -> float:
    import signal

    worker = start_worker(processes)
    try:
        wait_ready(app, f"bench{processes}@")
        _render_all(app, worker, warm_ids)  # every child warm and connected before the clock starts
        return _render_all(app, worker, grant_ids)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(10)


def _pages(grant_ids) -> list[str]:
    from payments.models import Grant
    from payments.pdf import grant_notice_html

    grants = Grant.objects.select_related("application__lead__landkreis", "call__program").filter(pk__in=grant_ids)
    return [grant_notice_html(g) for g in grants]


def _render_pages(pages, shared_fonts=False) -> float:
    """WeasyPrint alone, one page after the other (run in this process, or in a spawned one): called as its
    documentation shows (`HTML(string=…).write_pdf()`), or with one font configuration for all pages, as our
    workers call it (foundation.pdf.font_configuration)."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    options = {"font_config": FontConfiguration()} if shared_fonts else {}
    HTML(string=pages[0]).write_pdf(**options)  # fonts and styles loaded once, as in a warm worker
    t = time.perf_counter()
    for html in pages:
        HTML(string=html).write_pdf(**options)
    return time.perf_counter() - t


def floor(grant_ids, shared_fonts=False) -> float:
    return _render_pages(_pages(grant_ids), shared_fonts)


def floor_two_processes(grant_ids) -> float:
    """WeasyPrint alone in two fresh processes at once, each half the pages: the wall time of both. Spawned, not
    forked (this process holds Pango's fontconfig thread)."""
    import multiprocessing

    pages = _pages(grant_ids)
    halves = [pages[0::2], pages[1::2]]
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.map(_render_pages, [halves[0][:1], halves[1][:1]])  # start and warm both
        t = time.perf_counter()
        pool.map(_render_pages, halves, chunksize=1)
        return time.perf_counter() - t


def main():
    if not os.environ.get("REDIS_URL") or connection.vendor != "postgresql":
        raise SystemExit("Needs DATABASE_URL (PostgreSQL) and REDIS_URL: the workers are separate processes.")
    from config.celery import app
    from grants.models import CallBudgetYear
    from tests.factories import CallFactory

    app.conf.task_always_eager = False
    app.control.purge()
    setup_test_environment()
    old = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        t = time.perf_counter()
        call = CallFactory(total_budget=Decimal("999999999.00"))
        CallBudgetYear.objects.filter(call=call).update(amount=Decimal("999999999.00"))
        batches = {n: build(N_NOTICES, call) for n in WORKER_COUNTS}
        warm = {n: build(WARM_UP * n, call) for n in WORKER_COUNTS}
        print(f"built {N_NOTICES * len(WORKER_COUNTS)} approved grants in {time.perf_counter() - t:.1f}s; "
              f"{os.cpu_count()} CPU cores (load average {os.getloadavg()[0]:.1f})")
        single = {}
        for shared, label in ((False, "1 process:  "), (True, "1 process, one font configuration for all:")):
            single[shared] = floor(batches[WORKER_COUNTS[0]], shared_fonts=shared)
            print(f"WeasyPrint alone, {label} {N_NOTICES / single[shared]:6.1f} notices/s  "
                  f"({single[shared] * 1000 / N_NOTICES:.0f} ms each) — "
                  + ("WeasyPrint at its best, as our workers call it" if shared else "the floor"))
        t_floor, t_best = single[False], single[True]
        floor_rate = N_NOTICES / t_floor
        t_floor2 = floor_two_processes(batches[WORKER_COUNTS[0]])
        floor2_rate = N_NOTICES / t_floor2
        print(f"WeasyPrint alone, 2 processes: {floor2_rate:6.1f} notices/s  "
              f"= {floor2_rate / floor_rate:.2f}x one process (what this machine gives two processes now)")
        rates = {}
        for n in WORKER_COUNTS:
            elapsed = through_celery(app, batches[n], warm[n], n)
            rates[n] = N_NOTICES / elapsed
            print(f"Celery, {n} worker process{'es' if n > 1 else '  '}: {rates[n]:6.1f} notices/s  "
                  f"= {rates[n] / floor_rate:.2f}x the one-process floor "
                  f"({elapsed:.1f}s for {N_NOTICES}, incl. queries, storing, SHA-256, proofs)")
        one, two = rates[1] / floor_rate, rates[2] / rates[1]
        print(f"target: one worker >= 0.83x WeasyPrint alone: {one:.2f}x  {'met' if one >= 0.83 else 'NOT met'}"
              f"  (against WeasyPrint with one font configuration: {rates[1] * t_best / N_NOTICES:.2f}x)")
        print(f"target: two workers >= 1.7x one worker:       {two:.2f}x  {'met' if two >= 1.7 else 'NOT met'}"
              f"  (WeasyPrint alone gets {floor2_rate / floor_rate:.2f}x from two processes on this machine now)")
    finally:
        connection.close()
        connection.creation.destroy_test_db(old, verbosity=0)


if __name__ == "__main__":
    main()
