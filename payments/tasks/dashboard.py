"""Celery tasks of the dashboard area."""
