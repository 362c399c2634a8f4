"""The Celery beat schedule: every scheduled task exists, at the intended times (Europe/Berlin)."""

from celery.schedules import crontab
from django.conf import settings

# Jobs that select what is due from the data run every hour (a broker failure at one minute then
# costs an hour, not a day; they are safe to repeat); the outbox sweeper runs every minute.
EVERY_HOUR = set(range(24))
EXPECTED = {
    "payments.finalize_due_notices": (EVERY_HOUR, {5}),
    "payments.remind_proofs": (EVERY_HOUR, {20}),
    "payments.remind_unpaid_disbursements": (EVERY_HOUR, {35}),
    "grants.close_due_calls": (EVERY_HOUR, set(range(0, 60, 5))),
    "outbox.sweep": (EVERY_HOUR, set(range(60))),
    "downloads.expire": (EVERY_HOUR, {50}),
}


def test_schedule_runs_in_berlin_time_with_the_database_scheduler():
    assert settings.CELERY_TIMEZONE == "Europe/Berlin"
    assert settings.CELERY_BEAT_SCHEDULER == "django_celery_beat.schedulers:DatabaseScheduler"


def test_schedule_has_the_expected_jobs_and_times():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert {entry["task"] for entry in schedule.values()} == set(EXPECTED)
    for entry in schedule.values():
        hours, minutes = EXPECTED[entry["task"]]
        cron = entry["schedule"]
        assert isinstance(cron, crontab), entry
        assert (cron.hour, cron.minute) == (hours, minutes), entry["task"]


def test_every_scheduled_task_is_registered():
    from config.celery import app

    app.loader.import_default_modules()
    missing = sorted(entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
                     if entry["task"] not in app.tasks)
    assert not missing, f"scheduled but not registered: {missing}"
