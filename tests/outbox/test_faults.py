"""Faults on real processes (issue 9): a private redis-server, a real Celery worker, PostgreSQL.

Broker down during submissions and grant confirmations → every request succeeds, and after the
broker returns every receipt, notice and mail exists exactly once; a worker child killed with
SIGKILL mid-render → the document still appears once; database connections killed mid-task → the
work is retried and done once. The sweeper (beat's `outbox.sweep`) is called by the test.
"""

import pytest
from django.conf import settings
from django.urls import reverse

from applications.models import Receipt
from config.celery import app as celery_app
from outbox import services as outbox
from outbox.models import OutboxMessage
from tests import services as machine
from tests.factories import ApplicationFactory, CallFactory, MunicipalityFactory, complete_draft, member_of
from tests.faults import RedisServer, Worker, database_url, terminate_other_connections, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def stack(settings):
    """A private broker and a worker on the test database; the web side (this process) uses them too."""
    machine.require_postgres()
    machine.redis_url()  # the machine's Redis must be there (REQUIRE_SERVICES), though we use our own
    settings.OUTBOX_LEASE_SECONDS = 5  # a handed-over task not done in 5 s is handed over again
    broker = RedisServer().start()
    conf = celery_app.conf
    saved = {key: conf[key] for key in ("broker_url", "task_always_eager")}
    conf.update(broker_url=broker.url, task_always_eager=False)
    fresh_connections()
    worker = Worker(broker_url=broker.url, database_url=database_url(), media_root=str(settings.MEDIA_ROOT)).start()
    try:
        yield broker, worker
    finally:
        worker.stop()
        broker.stop()
        conf.update(saved)
        fresh_connections()


def fresh_connections():
    """Drop pooled broker connections of this process (as after a fork) so the new broker URL is used."""
    from kombu import pools

    pools.reset()  # closes and forgets kombu's process-wide pools (else a closed one is handed out again)
    celery_app._after_fork()


def drafts(n: int):
    call = CallFactory()
    result = []
    for _ in range(n):
        lead = MunicipalityFactory()
        user = member_of(lead)
        result.append((complete_draft(ApplicationFactory(call=call, lead=lead, created_by=user), user=user), user))
    return result


def sweep_until(predicate, what: str, timeout: float = 120):
    try:
        wait_for(predicate, timeout=timeout, what=what, every=1, between=outbox.sweep)
    except TimeoutError as exc:
        rows = [f"{m.key} {m.state} {m.attempts} {m.last_error[:300]}"
                for m in OutboxMessage.objects.exclude(state=OutboxMessage.State.DONE)]
        raise AssertionError(f"{exc}; not done: {rows}") from None


def all_done() -> bool:
    return not OutboxMessage.objects.exclude(state=OutboxMessage.State.DONE).exists()


def test_broker_down_during_submissions_and_confirmations_loses_nothing_and_does_nothing_twice(client, stack):
    from payments.enums import DecisionKind, NoticeKind
    from payments.models import Grant, Notice
    from payments.services import decisions
    from tests.factories import staff_user
    from tests.payments.factories import decidable

    broker, _worker = stack
    cases = drafts(3)
    to_decide = [decidable(CallFactory()) for _ in range(2)]
    worker, approver = staff_user("case_worker"), staff_user("approver")
    prepared = [decisions.prepare_decision(actor=worker, application_id=app.pk, kind=DecisionKind.APPROVE)
                for app in to_decide]
    broker.stop()
    for decision in prepared:  # the budget is committed although the broker is down
        decisions.confirm_decision(actor=approver, decision_id=decision.pk)
    for application, user in cases:
        client.force_login(user)
        response = client.post(reverse("applications:submit", args=[application.pk]))
        assert response.status_code == 302, response.content[:500]
        application.refresh_from_db()
        assert application.case_number
    assert not Receipt.objects.exists()
    pending = OutboxMessage.objects.count()
    assert pending >= 3 * 2  # a receipt and at least one mail per submission

    broker.start()
    grants = Grant.objects.filter(application__in=to_decide)
    sweep_until(lambda: Receipt.objects.count() == 3 and Notice.objects.filter(grant__in=grants).count() == 2
                and all_done(), "every receipt, notice and mail after the outage")
    for application, _user in cases:
        assert Receipt.objects.filter(application=application).count() == 1
    for grant in grants:
        assert Notice.objects.filter(grant=grant, kind=NoticeKind.GRANT).count() == 1
    assert OutboxMessage.objects.count() == pending  # no work promised twice


def test_a_worker_child_killed_mid_render_still_gives_one_receipt(client, stack):
    _broker, worker = stack
    (application, user), = drafts(1)
    client.force_login(user)
    assert client.post(reverse("applications:submit", args=[application.pk])).status_code == 302
    wait_for(lambda: OutboxMessage.objects.filter(state=OutboxMessage.State.PENDING).exists(), timeout=5,
             what="the promise")
    worker.kill_child()  # as the OOM killer does, while the first render loads WeasyPrint
    sweep_until(lambda: Receipt.objects.filter(application=application).exists() and all_done(),
                "the receipt after the child was killed")
    assert Receipt.objects.filter(application=application).count() == 1


def test_database_connections_killed_mid_task_are_retried(client, stack):
    (application, user), = drafts(1)
    client.force_login(user)
    assert client.post(reverse("applications:submit", args=[application.pk])).status_code == 302
    terminate_other_connections()  # the worker's connection dies under it
    sweep_until(lambda: Receipt.objects.filter(application=application).exists() and all_done(),
                "the receipt after the database connections were killed")
    assert Receipt.objects.filter(application=application).count() == 1
    assert settings.OUTBOX_LEASE_SECONDS == 5
