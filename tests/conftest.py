import os

import pytest
from django.test import Client

from tests.factories import ApplicationFactory, CallFactory, MunicipalityFactory, complete_draft, member_of


@pytest.fixture(autouse=True)
def fresh_cache():
    """Every test starts with an empty cache: the ranking is cached per call and version of its inputs
    (jury.ranking), and on SQLite a rolled-back test's ids come back in the next one."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def call(db):
    return CallFactory()


@pytest.fixture
def lead(db):
    return MunicipalityFactory()


@pytest.fixture
def applicant(lead):
    return member_of(lead)


@pytest.fixture
def draft(call, lead, applicant):
    return ApplicationFactory(call=call, lead=lead, created_by=applicant)


@pytest.fixture
def complete(draft, applicant):
    return complete_draft(draft, user=applicant)


def _force_login_as_after_second_factor(self, user, backend=None):
    """`Client.force_login` skips allauth's login stages; for a user with TOTP, record that this
    session passed the second factor, as the real login would (accounts.mfa)."""
    from types import SimpleNamespace

    from allauth.account.internal.flows.login import record_authentication

    from accounts.mfa import has_totp

    _plain_force_login(self, user, backend)
    if has_totp(user):
        session = self.session
        record_authentication(SimpleNamespace(session=session), user, "mfa", type="totp")
        session.save()


_plain_force_login = Client.force_login
Client.force_login = _force_login_as_after_second_factor


# Tests that start other processes (manage.py, gunicorn, Celery workers, redis-server) and the
# exhaustive sweeps (the access-control matrix over every route × role, the schema fuzzing) take
# most of the suite's time. A plain `./scripts/test` leaves them out (the access table's
# completeness is still checked); CI (REQUIRE_SERVICES=1) and RUN_SLOW=1 run them. They are
# deselected, not skipped, so CI's "nothing skipped" check holds.
RUN_SLOW = os.environ.get("RUN_SLOW") == "1" or os.environ.get("REQUIRE_SERVICES") == "1"


def pytest_collection_modifyitems(config, items):
    if RUN_SLOW:
        return
    slow = [item for item in items if item.get_closest_marker("slow")]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if not item.get_closest_marker("slow")]


def pytest_report_header(config):
    if not RUN_SLOW:
        return "langsame Tests (Unterprozesse) ausgelassen: RUN_SLOW=1 ./scripts/test nimmt sie mit"
