"""Every route × anonymous / applicant / jury member, on the demo world with guessed ids (issue 10).

The routes come from the URL resolver and the API schema, so a new route cannot be forgotten.
No answer may be 2xx unless the route is public (anonymous) or the role may use it: staff areas
are never open to applicants and jury members, and nobody reads another municipality's case.

This is the coarse sweep on the demo data. The full matrix — every route and API operation × 13 roles ×
own / foreign / excluded object, against a table of who may see and act — is tests/access/.
"""

import io
import re

import pytest
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from accounts.models import User
from applications.models import Application
from applications.selectors import applications_for_user
from tests.schema import full_schema

GUESSED_IDS = (1, 2, 3)

PUBLIC_PAGES = {"", "healthz/", "healthz/live/", "healthz/ready/", "barrierefreiheit/", "impressum/",
                "i18n/setlang/", "api/schema/", "api/docs/", "api/redoc/",
                # open data of funded projects (opendata/): public by design
                "offene-daten/", "offene-daten/gefoerderte-projekte.csv", "offene-daten/gefoerderte-projekte.json",
                "offene-daten/katalog.ttl", "offene-daten/katalog.jsonld", "offene-daten/katalog.rdf"}
# (identity-providers: the login ways a portal links to, public by design like the login page — issue 12)
PUBLIC_API = re.compile(r"^/api/v1/(programs|calls|municipalities|open-data|identity-providers)/")
# the public entry of every published call (grants/views.py): GET only
PUBLIC_CALL_PAGES = re.compile(r"^/foerderaufrufe/((programme/)?\d+/)?$")
# Areas for staff only (pages and API).
STAFF_ONLY = re.compile(
    r"^/(pruefung/|kommunen/anfragen|kommunen/einladen|antraege/\d+/pruefung|jury/aufrufe/|jury/sitzungen/"
    r"|zuwendungen/(bewilligung|auszahlung|sachbearbeitung|uebersicht)/|betrieb/|admin/|api/v1/staff/)")
# What jury members may read of a call: the ranking list (without rows they are excluded from) and
# the session page (tests/jury/test_permissions.py checks those rows and the chair's rights).
JURY_MAY = re.compile(r"^/jury/aufrufe/\d+/(rangliste|sitzung/$)")


def page_paths() -> list[str]:
    """Every page route (not admin internals, allauth or the API), with its parameters filled in."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern)

    paths = []
    for route in walk(get_resolver().url_patterns):
        if route.startswith(("admin/", "accounts/", "api/v1/", "static")) or "(?P" in route or "^" in route:
            continue
        for guess in GUESSED_IDS:
            paths.append("/" + re.sub(r"<int:\w+>", str(guess), re.sub(r"<str:\w+>", "approve", route)))
    return sorted(set(paths))


def api_operations() -> list[tuple[str, str]]:
    schema = full_schema()
    operations = []
    for path, item in schema["paths"].items():
        for guess in GUESSED_IDS:
            concrete = re.sub(r"\{[^}]+\}", str(guess), path)
            operations += [(method, concrete) for method in item if method in {"get", "post", "put", "patch", "delete"}]
    return sorted(set(operations))


@pytest.fixture
def world(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", verbosity=0, stdout=io.StringIO())
        call_command("load_demo_money", verbosity=0, stdout=io.StringIO())


def opened(response) -> bool:
    return 200 <= response.status_code < 300


def sweep(client, *, allowed) -> list[str]:
    leaks = []
    for path in page_paths():
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            if opened(response) and not allowed(method, path):
                leaks.append(f"{method.upper()} {path} → {response.status_code}")
    for method, path in api_operations():
        response = getattr(client, method)(path, {}, format="json") if method != "get" else client.get(path)
        if opened(response) and not allowed(method, path):
            leaks.append(f"{method.upper()} {path} → {response.status_code}")
    return leaks


@pytest.mark.slow
def test_anonymous_reaches_only_public_routes(world):
    def allowed(method, path):
        return path.lstrip("/") in PUBLIC_PAGES or bool(
            method == "get" and (PUBLIC_API.match(path) or PUBLIC_CALL_PAGES.match(path)))

    leaks = sweep(APIClient(raise_request_exception=False), allowed=allowed)
    assert leaks == [], "\n".join(leaks)


@pytest.mark.slow
@pytest.mark.parametrize("email", ["kommune@demo.example", "jury@demo.example"])
def test_applicants_and_jury_members_never_reach_staff_areas_or_foreign_cases(world, email):
    user = User.objects.get(email=email)
    client = APIClient(raise_request_exception=False)
    client.force_login(user)
    visible = set(applications_for_user(user).values_list("pk", flat=True))
    foreign = [pk for pk in Application.objects.values_list("pk", flat=True) if pk not in visible]
    assert foreign, "the demo world must hold applications of other municipalities"

    def allowed(method, path):
        if email.startswith("jury") and JURY_MAY.match(path):
            return True
        if STAFF_ONLY.match(path):
            return False
        case = re.match(r"^/(?:api/v1/)?(?:antraege|applications)/(\d+)/", path)
        return not (case and int(case.group(1)) in foreign and not email.startswith("jury"))

    leaks = sweep(client, allowed=allowed)
    assert leaks == [], "\n".join(leaks)
