"""Celery tasks of the disbursements area."""
