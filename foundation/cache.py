"""A Redis cache that degrades instead of failing: a cache outage never takes the web down.

The cache only holds what can be recomputed or forgotten (allauth's rate-limit history and TOTP
replay guard); sessions live in the database. So when Redis is down or does not answer,
``ResilientRedisCache`` answers as an empty cache that stores nothing:

==============================  ==============================================================
``get``/``get_many``            the default / ``{}`` (a miss)
``set``/``set_many``            nothing stored (``set_many`` returns the keys, as Django does)
``add``                         ``True`` — see below
``incr``/``decr``               ``delta`` (a fresh counter); a missing key while Redis answers
                                is still Django's ``ValueError``
``delete``/``touch``/``has_key`` ``False``
``delete_many``/``clear``       nothing
==============================  ==============================================================

``add`` answers ``True`` ("added") on purpose: callers use it as a lock or a replay guard
(allauth takes a rate-limit lock with it and refuses the login after a second without it; the
TOTP check refuses a code it could not mark as used). ``False`` would lock everyone out for as
long as the cache is down. The price: during an outage the login rate limit and the TOTP replay
guard are not enforced — the warning in the log says so.

Redis errors and socket errors are caught; the first one opens a short "circuit"
(``OUTAGE_RETRY_SECONDS``, default 5 s) during which calls do not even try Redis, so a dead or
unreachable Redis costs a request at most one connect timeout (``socket_connect_timeout`` and
``socket_timeout`` default to 0.5 s here, instead of none). The outage is logged as one warning
per minute per process (with the number of failed calls), and its end as one info line.

OPTIONS as for Django's RedisCache, plus ``OUTAGE_RETRY_SECONDS`` and ``WARNING_INTERVAL``.
"""

import logging
import threading
import time

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

ERRORS = (redis.exceptions.RedisError, OSError)
DEFAULT_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}


class _Outage:
    """Whether one Redis location is known to be down, shared by all threads of the process."""

    def __init__(self, location: str, *, retry_seconds: float, warning_interval: float):
        self.location = location
        self.retry_seconds = retry_seconds
        self.warning_interval = warning_interval
        self.down_until = 0.0  # time.monotonic(); until then, do not try Redis
        self.down = False
        self.failures = 0
        self.last_warning = float("-inf")  # not money: a monotonic time
        self.lock = threading.Lock()

    def skip(self) -> bool:
        return self.down and time.monotonic() < self.down_until

    def failed(self, operation: str, exc: BaseException) -> None:
        now = time.monotonic()
        with self.lock:
            self.down = True
            self.down_until = now + self.retry_seconds
            self.failures += 1
            if now - self.last_warning < self.warning_interval:
                return
            failures, self.failures, self.last_warning = self.failures, 0, now
        logger.warning(
            "cache %s unavailable (%s: %s): serving without cache, login rate limit and TOTP replay "
            "guard not enforced; %d failed call(s) since the last warning",
            self.location, operation, exc, failures)

    def answered(self) -> None:
        if not self.down:
            return
        with self.lock:
            if not self.down:
                return
            self.down, self.failures, self.last_warning = False, 0, float("-inf")  # not money: a time
        logger.info("cache %s available again", self.location)


_outages: dict[tuple, _Outage] = {}
_outages_lock = threading.Lock()


def _outage_for(servers, retry_seconds: float, warning_interval: float) -> _Outage:
    key = tuple(servers)
    with _outages_lock:
        if key not in _outages:
            _outages[key] = _Outage(",".join(_without_password(s) for s in servers),
                                    retry_seconds=retry_seconds, warning_interval=warning_interval)
        return _outages[key]


def _without_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if sep and "@" in rest:
        rest = "***@" + rest.rsplit("@", 1)[1]
    return f"{scheme}{sep}{rest}"


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        retry_seconds = float(options.pop("OUTAGE_RETRY_SECONDS", 5))  # not money: seconds
        warning_interval = float(options.pop("WARNING_INTERVAL", 60))  # not money: seconds
        super().__init__(server, {**params, "OPTIONS": {**DEFAULT_OPTIONS, **options}})
        self._outage = _outage_for(self._servers, retry_seconds, warning_interval)

    def _degrade(self, operation: str, call, fallback):
        if self._outage.skip():
            return fallback
        try:
            result = call()
        except ERRORS as exc:
            self._outage.failed(operation, exc)
            return fallback
        self._outage.answered()
        return result

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._degrade("add", lambda: super(ResilientRedisCache, self).add(key, value, timeout, version), True)

    def get(self, key, default=None, version=None):
        return self._degrade("get", lambda: super(ResilientRedisCache, self).get(key, default, version), default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._degrade("set", lambda: super(ResilientRedisCache, self).set(key, value, timeout, version), None)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._degrade("touch", lambda: super(ResilientRedisCache, self).touch(key, timeout, version), False)

    def delete(self, key, version=None):
        return self._degrade("delete", lambda: super(ResilientRedisCache, self).delete(key, version), False)

    def get_many(self, keys, version=None):
        return self._degrade("get_many", lambda: super(ResilientRedisCache, self).get_many(keys, version), {})

    def has_key(self, key, version=None):
        return self._degrade("has_key", lambda: super(ResilientRedisCache, self).has_key(key, version), False)

    def incr(self, key, delta=1, version=None):
        # A counter that cannot be read counts from zero: a limit built on it never locks anyone out.
        return self._degrade("incr", lambda: super(ResilientRedisCache, self).incr(key, delta, version), delta)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._degrade("set_many", lambda: super(ResilientRedisCache, self).set_many(data, timeout, version),
                             list(data))

    def delete_many(self, keys, version=None):
        self._degrade("delete_many", lambda: super(ResilientRedisCache, self).delete_many(keys, version), None)

    def clear(self):
        return self._degrade("clear", lambda: super(ResilientRedisCache, self).clear(), False)
