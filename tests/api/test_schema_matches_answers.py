"""The schema describes what the API answers (issue 10.9): every GET that the schema documents as a
paginated page answers with a page, and every documented list answers with a list — checked on the
demo world as case worker, applicant and jury member, so a new endpoint cannot drift unnoticed."""

import io
import re

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.models import User
from tests.schema import full_schema

ROLES = ["sachbearbeitung@demo.example", "kommune@demo.example", "jury@demo.example"]


@pytest.mark.django_db
def test_lists_and_pages_are_what_the_schema_says(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", verbosity=0, stdout=io.StringIO())
        call_command("load_demo_money", verbosity=0, stdout=io.StringIO())
    schema = full_schema()
    drift, checked = [], 0
    for email in ROLES:
        client = APIClient()
        client.force_login(User.objects.get(email=email))
        for path, item in schema["paths"].items():
            content = item.get("get", {}).get("responses", {}).get("200", {}).get("content", {})
            body = content.get("application/json", {}).get("schema", {})
            paginated, listed = "Paginated" in body.get("$ref", ""), body.get("type") == "array"
            if not (paginated or listed):
                continue
            for guess in (1, 2, 3):
                response = client.get(re.sub(r"\{[^}]+\}", str(guess), path))
                if response.status_code != 200:
                    continue
                data = response.json()
                checked += 1
                if paginated and not (isinstance(data, dict) and "results" in data):
                    drift.append(f"{path}: documented as a page, answers {type(data).__name__}")
                if listed and not isinstance(data, list):
                    drift.append(f"{path}: documented as a list, answers {type(data).__name__}")
                break
    assert checked > 20
    assert sorted(set(drift)) == []
