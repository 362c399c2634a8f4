"""Celery tasks of the proofs area: the recovery decision PDF and the proof-of-use reminders."""

from celery import shared_task

__all__ = ["remind_proofs", "render_recovery_notice"]


@shared_task(name="payments.render_recovery_notice", acks_late=True, autoretry_for=(OSError,), retry_backoff=True,
             max_retries=3)
def render_recovery_notice(*, recovery_id: int) -> int:
    """Render and store the Rückforderungsbescheid of one recovery. Safe to run twice."""
    from ..services.proofs_recovery import store_recovery_notice

    return store_recovery_notice(recovery_id=recovery_id).pk


@shared_task(name="payments.remind_proofs")
def remind_proofs() -> dict:
    """Daily (Celery beat): reminders 30 days before a proof is due and weekly while it is overdue."""
    from ..services.proofs import remind_proofs as run

    return run()
