"""Faults injected on real processes; prints, per fault, how many documents and mails exist after
recovery and how many twice. The target is N and 0 in every row.

For each fault it submits N applications (each promises a receipt and mails) while the fault is on:
- broker down: the private redis-server is killed before the submissions and started again after;
- worker child killed: a SIGKILL to the worker's prefork child right after each submission;
- database connections killed: every other backend of the database terminated after each submission.
Then it runs the outbox sweeper (as beat does every minute) until everything is done or 3 minutes pass.

Run:  DATABASE_URL=postgres://postgres@127.0.0.1:5432/shh_bench REDIS_URL=redis://127.0.0.1:6379/9 \\
      .venv/bin/python bench/faults.py [N]
It builds its own throw-away test database, its own redis-server and worker; it asserts nothing.
"""

import contextlib
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 10


def submissions(n: int):
    from applications import services
    from tests.factories import ApplicationFactory, CallFactory, MunicipalityFactory, complete_draft, member_of

    call = CallFactory()
    cases = []
    for _ in range(n):
        lead = MunicipalityFactory()
        user = member_of(lead)
        cases.append((complete_draft(ApplicationFactory(call=call, lead=lead, created_by=user), user=user), user))
    return cases, services


def run_fault(name, before, after_each, after, worker, n):
    from applications.models import Receipt
    from outbox import services as outbox
    from outbox.models import OutboxMessage
    from tests.faults import wait_for

    cases, services = submissions(n)
    ids = [application.pk for application, _user in cases]
    first_message = (OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)
    before()
    errors = 0
    for application, user in cases:
        try:
            services.submit_application(actor=user, application_id=application.pk)
        except Exception as exc:  # counted: a committed request must never fail
            errors += 1
            if errors == 1:
                print(f"  first failure: {exc!r}")
        after_each()
    after()
    t = time.monotonic()

    def done():
        return not OutboxMessage.objects.filter(pk__gt=first_message).exclude(state="done").exists()

    with contextlib.suppress(TimeoutError):
        wait_for(done, timeout=180, what=name, every=1, between=outbox.sweep)
    receipts = Receipt.objects.filter(application_id__in=ids)
    mails = OutboxMessage.objects.filter(pk__gt=first_message, task="accounts.tasks.send_email")
    twice = receipts.count() - receipts.values("application_id").distinct().count()
    distinct = receipts.values("application_id").distinct().count()
    print(f"{name:32} {n:3} events  {errors:2} failed requests  receipts {distinct:3}/{n}  duplicates {twice}"
          f"  mails sent {mails.filter(state='done').count():3}/{mails.count()}"
          f"  ({time.monotonic() - t:.0f}s to recover)")


def main():
    if not os.environ.get("REDIS_URL") or connection.vendor != "postgresql":
        raise SystemExit("Needs DATABASE_URL (PostgreSQL) and REDIS_URL: the worker is a separate process.")
    from config.celery import app
    from tests.faults import RedisServer, Worker, database_url, terminate_other_connections

    setup_test_environment()
    old = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    settings.OUTBOX_LEASE_SECONDS = 5
    broker = RedisServer().start()
    app.conf.update(broker_url=broker.url, task_always_eager=False)
    app._after_fork()
    worker = Worker(broker_url=broker.url, database_url=database_url(), media_root=str(settings.MEDIA_ROOT)).start()
    nothing = lambda: None  # noqa: E731
    try:
        print(f"{N} submissions per fault; each promises a receipt and mails")
        run_fault("no fault", nothing, nothing, nothing, worker, N)
        run_fault("broker down", broker.stop, nothing, broker.start, worker, N)
        run_fault("worker child killed (SIGKILL)", nothing, lambda: _kill(worker), nothing, worker, N)
        run_fault("database connections killed", nothing, terminate_other_connections, nothing, worker, N)
    finally:
        worker.stop()
        broker.stop()
        connection.close()
        connection.creation.destroy_test_db(old, verbosity=0)


def _kill(worker):
    time.sleep(0.3)
    if worker.children():
        worker.kill_child()


if __name__ == "__main__":
    main()
