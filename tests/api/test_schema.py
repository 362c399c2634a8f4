"""The OpenAPI schema: valid, complete, and generated without warnings."""

import inspect

import pytest
import yaml
from django.core.management import call_command
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from tests.factories import UserFactory, staff_user

EXPECTED_PATHS = {
    "/api/v1/programs/": {"get"},
    "/api/v1/calls/": {"get"},
    "/api/v1/municipalities/": {"get"},
    "/api/v1/memberships/": {"get", "post"},
    "/api/v1/applications/": {"get", "post"},
    "/api/v1/applications/{id}/": {"get", "patch"},
    "/api/v1/applications/{id}/submit/": {"post"},
    "/api/v1/applications/{id}/resubmit/": {"post"},
    "/api/v1/applications/{id}/withdraw/": {"post"},
    "/api/v1/applications/{id}/start-check/": {"post"},
    "/api/v1/applications/{id}/return-for-revision/": {"post"},
    "/api/v1/applications/{id}/decide-eligibility/": {"post"},
    "/api/v1/applications/{id}/checklist/": {"get"},
    "/api/v1/applications/{id}/timeline/": {"get"},
    "/api/v1/applications/{id}/attachments/": {"get", "post"},
    "/api/v1/applications/{id}/attachments/{attachment_id}/": {"get", "delete"},
    "/api/v1/applications/{id}/receipts/{version}/": {"get"},
    "/api/v1/staff/applications/": {"get"},
    "/api/v1/staff/calls/": {"get"},
    "/api/v1/staff/memberships/": {"get"},
    "/api/v1/staff/memberships/{id}/approve/": {"post"},
    "/api/v1/staff/memberships/{id}/refuse/": {"post"},
}


def schema_as(user=None) -> dict:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    response = client.get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


@pytest.fixture
def schema(db):
    return schema_as(staff_user("case_worker"))


@pytest.mark.django_db
@pytest.mark.parametrize("role", [None, "applicant", "jury"])
def test_staff_endpoints_are_described_to_staff_only(role):
    paths = schema_as(UserFactory(roles=[role]) if role else None)["paths"]
    assert "/api/v1/applications/" in paths and "/api/v1/calls/" in paths
    assert not [path for path in paths if path.startswith("/api/v1/staff/")]
    assert any(path.startswith("/api/v1/jury/") for path in paths) == (role == "jury")


def test_schema_endpoint_returns_valid_openapi(schema):
    validate_schema(schema)  # raises on an invalid document
    assert schema["openapi"].startswith("3.")
    for path, methods in EXPECTED_PATHS.items():
        assert path in schema["paths"], path
        assert methods <= set(schema["paths"][path]), (path, set(schema["paths"][path]))


def test_money_is_a_decimal_string(schema):
    components = schema["components"]["schemas"]
    for component, field in [
        ("ApplicationDetail", "grant_amount"),
        ("CostLine", "amount"),
        ("Figures", "own_share"),
        ("StaffApplication", "eligible_costs"),
        ("CostLineInputRequest", "amount"),
        ("Call", "total_budget"),
    ]:
        prop = components[component]["properties"][field]
        assert prop["type"] == "string" and prop["format"] == "decimal", (component, field, prop)


def test_upload_is_multipart_and_downloads_are_pdf(schema):
    upload = schema["paths"]["/api/v1/applications/{id}/attachments/"]["post"]
    assert set(upload["requestBody"]["content"]) == {"multipart/form-data"}
    download = schema["paths"]["/api/v1/applications/{id}/receipts/{version}/"]["get"]
    assert "application/pdf" in download["responses"]["200"]["content"]


def test_schema_generates_without_warnings(db, tmp_path):
    # --fail-on-warn turns every drf-spectacular warning (e.g. an untyped field) into an error.
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml")
    )
    assert (tmp_path / "schema.yml").read_text().startswith("openapi:")


def test_api_root_lists_the_endpoints(db):
    client = APIClient()
    client.force_authenticate(UserFactory())
    response = client.get("/api/v1/")
    assert response.status_code == 200
    assert {"programs", "calls", "applications", "memberships", "municipalities"} <= set(
        response.data
    )


