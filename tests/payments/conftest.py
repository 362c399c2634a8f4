import datetime as dt

import pytest
from django.utils import timezone

from payments import schedule


@pytest.fixture(autouse=True)
def business_day_today(monkeypatch):
    """The money tests run as if today were a TARGET2 business day (the last one up to the real today), so
    that a payment run executed "today" is allowed on a weekend or holiday too. Returns that day."""
    day = timezone.localdate()
    while not schedule.is_target2_business_day(day):
        day -= dt.timedelta(days=1)
    monkeypatch.setattr(schedule, "today", lambda: day)
    return day
