"""The receipt task on a real Celery worker with Redis as the broker (not eager)."""

import pytest
from celery._state import _set_task_join_will_block
from celery.contrib.testing.worker import start_worker

from applications import services
from config.celery import app as celery_app
from tests import services as machine
from tests.factories import ApplicationFactory, CallFactory, MunicipalityFactory, complete_draft, member_of


def _drop_broker_connections():
    """Celery caches its broker connection pool and producer pool on first use; under pytest-xdist this
    worker's broker (its own Redis database, tests/services.redis_url) differs from the settings' one."""
    celery_app._pool = None  # not closed: a producer still holding it must not acquire from a closed pool
    celery_app.amqp._producer_pool = None


@pytest.fixture
def redis_worker():
    url = machine.redis_url()
    conf = celery_app.conf
    saved = {k: conf[k] for k in ("broker_url", "task_always_eager", "result_backend")}
    conf.update(broker_url=url, task_always_eager=False, result_backend=url)
    celery_app._local.__dict__.pop("backend", None)  # drop a backend cached by earlier tests
    _drop_broker_connections()  # a producer pool cached by earlier tests would still publish to the old URL
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
            yield
    finally:
        conf.update(saved)
        celery_app._local.__dict__.pop("backend", None)
        _drop_broker_connections()
        # the test worker marks this process as a worker ("never call result.get() within a task");
        # tests that run after it in the same process (pytest-xdist) call eager tasks and .get() them
        _set_task_join_will_block(False)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_receipt_is_rendered_by_a_worker_through_redis(redis_worker, django_capture_on_commit_callbacks):
    lead = MunicipalityFactory()
    user = member_of(lead)
    app = complete_draft(ApplicationFactory(call=CallFactory(), lead=lead, created_by=user), user=user)
    from applications.tasks import render_receipt

    services.submit_application(actor=user, application_id=app.pk)
    # submit_application scheduled the task on commit; wait for the worker to store it.
    result = render_receipt.apply_async(kwargs={"application_id": app.pk, "version": 1})
    receipt_pk = result.get(timeout=60)
    app.refresh_from_db()
    receipt = app.receipts.get()
    assert receipt.pk == receipt_pk and receipt.version == 1
    assert app.receipts.count() == 1  # both deliveries of the task produced one receipt
