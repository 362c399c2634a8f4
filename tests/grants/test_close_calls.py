"""Closing calls at their deadline (Celery beat runs grants.close_due_calls every five minutes)."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from audit.models import AuditEntry
from grants import services, tasks
from grants.enums import CallState
from grants.models import Call
from tests.factories import CallFactory

DEADLINE = timezone.make_aware(dt.datetime(2027, 1, 31, 23, 59, 59), timezone=dt.UTC)


def _call(state=CallState.OPEN, closes_at=DEADLINE):
    return CallFactory(state=state, opens_at=closes_at - dt.timedelta(days=60), closes_at=closes_at)


def _closed_entries(call):
    return AuditEntry.objects.filter(action="call.closed", object_id=call.pk)


@pytest.mark.django_db
def test_a_second_before_the_deadline_the_call_stays_open():
    call = _call()
    assert services.close_due_calls(now=DEADLINE - dt.timedelta(seconds=1)) == []
    call.refresh_from_db()
    assert call.state == CallState.OPEN
    assert not _closed_entries(call).exists()


@pytest.mark.django_db
def test_at_the_deadline_the_call_is_closed_with_an_audit_entry():
    call = _call()
    assert services.close_due_calls(now=DEADLINE) == [call.pk]
    call.refresh_from_db()
    assert call.state == CallState.CLOSED
    assert not call.is_accepting(DEADLINE)
    entry = _closed_entries(call).get()
    assert entry.actor is None and (entry.from_state, entry.to_state) == ("open", "closed")


@pytest.mark.django_db
def test_closing_is_idempotent_and_leaves_other_calls_alone():
    due = _call()
    later = _call(closes_at=DEADLINE + dt.timedelta(days=1))
    draft = _call(state=CallState.DRAFT)
    evaluated = _call(state=CallState.EVALUATED)
    now = DEADLINE + dt.timedelta(minutes=5)
    assert services.close_due_calls(now=now) == [due.pk]
    assert services.close_due_calls(now=now) == []
    assert _closed_entries(due).count() == 1
    states = dict(Call.objects.filter(pk__in=[due.pk, later.pk, draft.pk, evaluated.pk]).values_list("pk", "state"))
    assert states == {due.pk: "closed", later.pk: "open", draft.pk: "draft", evaluated.pk: "evaluated"}


@pytest.mark.django_db
def test_the_task_closes_calls_whose_deadline_has_passed():
    past = _call(closes_at=timezone.now() - dt.timedelta(seconds=1))
    future = _call(closes_at=timezone.now() + dt.timedelta(hours=1))
    assert tasks.close_due_calls.name == "grants.close_due_calls"
    assert tasks.close_due_calls.delay().get() == [past.pk]
    assert tasks.close_due_calls() == []
    assert Call.objects.get(pk=past.pk).state == "closed" and Call.objects.get(pk=future.pk).state == "open"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_close_a_call_once():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    call = _call()
    results, barrier = [], threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            results.append(services.close_due_calls(now=DEADLINE))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results, key=len) == [[], [call.pk]]
    assert _closed_entries(call).count() == 1
