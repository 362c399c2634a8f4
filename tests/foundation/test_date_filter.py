"""|date (foundation/templatetags/dates.py): the project's four numeric formats are written directly; every
answer must be the one Django's own filter gives, for every kind of value, in both languages."""

import datetime as dt
import random
import zoneinfo

import pytest
from django.template import Context, Engine, engines
from django.utils import timezone, translation

from foundation.templatetags import dates

FORMATS = [*dates._WRITERS, "j. F Y", "SHORT_DATE_FORMAT", "Y-m-d H:i", None]


def _values():
    rng = random.Random(13)
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    values = [None, "", "kein Datum", 0, dt.date(2026, 1, 1), dt.date(999, 12, 31), dt.date(5, 3, 9),
              dt.datetime(2026, 3, 29, 0, 59, 59, tzinfo=dt.UTC),  # the night of the change to summer time
              dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC), dt.datetime(2026, 12, 31, 23, 0, tzinfo=dt.UTC),
              dt.datetime(2027, 6, 1, 8, 5, 7), dt.datetime(1, 1, 1, 0, 0),
              dt.datetime(2026, 5, 4, 3, 2, 1, tzinfo=berlin)]
    for _ in range(200):
        moment = dt.datetime(2000, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=rng.randrange(40 * 365 * 86400))
        values += [moment, moment.date(), moment.replace(tzinfo=None)]
    return values


def _template(engine, fmt):
    return engine.from_string("{{ v|date }}" if fmt is None else '{{ v|date:"' + fmt + '" }}')


def test_the_same_text_as_djangos_filter():
    django_engine = Engine(builtins=[])  # Django's own filters only
    ours = engines["django"]
    checked = 0
    for language in ("de", "en"):
        with translation.override(language), timezone.override("Europe/Berlin"):
            for fmt in FORMATS:
                theirs_t, ours_t = _template(django_engine, fmt), _template(ours, fmt)
                for value in _values():
                    if isinstance(value, dt.date) and not isinstance(value, dt.datetime) and fmt and "H" in fmt:
                        continue  # Django refuses a time format for a date (an error, not a text)
                    assert ours_t.render({"v": value}) == theirs_t.render(Context({"v": value})), (fmt, value)
                    checked += 1
    assert checked > 5000


def test_the_four_formats_are_written_directly():
    value = dt.datetime(2027, 2, 3, 4, 5, 6)
    for fmt in dates._WRITERS:
        assert dates.date(value, fmt) == dates._WRITERS[fmt][0](value)
    assert dates.date(value, "d.m.Y, H:i:s") == "03.02.2027, 04:05:06"
    assert dates.date(dt.date(999, 1, 2), "d.m.Y") == "02.01.0999"


def test_an_aware_moment_is_shown_in_local_time():
    template = engines["django"].from_string('{{ v|date:"d.m.Y, H:i" }}')
    with timezone.override("Europe/Berlin"):
        assert template.render({"v": dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC)}) == "01.01.2027, 00:30"


def test_a_time_format_for_a_date_is_djangos_error():
    with pytest.raises(TypeError):
        engines["django"].from_string('{{ v|date:"d.m.Y, H:i" }}').render({"v": dt.date(2027, 1, 1)})
