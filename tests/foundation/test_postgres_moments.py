"""Moments read by psycopg's compiled loader are exactly the moments Django's own loader reads (foundation.postgres)."""

import datetime

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import BaseTzLoader

from accounts.models import User
from foundation import postgres
from tests.services import require_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

# around both clock changes of 2026 in Berlin, the turn of a year, fractions of a second and none
MOMENTS = ["2026-03-29 00:59:59.999999+00", "2026-03-29 01:00:00+00", "2026-03-29 03:00:00+02",
           "2026-10-25 00:59:59.5+00", "2026-10-25 01:00:00+00", "2026-12-31 23:59:59.000001+00",
           "2027-01-01 00:00:00+01", "1970-01-01 00:00:00+00", "2099-07-01 12:34:56.123456+02"]
SQL = ("SELECT m::timestamptz FROM unnest(%s::text[]) AS m "
       "UNION ALL SELECT now() + g * interval '1 hour 0.000317 second' FROM generate_series(1, 200) g")


class DjangosLoader(BaseTzLoader):
    timezone = datetime.UTC


def _read(loader=None):
    """The moments, read in the test's transaction (so `now()` is the same in every read)."""
    with connection.cursor() as cursor:
        if loader is not None:
            cursor.cursor.adapters.register_loader(postgres.TIMESTAMPTZ_OID, loader)
        cursor.execute(SQL, [MOMENTS])
        return [value for (value,) in cursor.fetchall()]


def test_every_connection_reads_moments_with_the_compiled_loader():
    require_postgres()
    assert postgres.compiled_available()  # psycopg[binary] is the project's dependency
    connection.ensure_connection()
    assert connection.connection.adapters.get_loader(postgres.TIMESTAMPTZ_OID, 0) is postgres.UtcLoader
    # Django's create_cursor finds the zone it expects and keeps the connection's loader
    with connection.cursor() as cursor:
        assert cursor.cursor.adapters.get_loader(postgres.TIMESTAMPTZ_OID, 0) is postgres.UtcLoader


def test_the_compiled_loader_reads_what_djangos_reads():
    require_postgres()
    ours, djangos = _read(), _read(DjangosLoader)
    assert len(ours) == len(MOMENTS) + 200
    assert ours == djangos
    assert all(a.tzinfo is datetime.UTC and b.tzinfo is datetime.UTC
               for a, b in zip(ours, djangos, strict=True))
    assert [a.isoformat() for a in ours] == [b.isoformat() for b in djangos]
    assert ours[1] == datetime.datetime(2026, 3, 29, 1, 0, tzinfo=datetime.UTC)
    assert ours[2] == ours[1] and ours[0].microsecond == 999999


def test_models_read_aware_utc_moments():
    require_postgres()
    moment = datetime.datetime(2026, 10, 25, 0, 30, 0, 250000, tzinfo=datetime.UTC)
    user = User.objects.create_user(email="zeit@example.org", password="x-Passwort-2026", last_login=moment)
    read = User.objects.values_list("last_login", flat=True).get(pk=user.pk)
    assert read == moment and read.tzinfo is datetime.UTC


def test_a_connection_in_another_zone_keeps_djangos_loader(settings):
    """Without USE_TZ Django expects the session's own zone; the compiled loader is then not installed."""
    require_postgres()
    connection.ensure_connection()
    raw = connection.connection
    before = raw.adapters.get_loader(postgres.TIMESTAMPTZ_OID, 0)
    settings.USE_TZ = False
    try:
        raw.adapters.register_loader(postgres.TIMESTAMPTZ_OID, DjangosLoader)
        postgres.install(sender=None, connection=connection)
        assert raw.adapters.get_loader(postgres.TIMESTAMPTZ_OID, 0) is DjangosLoader
    finally:
        settings.USE_TZ = True
        raw.adapters.register_loader(postgres.TIMESTAMPTZ_OID, before)