def test_fields_that_can_be_empty_say_so_in_the_schema(schema):
    """Issue 10.9: answers must match the schema — a municipality without Landkreis, an affiliation
    with an organisation instead of a municipality, a member who is not excluded."""
    components = schema["components"]["schemas"]
    with_landkreis = [name for name, component in components.items()
                      if "landkreis_name" in component.get("properties", {})]
    assert with_landkreis
    for name in with_landkreis:
        assert components[name]["properties"]["landkreis_name"].get("nullable") is True, name
    assert components["Affiliation"]["properties"]["municipality"].get("nullable") is True
    kinds = [component["properties"]["exclusion_kind"] for component in components.values()
             if "exclusion_kind" in component.get("properties", {})]
    assert kinds and all("BlankEnum" in str(kind) for kind in kinds)


@pytest.mark.django_db
def test_the_schema_is_generated_once_per_language_and_still_filtered_per_role(monkeypatch):
    """A public URL that costs seconds of CPU per call would be a denial of service; the schema changes only with
    a deploy, so it is generated once per process and language, and each role still sees only its part."""
    from drf_spectacular.generators import SchemaGenerator

    from accounts import schema as role_schema

    monkeypatch.setattr(role_schema, "_generated", {})
    calls = []
    real = SchemaGenerator.get_schema
    monkeypatch.setattr(SchemaGenerator, "get_schema", lambda self, **kw: calls.append(1) or real(self, **kw))
    staff_paths = schema_as(staff_user("case_worker"))["paths"]
    public_paths = schema_as()["paths"]
    schema_as(UserFactory(roles=["jury"]))
    assert len(calls) == 1
    assert any(p.startswith("/api/v1/staff/") for p in staff_paths)
    assert not any(p.startswith("/api/v1/staff/") for p in public_paths)
    from django.conf import settings

    client = APIClient()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/api/schema/")
    assert english.status_code == 200 and len(calls) == 2


def test_the_schema_describes_for_its_users_not_from_docstrings(schema):
    """The docstrings are notes for developers (English, with the code's names, how a list is read); the schema's
    descriptions are written for the API's users, in German (DISABLE_DOCSTRING_DESCRIPTIONS): no docstring of a
    serializer, a view or the plumbing they derive from appears in it."""
    import rest_framework.serializers
    import rest_framework.views

    from foundation.api import RejectUnknownFieldsMixin, ShapedReadMixin
    from tests.foundation.test_api_fields import PROJECT, project_classes

    documented = [cls for base in (rest_framework.serializers.BaseSerializer, rest_framework.views.APIView)
                  for cls in project_classes(base) if cls.__doc__]
    documented += [ShapedReadMixin, RejectUnknownFieldsMixin]
    assert {cls.__module__.split(".")[0] for cls in documented} <= PROJECT
    notes = {inspect.cleandoc(cls.__doc__).split("\n")[0][:50] for cls in documented}
    components = schema["components"]["schemas"]
    texts = [component.get("description", "") for component in components.values()]
    texts += [operation.get("description", "") for operations in schema["paths"].values()
              for operation in operations.values() if isinstance(operation, dict)]
    texts += [prop.get("description", "") for component in components.values()
              for prop in component.get("properties", {}).values()]
    assert len(notes) > 10
    assert sorted(note for note in notes if any(note in text for text in texts)) == []
    assert "description" not in components["Affiliation"]  # nothing written for it
    assert components["Assignment"]["description"].startswith("Eine Ihnen zugewiesene Bewertung")
    assert components["Recovery"]["properties"]["position"]["description"].startswith("Zinsen bis zum Stichtag")


# ---------------------------------------------------------------- each reader is described what it may use

def _operations(schema: dict) -> set[tuple[str, str]]:
    return {(path, method) for path, item in schema["paths"].items() for method, operation in item.items()
            if isinstance(operation, dict)}


def _route_key(path: str) -> str:
    """The URL name of an operation's path: its parameters filled with a value their pattern takes (digits for ids;
    a UUID for a download, a word for a kind of document or export)."""
    import re

    from django.urls import Resolver404, resolve

    path = path.replace("{public_id}", "00000000-0000-4000-8000-000000000001").replace("{kind}", "minutes")
    for value in ("1", "grants"):
        try:
            return resolve(re.sub(r"\{[^}]+\}", value, path)).url_name
        except Resolver404:
            continue
    raise AssertionError(f"no route for {path}")


