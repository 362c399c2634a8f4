"""The schema documents every error an operation can answer, with the body the API really sends
(issue 10.9; foundation.api.ApiAutoSchema and exception_handler), and errors outside DRF answer JSON
under /api/ too."""

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.test import APIClient

from foundation.api import exception_handler
from tests.factories import UserFactory, staff_user
from tests.schema import full_schema

WRITES = {"post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema():
    return full_schema()


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in WRITES | {"get"}:
                yield path, method, operation


def error_ref(operation, status):
    return operation["responses"][status]["content"]["application/json"]["schema"]["$ref"]


def test_every_operation_documents_its_errors_with_their_body(schema):
    checked = 0
    for path, method, operation in operations(schema):
        where = f"{method.upper()} {path}"
        for status in ("401", "403"):
            assert error_ref(operation, status) == "#/components/schemas/Error", where
        if "{" in path or "requestBody" in operation:  # an id in the path or the body can miss
            assert error_ref(operation, "404") == "#/components/schemas/Error", where
        if method in WRITES:
            assert error_ref(operation, "400") == "#/components/schemas/ValidationError", where
            assert error_ref(operation, "413") == "#/components/schemas/Error", where
            assert error_ref(operation, "503") == "#/components/schemas/Error", where
            assert operation["responses"]["503"]["headers"]["Retry-After"]["required"] is True, where
        assert "429" not in operation["responses"], f"{where}: no view is throttled"
        checked += 1
    assert checked > 100
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail"]


def test_only_reads_with_input_claim_a_400(schema):
    assert "400" not in schema["paths"]["/api/v1/applications/{id}/"]["get"]["responses"]
    assert "400" not in schema["paths"]["/api/v1/calls/"]["get"]["responses"]  # a wrong page is a 404
    assert "404" in schema["paths"]["/api/v1/calls/"]["get"]["responses"]
    assert "400" in schema["paths"]["/api/v1/applications/"]["get"]["responses"]  # ?state=, ?search=
    assert "400" in schema["paths"]["/api/v1/staff/applications/"]["get"]["responses"]  # filters
    assert "400" in schema["paths"]["/api/v1/jury/panels/{id}/ranking/"]["get"]["responses"]  # ?budget=


def test_money_actions_require_the_idempotency_key_header_and_only_they(schema):
    with_key = set()
    for path, method, operation in operations(schema):
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "header" and parameter["name"] == "Idempotency-Key":
                assert parameter["required"] is True
                assert parameter["schema"]["pattern"] == r"^[A-Za-z0-9._:-]{8,100}$"
                with_key.add(f"{method.upper()} {path}")
    assert "POST /api/v1/payments/disbursements/" in with_key
    assert "POST /api/v1/staff/payments/decisions/{id}/confirm/" in with_key
    assert "POST /api/v1/applications/" not in with_key
    assert len(with_key) == 12  # the twelve @idempotent_api actions of payments/api


@pytest.mark.django_db
def test_a_path_no_route_matches_answers_json_under_api_and_a_page_elsewhere(client):
    api = APIClient()
    api.force_authenticate(UserFactory(roles=["applicant"]))
    response = api.get("/api/v1/nichts-hier/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Nicht gefunden."}
    page = client.get("/nichts-hier/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")


@pytest.mark.django_db
@pytest.mark.parametrize("pk", ["%C3%AE-", "0", "9223372036854775808", "abc"])
def test_a_mangled_outbox_id_is_a_404_not_a_500(pk):
    api = APIClient(raise_request_exception=False)
    api.force_authenticate(staff_user("case_worker"))
    response = api.post(f"/api/v1/staff/outbox/{pk}/retry/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Nicht gefunden."}


def test_error_bodies_have_one_shape():
    several = exception_handler(DjangoValidationError(["Erstens falsch.", "Zweitens falsch."]), {})
    assert several.status_code == 400
    assert several.data == {"detail": "Erstens falsch. Zweitens falsch."}
    plain = exception_handler(serializers.ValidationError("Nicht in diesem Status."), {})
    assert plain.status_code == 400
    assert plain.data == {"detail": "Nicht in diesem Status."}
    fields = exception_handler(serializers.ValidationError({"amount": ["Kein Betrag."]}), {})
    assert fields.data == {"amount": ["Kein Betrag."]}
