"""The Celery app, and the one retry policy every task uses.

With no REDIS_URL set, tasks run in-process (see settings). The settings that make tasks
survive real faults (a killed worker child, a lost broker connection, a restarted database)
live in config/settings.py under "Celery"; docs/operations.md explains them per fault.

Retry policy
------------
``RETRYABLE`` is the one tuple of exceptions that mean "the outside world is briefly not
there": the file system or a socket (``OSError``, which includes SMTP errors and
``foundation.storage.StorageUnavailable``), the database connection (Django's
``OperationalError``/``InterfaceError``: a restart, a killed backend, a deadlock or a
serialization failure) and the Redis broker (redis-py's and kombu's connection errors).
Any other exception is a bug or a domain refusal and is not retried.

``RETRY_POLICY`` is applied to a task as ``@shared_task(**RETRY_POLICY)``: exponential
backoff from 30 s (30, 60, 120, 240, 480, then every 600 s), full jitter so that tasks
waiting on the same outage do not return all at once, and ``max_retries=24``: about 1¾ h of
retrying on average (jitter draws each wait from 0 … its cap), so an outage of an hour is
outlasted. After the last retry the outbox sweeper takes over.

The cap is 600 s, not an hour, on purpose: a retried task waits in the worker *unacknowledged*
(acks_late) until its countdown has passed and it has run, and Redis redelivers any message
unacknowledged for longer than the visibility timeout (``broker_transport_options``), which
would run it twice. So RETRY_BACKOFF_MAX + task_time_limit must stay below the visibility
timeout (600 + 900 < 1800); tests/test_celery_settings.py checks that.
"""

import os

import kombu.exceptions
import redis.exceptions
from celery import Celery, signals
from django.db import InterfaceError, OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("shh")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

RETRYABLE: tuple[type[BaseException], ...] = (
    OSError,
    OperationalError,
    InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    kombu.exceptions.OperationalError,
)
RETRY_BACKOFF = 30
RETRY_BACKOFF_MAX = 600
MAX_RETRIES = 24

RETRY_POLICY = {
    "autoretry_for": RETRYABLE,
    "retry_backoff": RETRY_BACKOFF,
    "retry_backoff_max": RETRY_BACKOFF_MAX,
    "retry_jitter": True,
    "max_retries": MAX_RETRIES,
}


@signals.worker_process_init.connect
def warm_up_pdf_renderer(**_kwargs):
    """In each pool child as it starts: WeasyPrint imported and one page laid out (foundation.pdf.warm_up).

    Not in the parent before forking: Pango sets up fontconfig in a thread of its own, and a child forked
    from a process holding that thread's lock can hang on its first document (under load in CI, a child
    killed mid-render was replaced by children that never finished a receipt or a mail).

    Then the collector is set as in a web worker (`foundation.heap.settle_collector`): everything the child holds
    so far (Django, the apps, WeasyPrint and its caches) is frozen out of its sight (`gc.freeze`): each full
    collection walked all of it, about 130 ms every tenth notice or so, a quarter of a worker's time beside
    WeasyPrint (bench/notices.py). And young objects are collected every 50,000 new ones instead of 700: with
    Python's setting a child still spent 18 ms a notice in collections, 5 ms now; the mean notice 175 → 157 ms
    and 171 → 155 ms in two runs (80 notices each, in turn in one process, `gc.callbacks`). A cycle among the
    frozen objects is never freed, which the child's recycling (CELERY_WORKER_MAX_TASKS_PER_CHILD,
    _MAX_MEMORY_PER_CHILD) bounds."""
    from foundation.heap import settle_collector
    from foundation.pdf import warm_up

    warm_up()
    settle_collector()
