"""Celery is configured for real faults (docs/operations.md), and RETRY_POLICY retries what the
outside world causes — a restarted database included — and nothing else."""

from pathlib import Path
from unittest import mock

import kombu.exceptions
import pytest
import redis.exceptions
import yaml
from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from accounts.tasks import send_email
from config.celery import MAX_RETRIES, RETRY_BACKOFF, RETRY_BACKOFF_MAX, RETRY_POLICY, RETRYABLE
from config.celery import app as celery_app
from foundation.storage import StorageUnavailable


def test_a_killed_worker_child_puts_its_task_back():
    conf = celery_app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1


def test_time_limits_and_retry_countdowns_fit_inside_the_visibility_timeout():
    conf = celery_app.conf
    visibility = conf.broker_transport_options["visibility_timeout"]
    assert conf.task_soft_time_limit < conf.task_time_limit
    # An unacknowledged message older than the visibility timeout is redelivered: the longest
    # task, and the longest retry countdown before it, must end well before that.
    assert RETRY_BACKOFF_MAX + conf.task_time_limit < visibility
    assert visibility < 3600  # shorter than kombu's default hour (issue 9)
    assert conf.broker_transport_options["socket_connect_timeout"] <= 10


def test_broker_loss_and_worker_start_are_survived():
    conf = celery_app.conf
    assert conf.broker_connection_retry_on_startup is True
    # running tasks finish (the outbox makes their redelivery harmless); cancelling would strand mails
    assert conf.worker_cancel_long_running_tasks_on_connection_loss is False


def test_children_are_recycled_by_memory_not_every_few_mails():
    conf = celery_app.conf
    assert conf.worker_max_tasks_per_child >= 1000
    assert 100_000 <= conf.worker_max_memory_per_child <= 2_000_000  # KiB
    # One home for the limits: the compose worker command does not override them.
    worker = yaml.safe_load((Path(settings.BASE_DIR) / "docker-compose.yml").read_text())["services"]["worker"]
    assert not [arg for arg in worker["command"] if arg.startswith(("--max-tasks-per-child", "--max-memory-per-child",
                                                                     "--time-limit", "--soft-time-limit"))]


def test_retryable_covers_database_storage_and_broker_errors():
    for error in (OSError(), ConnectionResetError(), OperationalError(), InterfaceError(),
                  redis.exceptions.ConnectionError(), redis.exceptions.TimeoutError(),
                  kombu.exceptions.OperationalError(), StorageUnavailable()):
        assert isinstance(error, RETRYABLE), error
    for error in (ValueError(), KeyError(), redis.exceptions.ResponseError()):
        assert not isinstance(error, RETRYABLE), error


def test_backoff_outlasts_an_hour_long_outage():
    assert RETRY_POLICY["autoretry_for"] is RETRYABLE
    assert RETRY_POLICY["retry_jitter"] is True
    # Full jitter draws each wait uniformly from 0 … its cap: on average half of it.
    caps = [min(RETRY_BACKOFF_MAX, RETRY_BACKOFF * 2**n) for n in range(MAX_RETRIES)]
    assert sum(caps) / 2 > 1.5 * 3600
    assert caps[0] == 30 and max(caps) == RETRY_BACKOFF_MAX


calls = mock.Mock()


@shared_task(**RETRY_POLICY)
def flaky_task(value):
    return calls(value)


@pytest.mark.parametrize("error", [OperationalError("server closed the connection unexpectedly"),
                                   InterfaceError("connection already closed"),
                                   StorageUnavailable()])
def test_a_task_with_the_policy_retries_a_lost_database_or_storage(error):
    calls.reset_mock(side_effect=True)
    calls.side_effect = [error, "done"]
    result = flaky_task.apply(args=(7,), throw=False)
    # an EagerResult: nothing blocks; disable_sync_subtasks=False because an in-process test worker that
    # ran earlier in this process (pytest-xdist) may have marked the process as a worker
    assert result.get(disable_sync_subtasks=False) == "done"
    assert calls.call_count == 2


def test_a_task_with_the_policy_does_not_retry_a_bug():
    calls.reset_mock(side_effect=True)
    calls.side_effect = ValueError("bug")
    result = flaky_task.apply(args=(7,), throw=False)
    assert isinstance(result.result, ValueError)
    assert calls.call_count == 1


def test_the_mail_task_survives_a_database_restart():
    with mock.patch("accounts.tasks.send_mail", side_effect=[OperationalError("restart"), 1]) as send:
        send_email.apply(kwargs={"to": "a@example.de", "subject": "S", "body": "B"}, throw=False).get(
            disable_sync_subtasks=False)
    assert send.call_count == 2
    assert send.call_args.args[0] == "[Starke Heimat Hessen] S"
    assert send.call_args.args[3] == ["a@example.de"]


def test_each_worker_child_warms_the_pdf_renderer_as_it_starts(monkeypatch):
    """worker_process_init runs in each pool child after the fork (not in the parent: Pango's fontconfig
    thread makes a fork after rendering unsafe)."""
    from celery import signals

    from config import celery as celery_config

    receivers = [ref() for _key, ref in signals.worker_process_init.receivers]
    assert celery_config.warm_up_pdf_renderer in receivers
    assert celery_config.warm_up_pdf_renderer not in [ref() for _key, ref in signals.worker_init.receivers]
    from foundation.heap import YOUNG_THRESHOLD

    calls = []
    monkeypatch.setattr("foundation.pdf.render_pdf", lambda html: calls.append(html) or b"%PDF")
    monkeypatch.setattr("gc.freeze", lambda: calls.append("freeze"))
    monkeypatch.setattr("gc.set_threshold", lambda *thresholds: calls.append(thresholds))
    celery_config.warm_up_pdf_renderer()
    assert calls and "warm" in calls[0]
    # what the warm-up made is kept out of the collector's walks, then young objects are collected less often
    assert calls[-2] == "freeze"
    assert calls[-1][0] == YOUNG_THRESHOLD
