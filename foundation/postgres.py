"""PostgreSQL: moments read by psycopg's compiled loader (issue 13).

Django reads every `timestamp with time zone` through a loader of its own
(`django/db/backends/postgresql/psycopg_any.py`): a Python subclass of psycopg's pure-Python
`TimestamptzLoader` that parses the text and then sets the zone Django expects. About 5 µs a value: a page of
50 money requests with their four moments, or the 2,000 rows of a jury's ranking, spend milliseconds in it.
psycopg's binary package has the same loader compiled (about 0.2 µs), which Django cannot subclass.

Where the session's time zone is UTC and Django expects UTC — what Django itself sets up on every connection
with ``USE_TZ = True`` and no per-database ``TIME_ZONE`` (this project's settings) — the compiled loader returns
exactly what Django's does: the same moment, with ``datetime.timezone.utc`` as its zone. On such a connection
`install` registers `UtcLoader`, which hands each value to the compiled loader. Any other connection keeps
Django's loader, and so does every cursor of a connection whose zone Django later changes (its `create_cursor`
registers its own loader wherever the connection's loader names another zone than it expects).
`tests/foundation/test_postgres_moments.py` compares both loaders on values around the clock changes, with
and without fractions of a second.
"""

import datetime

from psycopg import adapters
from psycopg.adapt import Loader
from psycopg.postgres import types
from psycopg.pq import Format

TIMESTAMPTZ_OID = types["timestamptz"].oid
COMPILED = adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)  # psycopg_binary's, when it is installed


def compiled_available() -> bool:
    return not COMPILED.__module__.startswith("psycopg.")


class UtcLoader(Loader):
    """psycopg's compiled loader behind the attribute Django's `create_cursor` compares (`timezone`)."""

    timezone = datetime.UTC

    def __init__(self, oid: int, context=None):
        super().__init__(oid, context)
        self._compiled = COMPILED(oid, context)
        self.load = self._compiled.load  # the compiled method itself: psycopg calls `loader.load` per value

    def load(self, data):  # replaced per instance above; psycopg's abstract base wants it declared
        return self._compiled.load(data)


def install(sender, connection, **kwargs):
    """`connection_created` receiver: on a PostgreSQL session in UTC where Django expects UTC, read moments with
    the compiled loader."""
    if connection.vendor != "postgresql" or not compiled_available():
        return
    raw = connection.connection
    if connection.timezone is datetime.UTC and raw.info.parameter_status("TimeZone") == "UTC":
        raw.adapters.register_loader(TIMESTAMPTZ_OID, UtcLoader)
