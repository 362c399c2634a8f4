"""Writing to the outbox, running its rows exactly once, and re-queueing what is due.

Services call `enqueue()` inside their transaction; they never import tasks. After the commit the
row is handed to Celery (`outbox.run`); if the broker is down the request still succeeds and the
sweeper (Celery beat, every minute) hands it over later. The runner locks the row, runs the task's
function and marks the row done in the same transaction as the work's result, so a redelivered
message finds the row done and does nothing.
"""

from __future__ import annotations

import logging
import time
import traceback
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from .models import OutboxMessage

logger = logging.getLogger(__name__)
State = OutboxMessage.State


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, … minutes, at most an hour: a row keeps being retried through a long outage."""
    return timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), settings.OUTBOX_MAX_BACKOFF_SECONDS))


def enqueue(*, task: str, key: str, kwargs: dict | None = None, label: str = "", obj=None,
            at_most_once: bool = False) -> OutboxMessage:
    """Promise `task(**kwargs)` once for `key`. Call inside the transaction of the change that promises it.

    A second call with the same key returns the first row and promises nothing new.
    """
    with transaction.atomic():
        message, created = OutboxMessage.objects.get_or_create(key=key[:255], defaults={
            "task": task, "kwargs": kwargs or {}, "label": label[:255], "at_most_once": at_most_once,
            "due_at": timezone.now() + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS),
            "content_type": ContentType.objects.get_for_model(obj) if obj is not None else None,
            "object_id": obj.pk if obj is not None else None,
        })
        if created:
            transaction.on_commit(partial(dispatch, message.pk), robust=True)
    return message


def enqueue_many(*, task: str, messages: list[dict], at_most_once: bool = False) -> int:
    """Promise several rows of one task at once (each a dict of ``key``, ``kwargs``, ``label``, optional ``obj``):
    the same as ``enqueue`` for each, in two queries whatever their number. Keys promised already are left as
    they are. Returns how many rows were new."""
    from django.db import IntegrityError

    if not messages:
        return 0
    wanted = {m["key"][:255]: m for m in messages}
    known = set(OutboxMessage.objects.filter(key__in=list(wanted)).values_list("key", flat=True))
    due = timezone.now() + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    rows = [OutboxMessage(key=key, task=task, kwargs=m.get("kwargs") or {}, label=m.get("label", "")[:255],
                          at_most_once=at_most_once, due_at=due,
                          content_type=ContentType.objects.get_for_model(m["obj"]) if m.get("obj") else None,
                          object_id=m["obj"].pk if m.get("obj") else None)
            for key, m in wanted.items() if key not in known]
    if not rows:
        return 0
    try:
        with transaction.atomic():
            created = OutboxMessage.objects.bulk_create(rows)
    except IntegrityError:  # the same key promised meanwhile by another transaction: one by one
        for row in rows:
            enqueue(task=task, key=row.key, kwargs=row.kwargs, label=row.label, at_most_once=at_most_once,
                    obj=wanted[row.key].get("obj"))
        return len(rows)
    for row in created:
        transaction.on_commit(partial(dispatch, row.pk), robust=True)
    return len(created)


def promise_all(*, task: str, messages: list[dict]) -> dict[str, int]:
    """``promise_again`` for many rows of one task at once, and hand every one of them to Celery now: what was
    never promised is created (in one query), what is done or failed is reset, what is pending is handed over
    again (safe: a row runs once, a second delivery finds it done) instead of waiting for the sweeper.
    Call inside a transaction; the hand-over happens after its commit. Returns the counts per outcome."""
    keys = [m["key"][:255] for m in messages]
    counts = {"created": 0, "reset": 0, "pending": 0}
    stored = {m.key: m for m in OutboxMessage.objects.select_for_update().filter(key__in=keys)}
    counts["created"] = enqueue_many(task=task, messages=[m for m in messages if m["key"][:255] not in stored])
    for message in stored.values():
        if message.state in (State.DONE, State.FAILED):
            _run_again(message)
            counts["reset"] += 1
        else:
            transaction.on_commit(partial(dispatch, message.pk), robust=True)
            counts["pending"] += 1
    return counts


def promise_again(*, task: str, key: str, kwargs: dict | None = None, label: str = "", obj=None) -> str:
    """Reconciliation: make sure the work for `key` runs — "created" (never promised), "reset" (done or
    failed, but its result is missing) or "pending" (already on its way; the sweeper drives it)."""
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().filter(key=key[:255]).first()
        if message is None:
            enqueue(task=task, key=key, kwargs=kwargs, label=label, obj=obj)
            return "created"
        if message.state in (State.DONE, State.FAILED):
            _run_again(message)
            return "reset"
    return "pending"


def _run_again(message: OutboxMessage) -> None:
    """Back to pending with a fresh count of tries, handed over after the commit. Inside a transaction,
    with the row locked."""
    message.state, message.attempts, message.done_at = State.PENDING, 0, None
    message.due_at = timezone.now() + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    message.save(update_fields=["state", "attempts", "done_at", "due_at"])
    transaction.on_commit(partial(dispatch, message.pk), robust=True)


def dispatch(message_id: int) -> bool:
    """Hand one row to Celery. Never raises: a broker outage leaves the row to the sweeper."""
    from .tasks import run

    try:
        run.apply_async(kwargs={"outbox_id": message_id})
    except Exception as exc:  # broker down, connection refused, …: the sweeper tries again at its next minute
        logger.warning("outbox: could not hand over message %s (%s); the sweeper will retry", message_id,
                       exc.__class__.__name__)
        try:
            OutboxMessage.objects.filter(pk=message_id, state=State.PENDING).update(due_at=timezone.now())
        except Exception:  # the database is away too: the lease runs out and the sweeper finds it then
            logger.warning("outbox: could not mark message %s as due", message_id, exc_info=True)
        return False
    return True


def _task_function(name: str):
    """The plain function of a registered Celery task (run here, inside the outbox transaction)."""
    from celery import current_app

    if name not in current_app.tasks:
        current_app.loader.import_default_modules()  # the web process has not imported the tasks modules yet
    return current_app.tasks[name].run


def run_message(*, outbox_id: int):
    """Run one row exactly once (at most once for mails). Safe to call any number of times."""
    message = OutboxMessage.objects.filter(pk=outbox_id).first()
    if message is None or message.state == State.DONE:
        return None
    if message.at_most_once:
        return _run_at_most_once(outbox_id)
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().get(pk=outbox_id)
        if message.state == State.DONE:
            return message.result
        try:
            with transaction.atomic():
                result = _task_function(message.task)(**message.kwargs)
        except Exception as exc:
            _record_failure(message, exc)
            return None
        _mark_done(message, result)
    return result


def _run_at_most_once(outbox_id: int):
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().get(pk=outbox_id)
        if message.state != State.PENDING and message.state != State.FAILED:
            return None  # claimed by another delivery, or done
        message.state, message.claimed_at = State.CLAIMED, timezone.now()
        message.save(update_fields=["state", "claimed_at"])
    try:
        result = _task_function(message.task)(**message.kwargs)
    except Exception as exc:
        # The work raised before it was done (e.g. the mail server refused): it may be tried again.
        with transaction.atomic():
            message = OutboxMessage.objects.select_for_update().get(pk=outbox_id)
            _record_failure(message, exc)
        return None
    _mark_done_after_the_fact(outbox_id, result)
    return result


def _mark_done_after_the_fact(outbox_id: int, result, *, tries: int = 5) -> None:
    """The mail is out: record that, even if the database connection broke meanwhile (reconnect and
    try again), so the row does not stay "begun, not finished"."""
    from django.db import InterfaceError, OperationalError, connection

    for attempt in range(tries):
        try:
            with transaction.atomic():
                message = OutboxMessage.objects.select_for_update().get(pk=outbox_id)
                _mark_done(message, result)
            return
        except (OperationalError, InterfaceError):
            if attempt == tries - 1:
                raise
            connection.close()  # the next query opens a new connection
            time.sleep(min(2 ** attempt, 10))


def _jsonable(result):
    return result if isinstance(result, int | str | float | bool | list | dict | type(None)) else str(result)


def _mark_done(message: OutboxMessage, result) -> None:
    message.state, message.done_at, message.result, message.last_error = State.DONE, timezone.now(), \
        _jsonable(result), ""
    message.save(update_fields=["state", "done_at", "result", "last_error"])


def _record_failure(message: OutboxMessage, exc: Exception) -> None:
    message.last_error = "".join(traceback.format_exception_only(exc)).strip()[:2000]
    message.state = State.FAILED if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS else State.PENDING
    message.due_at = timezone.now() + backoff(message.attempts)
    message.save(update_fields=["last_error", "state", "due_at"])
    logger.warning("outbox: %s failed (attempt %s): %s", message.key, message.attempts, message.last_error)


def sweep(*, limit: int = 500) -> int:
    """Celery beat, every minute: hand every pending row that is due to Celery again, with backoff."""
    now = timezone.now()
    handed = 0
    ids = list(OutboxMessage.objects.filter(state=State.PENDING, due_at__lte=now)
               .order_by("due_at").values_list("pk", flat=True)[:limit])
    for message_id in ids:
        with transaction.atomic():
            message = OutboxMessage.objects.select_for_update(skip_locked=True).filter(
                pk=message_id, state=State.PENDING, due_at__lte=now).first()
            if message is None:
                continue  # running right now, or done meanwhile
            message.attempts += 1
            message.due_at = now + max(backoff(message.attempts),
                                       timedelta(seconds=settings.OUTBOX_LEASE_SECONDS))
            message.save(update_fields=["attempts", "due_at"])
        if dispatch(message_id):
            handed += 1
    return handed


def retry(*, message_id: int) -> OutboxMessage:
    """Staff: try a failed, overdue or unclear row again now (a claimed mail may then be sent twice)."""
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().get(pk=message_id)
        if message.state != State.DONE:
            _run_again(message)
    return message
