"""Every list the API answers is bounded (issue 13): a GET whose answer is a JSON array must be a page.

The guard walks the OpenAPI schema (drf-spectacular, as the whole world sees it): every GET operation
whose success answer is a bare array — not a paginated object with ``count``/``next``/``previous``/
``results`` — fails, unless it is in ALLOWED with the reason it cannot grow with the cases. A new list
endpoint, or an action with ``pagination_class=None``, fails here until it paginates (DRF's
DEFAULT_PAGINATION_CLASS: ``?page=``, 50 per page) or is added below with its reason.

tests/api/test_schema_matches_answers.py checks that the answers are what the schema says; the pages of
the portal have their own guard (tests/access/test_every_list_is_paginated.py).
"""

import pytest
from drf_spectacular.generators import SchemaGenerator

# path → why the array cannot grow with the number of cases
ALLOWED = {
    "/api/v1/applications/{id}/attachments/": "the attachments of one application (capped by the upload limit)",
    "/api/v1/applications/{id}/checklist/": "the fixed checklist of the formal check",
    "/api/v1/applications/{id}/timeline/": "the history of one application",
    "/api/v1/jury/applications/{id}/sheets/": "one score sheet per member of one panel",
    "/api/v1/jury/panels/{id}/workload/": "one row per member of one panel",
    "/api/v1/jury/panels/{id}/sessions/": "the sessions of one panel (a few per call)",
    "/api/v1/staff/payments/base-rates/": "two base rates a year (§ 247 BGB)",
}


def unpaginated_lists(schema: dict) -> dict[str, str]:
    """Path → operation id of every GET whose success answer is a bare JSON array."""
    found = {}
    for path, item in schema["paths"].items():
        operation = item.get("get")
        if operation is None:
            continue
        for code, answer in operation.get("responses", {}).items():
            if not str(code).startswith("2"):
                continue
            for content in answer.get("content", {}).values():
                if content.get("schema", {}).get("type") == "array":
                    found[path] = operation.get("operationId", "")
    return found


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_every_list_endpoint_is_paginated_or_named_bounded(schema):
    unbounded = {path: op for path, op in unpaginated_lists(schema).items() if path not in ALLOWED}
    assert unbounded == {}, (
        "lists without pagination: paginate them (self.paginate_queryset / get_paginated_response) or add "
        f"them to ALLOWED with the reason they are bounded: {unbounded}")


def test_the_allowlist_names_only_lists_that_exist(schema):
    stale = sorted(set(ALLOWED) - set(unpaginated_lists(schema)))
    assert stale == [], f"entries of ALLOWED that are no longer unpaginated lists: {stale}"


def test_lists_are_paginated_with_the_standard_envelope(schema):
    """The paginated answers are DRF's page: count, next, previous, results."""
    components = schema["components"]["schemas"]
    pages = [name for name in components if name.startswith("Paginated")]
    assert len(pages) > 15
    for name in pages:
        assert {"count", "next", "previous", "results"} <= set(components[name]["properties"]), name


def test_the_check_finds_a_bare_array():
    fake = {"paths": {"/api/v1/x/": {"get": {"operationId": "x_list", "responses": {"200": {"content": {
        "application/json": {"schema": {"type": "array", "items": {}}}}}}}},
        "/api/v1/y/": {"get": {"responses": {"200": {"content": {"application/json": {"schema": {
            "$ref": "#/components/schemas/PaginatedYList"}}}}}}}}}
    assert unpaginated_lists(fake) == {"/api/v1/x/": "x_list"}
