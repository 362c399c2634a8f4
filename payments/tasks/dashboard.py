"""Celery tasks of the dashboard area: none.

The dashboard is computed on each request (a constant number of aggregate queries) and the
exports are streamed (CSV) or built in the request (XLSX), so nothing runs in the background.
Scheduled jobs are listed in config/settings.py (CELERY_BEAT_SCHEDULE).
"""
