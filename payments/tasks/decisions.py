"""Celery tasks of the decisions area."""
