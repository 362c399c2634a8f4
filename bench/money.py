"""Money actions under contention: 100 approvals racing for one call's budget, 100 money requests racing for one
grant (issue 13).

Each scenario runs twice on fresh data, through the services (`confirm_decision`, `request_disbursement`):
* **at once**: the 100 actions handed to THREADS threads that start together (a barrier), each thread with its
  own database connection (opened before the start, as a server keeps its connections), taking the next action
  as soon as it is done;
* **one after another**: the same 100 actions in one thread.

Printed per run: how many actions went through and how many were refused with the domain's message (the budget or
the grant is used up), any other error (a deadlock, a serialization failure, a lock timeout: the target is 0), the
invariants checked afterwards (violations: the target is 0), and the throughput (actions per second), with the
ratio of the racing run to the serial one.

* Approvals: 100 prepared decisions of 150,000 € each, the call's budget holds 60 of them (9,050,000 €), the
  tranche of 2027 is larger. Checked: exactly 60 confirmed and 60 grants, the call's and the tranche's committed
  sums equal the sum of the commitments and stay within their budgets, the 40 others still prepared.
* Money requests: one grant of 2,500,000 € (no retained instalment); 100 requests of 30,000 € by ten members of
  the municipality; 83 fit. Checked: the grant's requested sum equals the sum of the requests not rejected and
  stays within the grant, and the requests are numbered 1 … 83 without a gap or a twin.

What the actions promise after their commit (the grant notice, mails) is written to the outbox in the same
transaction, as always; handing it to Celery is switched off here, so no notice is rendered: that is measured
by bench/notices.py.

Run:  DATABASE_URL=postgres://postgres@127.0.0.1:5432/shh_bench .venv/bin/python bench/money.py [--threads 80]
PostgreSQL only (SQLite has no row locks); it builds its own throw-away test database and asserts nothing.
PostgreSQL's default of 100 connections sets the number of threads: 80 leave room for the bench's own and others.
"""

import argparse
import datetime as dt
import itertools
import os
import queue
import sys
import threading
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

N_ACTIONS = 100
GRANT_EACH = Decimal("150000.00")
FITTING_APPROVALS = 60
REQUEST_EACH = Decimal("30000.00")
TODAY = dt.date(2027, 4, 1)


def race(actions, threads: int) -> tuple[list, float]:
    """Run the actions in `threads` threads that start together; returns (results or exceptions, seconds)."""
    from django.db import connection as thread_connection

    work = queue.Queue()
    for i, action in enumerate(actions):
        work.put((i, action))
    results = [None] * len(actions)
    barrier = threading.Barrier(threads + 1)

    def runner():
        try:
            thread_connection.ensure_connection()  # as a server's kept connection: not part of the timing
            barrier.wait()
            while True:
                try:
                    i, action = work.get_nowait()
                except queue.Empty:
                    return
                try:
                    results[i] = action()
                except Exception as exc:  # noqa: BLE001 - counted by kind below
                    results[i] = exc
        finally:
            thread_connection.close()

    pool = [threading.Thread(target=runner) for _ in range(threads)]
    for t in pool:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in pool:
        t.join()
    return results, time.perf_counter() - started


def outcome(results, done_type) -> Counter:
    from payments.exceptions import PaymentsError

    counts = Counter()
    for r in results:
        if isinstance(r, done_type):
            counts["done"] += 1
        elif isinstance(r, PaymentsError):
            counts["refused"] += 1
        else:
            counts[f"error: {type(r).__name__}: {str(r)[:80]}"] += 1
    return counts


