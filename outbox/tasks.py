from celery import shared_task


@shared_task(name="outbox.run", acks_late=True, reject_on_worker_lost=True)
def run(*, outbox_id: int):
    """Run one outbox row (safe to deliver any number of times)."""
    from .services import run_message

    return run_message(outbox_id=outbox_id)


@shared_task(name="outbox.sweep")
def sweep() -> int:
    """Celery beat, every minute: re-queue what is due and not done."""
    from .services import sweep as run_sweep

    return run_sweep()
