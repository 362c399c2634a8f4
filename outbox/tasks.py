from celery import shared_task

from config.celery import RETRY_POLICY


@shared_task(name="outbox.run", acks_late=True, reject_on_worker_lost=True, **RETRY_POLICY)
def run(*, outbox_id: int):
    """Run one outbox row (safe to deliver any number of times). A task that fails is recorded on its
    row and re-queued by the sweeper; when even that cannot be written (the database is away), Celery
    retries the delivery (config.celery.RETRY_POLICY)."""
    from .services import run_message

    return run_message(outbox_id=outbox_id)


@shared_task(name="outbox.sweep")
def sweep() -> int:
    """Celery beat, every minute: re-queue what is due and not done."""
    from .services import sweep as run_sweep

    return run_sweep()
