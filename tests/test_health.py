"""Liveness and readiness (config/health.py): a cache outage alone keeps the web in the load
balancer, a database outage takes it out, and liveness never looks at either."""

import pytest
from django.db import OperationalError, connections
from django.urls import resolve

from config import health
from tests.redis_server import free_port, private_redis  # noqa: F401  (fixture)
from tests.services import require_postgres


@pytest.fixture
def database_down(monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    with monkeypatch.context() as patch:  # undone before the test database is torn down
        patch.setattr(connections["default"], "cursor", broken_cursor)
        yield


@pytest.fixture
def cache_down(settings):
    settings.CACHES = {"default": {"BACKEND": "foundation.cache.ResilientRedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{free_port()}/0"}}


def test_the_three_urls_are_routed():
    assert resolve("/healthz/live/", urlconf="config.urls").func is health.live
    assert resolve("/healthz/ready/", urlconf="config.urls").func is health.ready
    assert resolve("/healthz/", urlconf="config.urls").func is health.ready


@pytest.mark.django_db
def test_liveness_answers_without_database_or_cache(client, database_down, cache_down,
                                                    django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz/live/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readiness_is_ok_when_both_answer(client):
    response = client.get("/healthz/ready/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readiness_is_degraded_not_failed_when_only_the_cache_is_down(client, cache_down):
    response = client.get("/healthz/ready/")
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "checks": {"database": "ok", "cache": "error"}}


@pytest.mark.django_db
@pytest.mark.parametrize("cache_state", ["ok", "error"])
def test_readiness_fails_when_the_database_is_down(client, database_down, settings, cache_state):
    if cache_state == "error":
        settings.CACHES = {"default": {"BACKEND": "foundation.cache.ResilientRedisCache",
                                       "LOCATION": f"redis://127.0.0.1:{free_port()}/0"}}
    for url in ("/healthz/ready/", "/healthz/"):
        response = client.get(url)
        assert response.status_code == 503
        assert response.json() == {"status": "error", "checks": {"database": "error", "cache": cache_state}}


@pytest.mark.redis
@pytest.mark.django_db
def test_a_killed_redis_leaves_the_web_ready(client, private_redis, settings):  # noqa: F811
    settings.CACHES = {"default": {"BACKEND": "foundation.cache.ResilientRedisCache",
                                   "LOCATION": private_redis.url()}}
    assert client.get("/healthz/ready/").json() == {"status": "ok"}
    private_redis.kill()
    response = client.get("/healthz/ready/")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"


# --- the probe command --------------------------------------------------------------------


@pytest.mark.parametrize(("argv", "url"), [
    ([], "http://127.0.0.1:8000/healthz/ready/"),
    (["--ready"], "http://127.0.0.1:8000/healthz/ready/"),
    (["--live"], "http://127.0.0.1:8000/healthz/live/"),
    (["--live", "http://10.0.0.5:9000/healthz/live/"], "http://10.0.0.5:9000/healthz/live/"),
    (["http://10.0.0.5:9000/healthz/"], "http://10.0.0.5:9000/healthz/"),
])
def test_probe_arguments_choose_the_url(monkeypatch, argv, url):
    requested = []
    monkeypatch.setattr(health, "probe", lambda u: requested.append(u) or 0)
    assert health.main(argv) == 0
    assert requested == [url]


def test_probe_refuses_unknown_arguments(capsys):
    assert health.main(["--deep"]) == 2
    assert "usage" in capsys.readouterr().err


def test_a_degraded_readiness_passes_the_probe(live_server, settings, monkeypatch, cache_down):
    monkeypatch.setenv("ALLOWED_HOSTS", "foerderung.example.de")
    settings.ALLOWED_HOSTS = ["foerderung.example.de"]
    assert health.main(["--ready", f"{live_server.url}/healthz/ready/"]) == 0
    assert health.main(["--live", f"{live_server.url}/healthz/live/"]) == 0


def test_kept_open_database_connections_are_checked_before_reuse(settings):
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] > 0  # why the check matters


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("health_checks", [True, False])
def test_after_a_database_restart_the_next_request_reconnects(client, health_checks):
    """The server ends the kept-open connection (as a restart does: pg_terminate_backend); with
    CONN_HEALTH_CHECKS the next request reconnects, without it that request fails."""
    import psycopg
    from django.db import close_old_connections, connection

    require_postgres()
    connection.settings_dict["CONN_HEALTH_CHECKS"] = health_checks
    connection.close()  # the next connect reads the setting
    try:
        close_old_connections()  # what every real request starts with (the test client skips it)
        assert client.get("/healthz/ready/").status_code == 200
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        with psycopg.connect(**params, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        close_old_connections()
        status = client.get("/healthz/ready/").status_code
    finally:
        connection.settings_dict["CONN_HEALTH_CHECKS"] = True
        connection.close()
    assert status == (200 if health_checks else 503)
