"""The access-control matrix (issue 10): every URL pattern (from the resolver) and every API operation (from
the schema) × every role × the own / foreign / excluded object, against the table in table.py.

* a role the table lets see a route gets a 2xx for GET (so the table is real, not "everything denied");
* every other role gets 302 to the login, 401, 403, 404 or 405 (or the redirect the table names) — never
  a 2xx, never a 5xx;
* every unsafe method (POST, PUT, PATCH, DELETE) is sent by every role that may not act: it gets 4xx (or
  the login) and changes nothing (audit trail and outbox per request, every domain table per role);
  authorised writes are not executed;
* no answer to a role shows the title of an application that role may not see;
* a route or API operation missing from the table fails, so a new route cannot be forgotten.

One world (world.py) is built once for the module inside a transaction that is rolled back at the end.
"""

import re

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.urls import Resolver404, resolve

from .harness import RoleClient, is_denied, is_refused_write, snapshot, text_of, values_for, write_counters
from .kinds import kinds_for
from .routes import all_routes, api_operations
from .table import expectation
from .world import ADMIN, EXCLUDED_OBJECT, FOREIGN_OBJECT, OWN, ROLES

UNSAFE = ("post", "put", "patch", "delete")
QUERIES = {"api-staff-application-list": ("call", "call")}  # route → (query parameter, object kind)


def api_methods() -> dict[str, set[str]]:
    """Route key → the methods the schema documents for it."""
    out = {}
    for method, template in api_operations():
        out.setdefault(route_key(resolve_template(template)), set()).add(method)
    return out


def resolve_template(template: str):
    """Resolve a schema path (`/api/v1/applications/{id}/`) with values its patterns accept."""
    fixed = {"format": "csv", "kind": "ranking_pdf"}
    for candidate in ("1", "grants", "00000000-0000-4000-8000-000000000000"):
        path = re.sub(r"\{(\w+)\}", lambda m, c=candidate: fixed.get(m.group(1), c), template)
        try:
            return resolve(path)
        except Resolver404:
            continue
    raise AssertionError(f"the schema names a path no route answers: {template}")


def route_key(match) -> str:
    name = match.view_name
    return f"{name}[format]" if "format" in match.kwargs else name


def admin_values(route, world) -> dict:
    """Parameters of the Django admin's routes: the first row of the model the route is about."""
    values = {}
    parts = route.key.removeprefix("admin:").split("_")
    model = None
    if "url" in route.kwargs:
        return {"url": "nicht-vorhanden/"}  # the admin's catch-all
    if route.key.startswith("admin/"):
        app_label, model_name = route.key.split("/")[1:3]
        model = apps.get_model(app_label, model_name)
    elif "object_id" in route.kwargs:
        for cut in range(1, len(parts)):
            try:
                model = apps.get_model("_".join(parts[:cut]), "_".join(parts[cut:-1]))
                break
            except (LookupError, ValueError):
                continue
    for name in route.kwargs:
        if name == "object_id" and model is not None:
            values[name] = model.objects.order_by("pk").values_list("pk", flat=True).first() or 1
        elif name == "object_id":
            values[name] = world.objects["draft"][OWN]
        elif name == "content_type_id":
            values[name] = ContentType.objects.get(app_label="applications", model="application").pk
        elif name == "app_label":
            values[name] = "applications"
        else:
            values[name] = world.users[ADMIN].pk
    return values


def targets(world):
    """(route, expectation, variant, url, unsafe methods) for every route and object variant."""
    methods = api_methods()
    out = []
    for route in all_routes():
        expect = expectation(route.key)
        if expect.flow:
            values = dict.fromkeys(route.kwargs, "x")
            out.append((route, expect, OWN, route.url(values), ()))
            continue
        if expect.admin:
            # Django's admin_view refuses every method alike before any admin code runs: GET proves the gate
            out.append((route, expect, OWN, route.url(admin_values(route, world)), ()))
            continue
        unsafe = tuple(m for m in UNSAFE if m in methods.get(route.key, {"post"}))
        kinds = kinds_for(route)
        for variant in (OWN, FOREIGN_OBJECT, EXCLUDED_OBJECT):
            values = values_for(route, kinds, world, variant)
            if values is None:
                continue
            url = route.url(values)
            if route.key in QUERIES:
                parameter, kind = QUERIES[route.key]
                url += f"?{parameter}={world.objects[kind][variant if variant in world.objects[kind] else OWN]}"
            out.append((route, expect, variant, url, unsafe))
    return out


def test_every_route_and_api_operation_is_in_the_table():
    missing = [route.key for route in all_routes() if expectation(route.key) is None]
    assert missing == [], f"routes without a row in tests/access/table.py: {missing}"
    unknown = sorted(key for key in api_methods() if expectation(key) is None)
    assert unknown == [], f"API operations without a row in tests/access/table.py: {unknown}"


