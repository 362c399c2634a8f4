"""A cache outage degrades instead of failing (foundation/cache.py): against a private redis-server that
the test kills, reads miss, writes are dropped, counters count from zero, login keeps working, the
outage is logged once, and the cache is used again once Redis is back."""

import json
import logging
import subprocess
import sys
import time

import pytest
import redis
from django.core.cache import caches
from django.urls import reverse

from foundation.cache import ResilientRedisCache
from tests.factories import UserFactory
from tests.redis_server import free_port, private_redis  # noqa: F401  (fixture)
from tests.test_deploy import BASE_DIR, production_env

PASSWORD = "Geheim-Passwort-123"  # the factories' password


def resilient(url: str, **options) -> dict:
    return {"default": {"BACKEND": "foundation.cache.ResilientRedisCache", "LOCATION": url,
                        "OPTIONS": {"OUTAGE_RETRY_SECONDS": 0.2, **options}}}


@pytest.fixture
def cache_on(private_redis, settings):  # noqa: F811
    settings.CACHES = resilient(private_redis.url())
    return caches["default"]


def cache_warnings(caplog):
    return [r for r in caplog.records if r.name == "foundation.cache" and r.levelno == logging.WARNING]


@pytest.mark.redis
def test_the_cache_works_while_redis_answers(cache_on):
    assert isinstance(cache_on, ResilientRedisCache)
    cache_on.set("a", {"n": 1})
    assert cache_on.get("a") == {"n": 1}
    assert cache_on.add("a", 2) is False
    cache_on.set("counter", 1)
    assert cache_on.incr("counter", 2) == 3
    with pytest.raises(ValueError):  # as Django's RedisCache: a missing key cannot be incremented
        cache_on.incr("missing")
    assert cache_on.delete("a") is True


@pytest.mark.redis
def test_a_killed_redis_turns_the_cache_into_an_empty_one(cache_on, private_redis, caplog):  # noqa: F811
    cache_on.set("counter", 5)
    private_redis.kill()
    caplog.set_level(logging.INFO, logger="foundation.cache")
    started = time.monotonic()
    assert cache_on.get("counter") is None
    assert cache_on.get("counter", "fallback") == "fallback"
    assert cache_on.set("k", "v") is None
    assert cache_on.add("lock", True) is True  # a lock or replay guard never locks anyone out
    assert cache_on.incr("counter") == 1
    assert cache_on.decr("counter") == -1
    assert cache_on.delete("k") is False
    assert cache_on.has_key("k") is False
    assert cache_on.touch("k") is False
    assert cache_on.get_many(["a", "b"]) == {}
    assert cache_on.set_many({"a": 1, "b": 2}) == ["a", "b"]
    assert cache_on.delete_many(["a"]) is None
    assert cache_on.get_or_set("x", "computed") == "computed"
    for _ in range(100):
        cache_on.get("k")
    assert time.monotonic() - started < 3
    # One warning for the whole outage, not one per call.
    assert len(cache_warnings(caplog)) == 1
    assert "unavailable" in cache_warnings(caplog)[0].getMessage()


@pytest.mark.redis
def test_the_cache_is_used_again_when_redis_returns(cache_on, private_redis, caplog):  # noqa: F811
    private_redis.kill()
    caplog.set_level(logging.INFO, logger="foundation.cache")
    cache_on.set("k", "lost")
    private_redis.start()  # same port, empty
    time.sleep(0.3)  # OUTAGE_RETRY_SECONDS
    cache_on.set("k", "kept")
    assert cache_on.get("k") == "kept"
    assert any("available again" in r.getMessage() for r in caplog.records if r.name == "foundation.cache")


def test_an_unreachable_redis_costs_a_request_at_most_a_timeout(settings):
    """Nothing listens: connect fails at once; the socket timeouts default to 0.5 s, not none."""
    settings.CACHES = {"default": {"BACKEND": "foundation.cache.ResilientRedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{free_port()}/0"}}
    cache = caches["default"]
    started = time.monotonic()
    assert cache.get("k", 0) == 0
    assert time.monotonic() - started < 1
    pool_options = cache._cache._pool_options
    assert pool_options["socket_connect_timeout"] == 0.5 and pool_options["socket_timeout"] == 0.5
    assert "OUTAGE_RETRY_SECONDS" not in pool_options  # our own options do not reach redis-py


@pytest.mark.slow
def test_production_settings_use_the_resilient_cache_with_short_timeouts():
    code = ("import django, json; django.setup(); from django.conf import settings; "
            "print(json.dumps(settings.CACHES['default']))")
    result = subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, capture_output=True, text=True,
                            env=production_env(REDIS_URL="redis://redis:6379/0"), timeout=60)
    assert result.returncode == 0, result.stderr
    default = json.loads(result.stdout)
    assert default["BACKEND"] == "foundation.cache.ResilientRedisCache"
    assert default["OPTIONS"]["socket_connect_timeout"] <= 1


# --- login, which allauth rate-limits through the cache ---------------------------------


def login(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


@pytest.mark.redis
@pytest.mark.django_db
def test_login_works_while_the_cache_is_down(client, cache_on, private_redis):  # noqa: F811
    user = UserFactory(email="kim@example.org")
    private_redis.kill()
    # A wrong password is refused as usual (not a 500, not "too many attempts") ...
    for _ in range(6):
        response = login(client, user.email, "falsch-falsch-falsch")
        assert response.status_code == 200
        assert "Zu viele" not in response.content.decode()
    # ... and the right one lets the user in.
    response = login(client, user.email, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.redis
@pytest.mark.django_db
def test_with_django_s_plain_redis_cache_the_same_login_fails(client, private_redis, settings):  # noqa: F811
    """What the resilient cache is for: Django's RedisCache lets the connection error through."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": private_redis.url(),
                                   "OPTIONS": {"socket_connect_timeout": 0.5}}}
    user = UserFactory(email="kim@example.org")
    private_redis.kill()
    with pytest.raises(redis.exceptions.ConnectionError):
        login(client, user.email, PASSWORD)


@pytest.mark.redis
@pytest.mark.django_db
def test_the_login_rate_limit_holds_while_the_cache_answers(client, cache_on):
    user = UserFactory(email="kim@example.org")
    for _ in range(5):
        login(client, user.email, "falsch-falsch-falsch")
    response = login(client, user.email, PASSWORD)
    assert "Zu viele gescheiterte Anmeldeversuche" in response.content.decode()
