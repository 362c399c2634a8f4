"""Schema-driven fuzzing (issue 10): every operation the schema describes to a role, fed with data that
fits the schema and data that does not, answers without a 5xx and exactly as the schema says
(status code, content type, body).

Runs in-process against the WSGI app on the demo world, once with an applicant's API key and once
with a case worker's (scope "write", so POST/PATCH/DELETE are fuzzed too; they may change the world).
Each role reads its own schema from /api/schema/ (RoleSchemaView), so the fuzzing covers what that
role is told. Bounded and reproducible: FUZZ_EXAMPLES cases per operation and generation mode
(default 3), a fixed seed (hypothesis ``derandomize``); FUZZ_EXAMPLES=50 for a longer local run
(docs/security.md, "Fuzzing").
"""

import io
import os
import time
from collections import Counter, defaultdict

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import ApiToken, User
from accounts.services import create_api_token

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))  # per generation mode: 6 cases per operation
DEADLINE_SECONDS = float(os.environ.get("FUZZ_DEADLINE", "240"))  # per role: a safety net, not the plan
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]
ROLES = {"applicant": "kommune@demo.example", "case_worker": "sachbearbeitung@demo.example"}
IDS = (1, 2, 3)  # the demo world's first objects: real ids reach further than random ones (mostly 404)

pytestmark = [pytest.mark.slow, pytest.mark.fuzz, pytest.mark.django_db]


@pytest.fixture
def demo_world(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", verbosity=0, stdout=io.StringIO())
        call_command("load_demo_money", verbosity=0, stdout=io.StringIO())


@pytest.fixture
def app():
    """The real WSGI app, in-process. Like Django's test client, it must not close the database connection
    at the end of a request: that would end the test's transaction (on PostgreSQL)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def api_key(email: str) -> str:
    user = User.objects.get(email=email)
    _token, key = create_api_token(user=user, name="Fuzzing", scope=ApiToken.Scope.WRITE, days=30,
                                   second_factor_passed=True)
    return key


def strategy(operation):
    """Cases that fit the schema and cases that do not; where the path has an id, most fitting cases use a
    real one (1, 2 or 3) rather than a random number that is always a 404."""
    names = [p.name for p in operation.path_parameters]
    strategies = []
    for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
        strategies.append(operation.as_strategy(generation_mode=mode))
        if names and mode.is_positive:
            strategies += [operation.as_strategy(generation_mode=mode, path_parameters=dict.fromkeys(names, i))
                           for i in IDS]
    return st.one_of(strategies)


def fuzz(schema, headers: dict, app) -> tuple[dict, Counter]:
    """Returns the findings per operation and how often each status code was answered."""
    failures: dict[str, set[str]] = defaultdict(set)
    statuses: Counter = Counter()
    started = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        if time.monotonic() - started > DEADLINE_SECONDS:
            failures["(deadline)"].add(f"stopped before {operation.label}: raise FUZZ_DEADLINE or lower examples")
            break

        @settings(max_examples=EXAMPLES * 2, derandomize=True, deadline=None, database=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=strategy(operation))
        def run(case):
            try:
                statuses[case.call_and_validate(app=app, headers=headers, checks=CHECKS).status_code] += 1
            except schemathesis.errors.FailureGroup as group:
                statuses["failed"] += 1
                for failure in group.exceptions:
                    found = f"{failure.title}: {failure.message[:300]}\n  {case.as_curl_command()}"
                    failures[operation.label].add(found)

        run()
    return failures, statuses


def test_fuzzing_finds_no_server_error_and_no_schema_violation(demo_world, app):
    """One world for both roles (loading it is half the run): the applicant first, then the case worker
    on whatever the applicant's requests left behind."""
    report = []
    for role, email in ROLES.items():
        headers = {"Authorization": f"Token {api_key(email)}"}
        schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", app, headers=headers)
        operations = [result.ok() for result in schema.get_all_operations()]
        staff_only = [op.label for op in operations if " /api/v1/staff/" in op.label]
        assert (len(staff_only) > 10) == (role == "case_worker")  # each role fuzzes what it is shown
        failures, statuses = fuzz(schema, headers, app)
        assert statuses.total() >= len(operations) * 2, statuses  # Hypothesis stops early where few cases exist
        # the key works and real ids are hit: a good part of the answers are successes, not only 4xx
        assert sum(n for code, n in statuses.items() if code != "failed" and code < 300) > len(operations) // 2, \
            statuses
        report += [f"{role}: {label}\n  " + "\n  ".join(sorted(found)[:3]) for label, found in sorted(failures.items())]
    assert not report, f"{len(report)} operations answered against the schema or with 5xx:\n" + "\n".join(report)
