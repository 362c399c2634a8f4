"""Dates a grant notice fixes: when it becomes final, and when each proof of use is due."""

import datetime as dt

from dateutil.easter import easter
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from .enums import ProofKind


def today() -> dt.date:
    """Today in Europe/Berlin (TIME_ZONE): the date notices, requests and payments carry."""
    return timezone.localdate()


def appeal_end(issued_on: dt.date, months: int) -> dt.date:
    """Last day of the appeal period (§ 70 VwGO, § 31 HVwVfG with §§ 187, 188 BGB): the same date
    ``months`` later; when that month is shorter, its last day."""
    return issued_on + relativedelta(months=months)


def proof_due_dates(*, project_start: dt.date, project_end: dt.date, interim_months: int,
                    final_months: int) -> list[tuple[str, int | None, dt.date]]:
    """(kind, budget_year, due_on) of every proof: one interim proof for each budget year that ends
    before the project does (due ``interim_months`` after 31 December), and the final proof
    ``final_months`` after the project's end, which covers the last year."""
    dues: list[tuple[str, int | None, dt.date]] = []
    for year in range(project_start.year, project_end.year):
        dues.append((ProofKind.INTERIM, year, dt.date(year, 12, 31) + relativedelta(months=interim_months)))
    dues.append((ProofKind.FINAL, None, project_end + relativedelta(months=final_months)))
    return dues


def is_target2_business_day(day: dt.date) -> bool:
    """A TARGET2 (T2) settlement day: not Saturday or Sunday, 1 January, Good Friday, Easter Monday,
    1 May, 25 or 26 December. SEPA credit transfers are executed on these days only."""
    if day.weekday() >= 5 or (day.month, day.day) in {(1, 1), (5, 1), (12, 25), (12, 26)}:
        return False
    easter_sunday = easter(day.year)
    return day not in (easter_sunday - dt.timedelta(days=2), easter_sunday + dt.timedelta(days=1))


def next_target2_business_day(day: dt.date) -> dt.date:
    """``day`` itself if it is a TARGET2 business day, else the next one."""
    while not is_target2_business_day(day):
        day += dt.timedelta(days=1)
    return day