def test_every_route_parameter_is_filled_from_the_world(world, db):
    unfilled = []
    for route in all_routes():
        expect = expectation(route.key)
        if expect.flow or expect.admin:
            continue
        kinds = kinds_for(route)
        if any(kinds.get(name) is None for name in route.kwargs) or values_for(route, kinds, world, OWN) is None:
            unfilled.append(route.key)
    assert unfilled == [], f"parameters without an object of the world (tests/access/kinds.py): {unfilled}"


def test_a_route_missing_from_the_table_fails(monkeypatch):
    """The completeness check can fail: a route without a row is reported."""
    from . import table

    monkeypatch.delitem(table.TABLE, "payments:grant")
    assert "payments:grant" in [route.key for route in all_routes() if expectation(route.key) is None]


def check_read(role, expect, variant, response) -> str | None:
    status = response.status_code
    if status >= 500:
        return f"{status} (server error)"
    if expect.flow:
        return None
    if expect.admin:
        if role == ADMIN:  # Django's own admin: anything but the login (or a 5xx)
            return None if not (status in (301, 302) and is_denied(response)) else f"{status}, sent to the login"
        return None if is_denied(response) else f"{status}, expected the login"
    if role in expect.see.get(variant, ()):
        return None if 200 <= status < 300 else f"{status}, expected 2xx"
    if role in expect.elsewhere.get(variant, ()):
        return None if status in (301, 302) and not is_denied(response) else f"{status}, expected a redirect"
    if is_denied(response):
        return None
    where = f" → {response.headers.get('Location')}" if status in (301, 302) else ""
    return f"{status}{where}, expected 302 to the login / 401 / 403 / 404 / 405"


def leaked_markers(world, role, response, *, open_data=False) -> list[str]:
    """Titles of applications the role may not see. Open data routes may show the projects of final
    grants (world.published): publishing them is their purpose."""
    body = text_of(response) if 200 <= response.status_code < 300 else ""
    allowed = world.published if open_data else set()
    return [marker for marker, roles in world.markers.items()
            if role not in roles and marker not in allowed and marker in body]


@pytest.mark.slow  # the exhaustive sweep (about 12,000 requests); the table's completeness is checked always
@pytest.mark.parametrize("role", ROLES)
def test_matrix(world, role, db):
    client = RoleClient(world, role)
    problems, plan = [], targets(world)
    for route, expect, variant, url, _unsafe in plan:
        response = client.request("get", url)
        if (problem := check_read(role, expect, variant, response)):
            problems.append(f"GET {url} [{route.key}, {variant}]: {problem}")
        if (shown := leaked_markers(world, role, response, open_data=expect.open_data)):
            problems.append(f"GET {url} [{route.key}, {variant}]: shows {shown}")
    before = snapshot()  # after the reads: a form page may fill in its lines when its owner opens it
    for route, expect, variant, url, unsafe in plan:
        for method in unsafe:
            if expect.flow or role in expect.act.get(variant, ()):
                continue  # allowed writes are not executed
            counters = write_counters()
            response = client.request(method, url)
            if (problem := check_write(role, expect, variant, response)):
                problems.append(f"{method.upper()} {url} [{route.key}, {variant}]: {problem}")
            if write_counters() != counters:
                problems.append(f"{method.upper()} {url} [{route.key}, {variant}]: wrote to the audit trail/outbox")
    changed = [label for label, rows in snapshot().items() if rows != before.get(label)]
    assert problems == [] and changed == [], "\n".join([*problems, *(f"changed: {c}" for c in changed)])


def check_write(role, expect, variant, response) -> str | None:
    """A write by a role that may not act: 4xx or the login. A role that may see the object may instead be
    sent back to it (the page shows the service's refusal) — that it changed nothing is checked apart."""
    status = response.status_code
    if status < 500 and is_refused_write(response):
        return None
    may_see = any(role in group.get(variant, ()) for group in (expect.see, expect.elsewhere, expect.sent_back))
    if may_see and status in (301, 302, 303) and not expect.admin:
        return None
    return f"{status}, expected 4xx or the login"


def test_the_checks_can_fail(world, db):
    """An unauthorised 2xx, a 500 and a missing 2xx are each reported; a denial is not."""
    from django.http import HttpResponse, HttpResponseRedirect

    detail = expectation("api-application-detail")
    assert check_read("foreign", detail, OWN, HttpResponse(status=200)) is not None
    assert check_read("applicant", detail, OWN, HttpResponse(status=500)) is not None
    assert check_read("applicant", detail, OWN, HttpResponse(status=404)) is not None
    assert check_read("foreign", detail, OWN, HttpResponse(status=404)) is None
    assert check_read("foreign", detail, OWN, HttpResponseRedirect("/antraege/")) is not None
    assert check_read("anonymous", detail, OWN, HttpResponseRedirect("/accounts/login/?next=/")) is None
    shown = HttpResponse("<h1>Projekt ACL-DRAFT-own</h1>", content_type="text/html")
    assert leaked_markers(world, "foreign", shown) == ["ACL-DRAFT-own"]
    assert leaked_markers(world, "applicant", shown) == []
