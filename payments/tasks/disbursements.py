"""Celery tasks of the disbursements area (thin: they call one service and are safe to run twice)."""

from celery import shared_task

__all__ = ["remind_unpaid_disbursements"]


@shared_task(name="payments.remind_unpaid_disbursements")
def remind_unpaid_disbursements() -> int:
    """Daily: remind case workers and approvers of released payments that are not paid yet."""
    from ..services.disbursements import remind_unpaid

    return remind_unpaid()
