"""Health checks for load balancers and container orchestration: liveness and readiness.

``GET /healthz/live/``   liveness: the process answers requests. Touches neither database nor
                         cache, so a database outage never makes an orchestrator restart healthy
                         web processes. Always 200 ``{"status": "ok"}``.
``GET /healthz/ready/``  readiness: may this process receive traffic? The database must answer a
                         query (503 ``{"status": "error", ...}`` otherwise). The cache is reported
                         but not required: the portal works without it (foundation/cache.py), so a
                         cache outage alone answers 200 ``{"status": "degraded", "checks": ...}``
                         and keeps the web in the load balancer. 200 ``{"status": "ok"}`` when
                         both answer.
``GET /healthz/``        the readiness check, kept for existing probes.

No error details (the endpoints are public), no login, no session.

``python -m config.health [--ready | --live] [URL]`` is the container's health check command
(docker-compose.yml uses ``--ready``): it requests the view on the local gunicorn with a ``Host``
header taken from ALLOWED_HOSTS and ``X-Forwarded-Proto: https`` (as the TLS-terminating proxy
sends it), so neither ALLOWED_HOSTS nor SECURE_SSL_REDIRECT turn the probe away, and exits 0 on
200 (a degraded readiness included).
"""

import logging
import os
import sys
import urllib.error
import urllib.request
import uuid

from django.core.cache import cache
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

PROBE_BASE = "http://127.0.0.1:8000"
PROBE_PATHS = {"--ready": "/healthz/ready/", "--live": "/healthz/live/"}
DEFAULT_PROBE_URL = PROBE_BASE + PROBE_PATHS["--ready"]


def database_ok() -> bool:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone()[0] == 1
    except Exception:  # any driver error means "not healthy", never a 500
        logger.exception("health check: database unavailable")
        return False


def cache_ok() -> bool:
    key = f"healthz:{uuid.uuid4().hex}"  # one key per probe: parallel probes cannot collide
    try:
        cache.set(key, "ok", timeout=10)
        ok = cache.get(key) == "ok"
        cache.delete(key)
        return ok
    except Exception:  # e.g. redis.ConnectionError from a cache backend that is not resilient
        logger.warning("health check: cache unavailable", exc_info=True)
        return False


@never_cache
@require_safe
def live(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def ready(request):
    checks = {"database": database_ok(), "cache": cache_ok()}
    if all(checks.values()):
        return JsonResponse({"status": "ok"})
    report = {name: "ok" if ok else "error" for name, ok in checks.items()}
    if checks["database"]:
        return JsonResponse({"status": "degraded", "checks": report})
    return JsonResponse({"status": "error", "checks": report}, status=503)


healthz = ready  # /healthz/: the readiness check under its old name


def probe_host(allowed_hosts: str) -> str:
    """The Host header for the probe: the first entry of ALLOWED_HOSTS, usable as a name."""
    for entry in allowed_hosts.split(","):
        host = entry.strip().lstrip(".")
        if host and host != "*":
            return host
    return "localhost"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect (e.g. to https when the header did not get through) is a failed probe."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def probe(url: str = DEFAULT_PROBE_URL, timeout: float = 5.0) -> int:
    """Request the health view once; 0 if it answered 200, else 1 (the container is unhealthy)."""
    opener = urllib.request.build_opener(_NoRedirect)
    host = probe_host(os.environ.get("ALLOWED_HOSTS", ""))
    # S310: the URL is ours (the local gunicorn by default), never user input.
    request = urllib.request.Request(url, headers={"Host": host, "X-Forwarded-Proto": "https"})  # noqa: S310
    try:
        with opener.open(request, timeout=timeout) as response:
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as exc:  # HTTPError (503, 400, 301) is a URLError
        print(f"health check failed: {exc}", file=sys.stderr)
        return 1


def main(argv: list[str]) -> int:
    """``[--ready | --live] [URL]``: the URL defaults to the chosen check on the local gunicorn."""
    mode = "--ready"
    urls = []
    for arg in argv:
        if arg in PROBE_PATHS:
            mode = arg
        elif arg.startswith(("http://", "https://")):
            urls.append(arg)
        else:
            print(f"usage: python -m config.health [--ready | --live] [URL] (not {arg!r})", file=sys.stderr)
            return 2
    return probe(urls[-1] if urls else PROBE_BASE + PROBE_PATHS[mode])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
