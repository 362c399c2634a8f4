import datetime as dt

import pytest

from payments import schedule

# A TARGET2 business day inside the funding period of the default grant of tests/payments/factories.py
# (01.03.2027 – 31.12.2028, committed in 2027).
MONEY_TODAY = dt.date(2027, 4, 1)


@pytest.fixture(autouse=True)
def business_day_today(monkeypatch):
    """The money tests run as if today were MONEY_TODAY (payments read the date from schedule.today()),
    so that what they request, pay and confirm "today" does not depend on the real date. Returns it."""
    assert schedule.is_target2_business_day(MONEY_TODAY)
    monkeypatch.setattr(schedule, "today", lambda: MONEY_TODAY)
    return MONEY_TODAY
