"""Security headers (issue 10, finding 6): a strict CSP without inline script, a Permissions-Policy,
and no-store on everything a logged-in user sees."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests.factories import UserFactory, api_key_for, staff_user


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/api/docs/", "/impressum/"])
def test_every_page_has_a_strict_csp_and_a_permissions_policy(client, path):
    response = client.get(path)
    assert response.status_code == 200
    csp = directives(response)
    assert csp["script-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_api_docs_load_their_start_script_as_a_file(client):
    html = client.get("/api/docs/").content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert client.get("/api/docs/?script=").status_code == 200


@pytest.mark.django_db
def test_anonymous_pages_may_be_cached_but_logged_in_ones_not(client):
    assert "no-store" not in client.get("/").get("Cache-Control", "")
    client.force_login(UserFactory(roles=["applicant"]))
    for path in ["/", "/antraege/", "/konto/api-schluessel/"]:
        cache_control = client.get(path)["Cache-Control"]
        assert "no-store" in cache_control and "private" in cache_control, path


@pytest.mark.django_db
def test_staff_pages_and_api_answers_are_not_stored(client):
    client.force_login(staff_user("case_worker"))
    assert "no-store" in client.get("/pruefung/aufrufe/")["Cache-Control"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(UserFactory(roles=['applicant']))}")
    assert "no-store" in api.get("/api/v1/applications/")["Cache-Control"]


def test_no_template_has_inline_script_or_event_handlers():
    roots = [Path(settings.BASE_DIR) / "templates", *Path(settings.BASE_DIR).glob("*/templates")]
    offenders = []
    for root in roots:
        for path in root.rglob("*.html"):
            text = path.read_text()
            # a JSON-LD data block is never executed (grants/public.py escapes its content like json_script)
            inline = re.search(r"<script(?![^>]*\bsrc=)(?![^>]*\btype=\"application/ld\+json\")[^>]*>", text)
            if inline or re.search(r"\son[a-z]+\s*=\s*[\"']", text):
                offenders.append(str(path))
    assert offenders == []
