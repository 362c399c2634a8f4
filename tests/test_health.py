"""Liveness and readiness (config/health.py): a cache outage alone keeps the web in the load
balancer, a database outage takes it out, and liveness never looks at either."""

import pytest
from django.db import OperationalError, connections
from django.urls import resolve

from config import health
from tests.redis_server import free_port, private_redis  # noqa: F401  (fixture)


@pytest.fixture
def database_down(monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    with monkeypatch.context() as patch:  # undone before the test database is torn down
        patch.setattr(connections["default"], "cursor", broken_cursor)
        yield


@pytest.fixture
def cache_down(settings):
    settings.CACHES = {"default": {"BACKEND": "config.cache.ResilientRedisCache",
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
        settings.CACHES = {"default": {"BACKEND": "config.cache.ResilientRedisCache",
                                       "LOCATION": f"redis://127.0.0.1:{free_port()}/0"}}
    for url in ("/healthz/ready/", "/healthz/"):
        response = client.get(url)
        assert response.status_code == 503
        assert response.json() == {"status": "error", "checks": {"database": "error", "cache": cache_state}}


@pytest.mark.redis
@pytest.mark.django_db
def test_a_killed_redis_leaves_the_web_ready(client, private_redis, settings):  # noqa: F811
    settings.CACHES = {"default": {"BACKEND": "config.cache.ResilientRedisCache",
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