# The readers and the roles of the access table (tests/access/table.py) they stand for: a jury member without a
# panel stands for every kind of panel member (the chair's operations answer the chair of the panel asked for).
READERS = {"applicant": ("applicant",), "jury": ("juror", "chair", "excluded", "other_juror"),
           "case_worker": ("case_worker",), "approver": ("approver",), "admin": ("admin",)}


def _reader(name):
    return staff_user(name) if name in {"case_worker", "approver", "admin"} else UserFactory(roles=[name])


def _granted(route_key: str, method: str) -> set[str]:
    """The roles of the access table that may use the operation for some object."""
    from tests.access.table import expectation

    expect = expectation(route_key)
    return set().union(*(expect.see if method == "get" else expect.act).values())


def _allowed(route_key: str, method: str, roles) -> bool:
    return bool(_granted(route_key, method) & set(roles))


def _decided_by_the_object(route_key: str, method: str) -> bool:
    """A member of the object's panel or municipality may use it: whether a reader may is decided by the rules of the
    object (jury.rules, applications.rules: the chair of this panel, a member of that municipality), which the
    schema cannot ask, so the permissions asked of the reader alone let every signed-in reader pass."""
    from tests.access.table import JURY, MEMBERS

    return bool(_granted(route_key, method) & (JURY | MEMBERS))


@pytest.mark.django_db
@pytest.mark.parametrize("reader", list(READERS))
def test_each_reader_is_described_what_the_permissions_let_it_use(reader):
    """The schema describes an operation to a reader exactly when the operation's permissions let the reader use it
    for some object, checked against the access table (written out from the rules, and itself checked against the
    answers of every route): an operation described is one the reader may use; one left out, the reader may not
    (the jury's operations are described to the jury and staff only)."""
    everything = _operations(schema_as(staff_user("admin"))) | _operations(schema_as(staff_user("approver")))
    described = _operations(schema_as(_reader(reader)))
    roles = READERS[reader]
    # the municipality's operations are described to every reader (portals build on them): their permissions depend
    # on the municipality of the object alone (tested for the applicant, and for those not signed in, below)
    public = _operations(schema_as()) if reader != "applicant" else set()
    assert sorted(op for op in described - public if not _allowed(_route_key(op[0]), op[1], roles)
                  and not _decided_by_the_object(_route_key(op[0]), op[1])) == []
    assert sorted(op for op in everything - described if _allowed(_route_key(op[0]), op[1], roles)
                  and not (reader == "applicant" and op[0].startswith("/api/v1/jury/"))) == []


@pytest.mark.django_db
def test_a_juror_is_not_described_the_case_workers_jury_operations():
    """Found in stop 29: the jury area was described whole to jury members, the case workers' operations in it
    and the components they answer with included."""
    juror = schema_as(UserFactory(roles=["jury"]))
    case_worker = schema_as(staff_user("case_worker"))
    for schema, described in ((juror, False), (case_worker, True)):
        assert ("/api/v1/jury/panels/{id}/assignments/" in schema["paths"]) is described
        assert ("/api/v1/jury/sheets/{id}/reopen/" in schema["paths"]) is described
        assert ("StaffAssignment" in schema["components"]["schemas"]) is described
    assert "get" in juror["paths"]["/api/v1/jury/assignments/"]
    assert "Assignment" in juror["components"]["schemas"]


@pytest.mark.django_db
def test_a_reader_who_is_not_signed_in_is_described_the_municipalitys_operations_and_their_parts_only():
    """A portal's developer reads the schema before having an account: it describes what a person of a municipality
    may use, and names no component of the ministry's or the jury's operations."""
    public = schema_as()
    applicant = schema_as(UserFactory(roles=["applicant"]))
    assert _operations(public) == _operations(applicant)
    assert "/api/v1/applications/{id}/submit/" in public["paths"]
    assert not [path for path in public["paths"] if path.startswith(("/api/v1/staff/", "/api/v1/jury/"))]
    assert "/api/v1/applications/{id}/start-check/" not in public["paths"]
    assert "amend" not in str(sorted(public["paths"]))
    components = public["components"]["schemas"]
    assert {"ApplicationDetail", "Municipality"} <= set(components)
    assert not {"StaffAssignment", "Settlement", "Recovery", "GrantDecision", "PaymentRun"} & set(components)
    # every component kept is referred to, directly or through another kept one
    import json

    text = json.dumps(public["paths"]) + json.dumps(components)
    assert [name for name in components if f'"#/components/schemas/{name}"' not in text] == []