def approvals(threads: int) -> tuple[Counter, list[str], float]:
    from grants.models import CallBudgetYear
    from payments.enums import DecisionKind, DecisionState
    from payments.models import Commitment, Decision, Grant
    from payments.services import decisions as services
    from tests.factories import CallFactory, staff_user
    from tests.payments import factories as td

    call = CallFactory(total_budget=GRANT_EACH * FITTING_APPROVALS + Decimal("50000.00"))
    CallBudgetYear.objects.filter(call=call, year=2027).update(amount=GRANT_EACH * N_ACTIONS)
    worker = staff_user("case_worker")
    approvers = [staff_user("approver") for _ in range(10)]
    decisions = [services.prepare_decision(actor=worker, kind=DecisionKind.APPROVE,
                                           application_id=td.decidable(call, grant=str(GRANT_EACH)).pk)
                 for _ in range(N_ACTIONS)]
    pairs = zip(itertools.cycle(approvers), decisions, strict=False)
    actions = [lambda a=a, d=d: services.confirm_decision(actor=a, decision_id=d.pk) for a, d in pairs]
    results, seconds = race(actions, threads)

    call.refresh_from_db()
    year = CallBudgetYear.objects.get(call=call, year=2027)
    committed = sum(Commitment.objects.filter(grant__call=call).values_list("amount", flat=True), Decimal("0.00"))
    confirmed = Decision.objects.filter(application__call=call, state=DecisionState.CONFIRMED).count()
    violations = []
    if not call.committed == year.committed == committed:
        violations.append(f"committed: call {call.committed}, tranche {year.committed}, commitments {committed}")
    if call.committed > call.total_budget or year.committed > year.amount:
        violations.append(f"over-committed: {call.committed} of {call.total_budget}")
    if confirmed != FITTING_APPROVALS or Grant.objects.filter(call=call).count() != confirmed:
        violations.append(f"{confirmed} confirmed, {Grant.objects.filter(call=call).count()} grants, "
                          f"expected {FITTING_APPROVALS}")
    if Decision.objects.filter(application__call=call, state=DecisionState.PREPARED).count() != N_ACTIONS - confirmed:
        violations.append("a refused decision is no longer prepared")
    return outcome(results, Decision), violations, seconds


def requests(threads: int) -> tuple[Counter, list[str], float]:
    from django.db.models import Sum

    from payments.enums import DisbursementState
    from payments.models import DisbursementRequest
    from payments.services import disbursements as services
    from tests.factories import member_of
    from tests.payments.factories import make_grant

    grant = make_grant(amount="2500000.00", eligible="2777777.78")
    members = [grant.grantee] + [member_of(grant.application.lead) for _ in range(9)]

    def ask(user):
        return services.request_disbursement(actor=user, grant_id=grant.pk, amount=REQUEST_EACH, purpose="Rechnung",
                                             needed_on=TODAY + dt.timedelta(days=5), own_spending=Decimal("0"),
                                             today=TODAY)

    askers = itertools.islice(itertools.cycle(members), N_ACTIONS)
    results, seconds = race([lambda u=u: ask(u) for u in askers], threads)

    grant.refresh_from_db()
    live = DisbursementRequest.objects.filter(grant=grant).exclude(state=DisbursementState.REJECTED)
    total = live.aggregate(s=Sum("amount"))["s"] or Decimal("0.00")
    fitting = int(grant.amount // REQUEST_EACH)
    numbers = sorted(live.values_list("number", flat=True))
    violations = []
    if total != grant.requested_amount or total > grant.amount - grant.retained_amount:
        violations.append(f"requested: counter {grant.requested_amount}, requests {total}, grant {grant.amount}")
    if numbers != list(range(1, fitting + 1)):
        violations.append(f"numbers {numbers[:5]} … ({len(numbers)}), expected 1 … {fitting}")
    return outcome(results, DisbursementRequest), violations, seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=80)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/money.py needs PostgreSQL (DATABASE_URL=postgres://...)")
    setup_test_environment()
    old = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        # The outbox rows are written in each action's transaction; only their hand-over to Celery is off.
        with mock.patch("outbox.services.dispatch"):
            print(f"{N_ACTIONS} actions per run; at once: {args.threads} threads; one after another: 1 thread")
            print(f"{'scenario':<16}{'run':<20}{'done':>6}{'refused':>9}{'errors':>8}{'violations':>12}"
                  f"{'seconds':>9}{'per second':>12}")
            for name, scenario in (("approvals", approvals), ("money requests", requests)):
                rates = {}
                for label, threads in (("at once", args.threads), ("one after another", 1)):
                    counts, violations, seconds = scenario(threads)
                    errors = {k: v for k, v in counts.items() if k.startswith("error")}
                    rates[label] = N_ACTIONS / seconds
                    print(f"{name:<16}{label:<20}{counts['done']:>6}{counts['refused']:>9}"
                          f"{sum(errors.values()):>8}{len(violations):>12}{seconds:>9.2f}{rates[label]:>12.1f}")
                    for text in [*errors, *violations]:
                        print(f"    {text}")
                print(f"{name:<16}throughput at once / one after another: "
                      f"{rates['at once'] / rates['one after another']:.2f}x")
    finally:
        connection.creation.destroy_test_db(old, verbosity=0)


if __name__ == "__main__":
    main()
