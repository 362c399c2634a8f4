"""Celery tasks of the proofs area."""
