"""Scheduled jobs of the grants app (see CELERY_BEAT_SCHEDULE in config/settings.py)."""

from celery import shared_task

from . import services


@shared_task(name="grants.close_due_calls")
def close_due_calls() -> list[int]:
    """Close the open calls whose deadline has passed; safe to run any number of times."""
    return services.close_due_calls()
