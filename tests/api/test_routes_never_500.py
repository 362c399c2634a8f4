"""No API route answers 500, whatever is appended to it (issue 10, finding 5).

The routes come from the schema, so a new endpoint cannot be forgotten. Format suffixes
(`…/1.json/`, `…/receipts/0.5/`) used to raise TypeError in every action without a `format`
argument.
"""

import re

import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory, staff_user
from tests.schema import full_schema

SUFFIXES = ["", ".json", ".json/", "0.5/", ".api", "%00/", "1e30/"]


def api_paths() -> list[str]:
    schema = full_schema()
    return sorted(re.sub(r"\{[^}]+\}", "1", path) for path in schema["paths"])


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["applicant", "case_worker"])
def test_no_api_route_answers_500_to_odd_endings(role):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(staff_user(role) if role == "case_worker" else UserFactory(roles=[role]))
    paths = api_paths()
    assert len(paths) > 50
    failures = []
    for path in paths:
        for suffix in SUFFIXES:
            url = path.rstrip("/") + suffix if suffix.startswith(".") else path + suffix
            status = client.get(url).status_code
            if status >= 500:
                failures.append(f"{url} → {status}")
    assert failures == []


@pytest.mark.django_db
def test_exports_keep_their_file_endings():
    client = APIClient()
    client.force_authenticate(staff_user("case_worker"))
    response = client.get("/api/v1/staff/payments/exports/grants.xlsx")
    assert response.status_code == 202  # made in the background (downloads), see docs/downloads.md
    assert response.json()["kind"] == "payments.dashboard_xlsx"
    response = client.get("/api/v1/staff/payments/exports/grants.csv")
    assert response["Content-Type"].startswith("text/csv")
