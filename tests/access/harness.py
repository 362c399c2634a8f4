"""Requests of the matrix: a client per role, concrete URLs per route and variant, and what counts as denied."""

import json
import re
import uuid

from django.apps import apps
from django.db.models import Count
from rest_framework.test import APIClient

from payments.idempotency import FORM_FIELD
from tests.conftest import _plain_force_login

from .kinds import kinds_for
from .routes import all_routes
from .table import expectation
from .world import ANONYMOUS, NO_MFA, OWN

LOGIN = re.compile(r"^/(accounts|admin)/login/")
# What an unauthorised write must leave as it was (sessions, last logins and allauth's records may change).
WATCHED_APPS = ("accounts", "applications", "grants", "jury", "payments", "outbox", "audit")
UNWATCHED_MODELS = {"accounts.user", "accounts.apitoken"}


class RoleClient:
    """A client that is `role` for every request (the untrusted staff session is logged in anew each
    time, because the middleware ends it at its first request)."""

    def __init__(self, world, role):
        self.role, self.user = role, world.users.get(role)
        self.client = APIClient(raise_request_exception=False)
        if role not in (ANONYMOUS, NO_MFA):
            self.client.force_login(self.user)

    def request(self, method: str, url: str, data: dict | None = None):
        if self.role == NO_MFA:
            _plain_force_login(self.client, self.user)
        if method == "get":
            return self.client.get(url)
        # a fresh one-time key, as a rendered money form or a well-behaved API client sends (payments.idempotency):
        # without it the page answers "form expired" before it asks who is writing
        key = uuid.uuid4().hex
        if url.startswith("/api/"):
            return getattr(self.client, method)(url, {}, format="json", HTTP_IDEMPOTENCY_KEY=key)
        return getattr(self.client, method)(url, {FORM_FIELD: key, **(data or {})})


def values_for(route, kinds: dict, world, variant: str) -> dict | None:
    """The URL parameters of `route` for `variant`, or None if the world has no such variant of its objects."""
    out = {}
    for name in route.kwargs:
        kind = kinds[name]
        if not isinstance(kind, str) or kind not in world.objects:
            out[name] = kind  # a constant (a step, a format, a version)
            continue
        by_variant = world.objects[kind]
        if variant in by_variant:
            out[name] = by_variant[variant]
        elif len(by_variant) == 1 and OWN in by_variant:
            out[name] = by_variant[OWN]  # one object of this kind serves every variant (e.g. a payment run)
        else:
            return None
    if variant != OWN and all(
            not isinstance(kinds[n], str) or kinds[n] not in world.objects or variant not in world.objects[kinds[n]]
            for n in route.kwargs):
        return None  # nothing of this route has the variant
    return out


def readable_routes(world, roles):
    """Every GET route of the portal and the API that one of `roles` may read in the world's own variant (no flow
    step, no admin page), as (route, URL, the roles of `roles` that may read it)."""
    for route in all_routes():
        expect = expectation(route.key)
        if expect is None or expect.flow or expect.admin or not expect.get:
            continue
        readers = [role for role in roles if role in expect.see.get(OWN, ())]
        values = values_for(route, kinds_for(route), world, OWN)
        if readers and values is not None:
            yield route, route.url(values), readers


def is_denied(response) -> bool:
    """302 to the login, 401, 403, 404 or 405 — and never anything else."""
    if response.status_code in (301, 302):
        return bool(LOGIN.match(response.headers.get("Location", "")))
    return response.status_code in (401, 403, 404, 405)


def is_refused_write(response) -> bool:
    """An unauthorised write: sent to the login or any 4xx (also a 400 for the empty body)."""
    if response.status_code in (301, 302):
        return bool(LOGIN.match(response.headers.get("Location", "")))
    return 400 <= response.status_code < 500


def text_of(response) -> str:
    if getattr(response, "streaming", False):
        return ""
    kind = response.headers.get("Content-Type", "")
    if not kind.startswith(("text/", "application/json")):
        return ""
    return response.content.decode("utf-8", "replace")


def snapshot() -> dict:
    """Every row of the domain's tables (small world), to prove that refused writes changed nothing."""
    state = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.app_label in WATCHED_APPS and label not in UNWATCHED_MODELS:
            state[label] = json.dumps(list(model.objects.order_by("pk").values()), sort_keys=True, default=str)
    return state


def write_counters() -> tuple:
    """Cheap per-request evidence of a write: the audit trail and the outbox only grow with real work."""
    from audit.models import AuditEntry
    from outbox.models import OutboxMessage

    return (AuditEntry.objects.aggregate(n=Count("pk"))["n"], OutboxMessage.objects.aggregate(n=Count("pk"))["n"])
