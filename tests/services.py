"""Access to the machine's PostgreSQL, Redis and Chromium for the tests that need them.

Without them such a test is skipped — unless REQUIRE_SERVICES=1 (set by .ci/run), where a
missing service fails the test instead, so CI can never pass by skipping.
"""

import os
import shutil

import pytest

REQUIRED = os.environ.get("REQUIRE_SERVICES") == "1"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def unavailable(reason: str):
    if REQUIRED:
        pytest.fail(f"required service missing: {reason}", pytrace=False)
    pytest.skip(reason)


def require_postgres():
    from django.db import connection

    if connection.vendor != "postgresql":
        unavailable("needs PostgreSQL (set DATABASE_URL=postgres://...)")


def redis_url() -> str:
    """REDIS_URL, with its database number moved by the pytest-xdist worker's index.

    Tests with a real Celery worker would otherwise take each other's tasks from one queue when
    the suite runs in parallel (worker gw1 of REDIS_URL=redis://host/0 uses redis://host/1).
    """
    url = os.environ.get("REDIS_URL", "")
    if not url:
        unavailable("needs Redis (set REDIS_URL=redis://...)")
    url = for_this_worker(url)
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as exc:
        unavailable(f"Redis at {url} does not answer: {exc}")
    return url


def worker_index() -> int:
    """0 outside pytest-xdist, else the number of this worker (gw0, gw1, …)."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(name.removeprefix("gw") or 0)


def for_this_worker(url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(base + worker_index()) % 16}"))


def chromium_path() -> str:
    path = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if not path:
        unavailable("needs Chromium (apt-get install chromium)")
    return path


def run_parallel(functions):
    """Run the functions in threads that start at the same moment; returns their results (or exceptions)."""
    import threading

    from django.db import connection

    barrier = threading.Barrier(len(functions))
    results = [None] * len(functions)

    def runner(i, fn):
        try:
            barrier.wait()
            results[i] = fn()
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i, fn)) for i, fn in enumerate(functions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results
