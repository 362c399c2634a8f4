"""Storing a rendered grant notice is a handful of queries (issue 13: notices at WeasyPrint's speed), whatever
the number of the municipality's members, budget years and proofs."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from outbox.models import OutboxMessage
from payments.enums import GrantState
from payments.models import Notice, ProofCostLine, ProofOfUse
from payments.services import decisions as services
from payments.services.common import grantee_addresses
from tests.factories import member_of
from tests.payments.factories import make_grant

pytestmark = pytest.mark.django_db
# 14 queries in a worker (16 before schedule_proofs kept the proofs it creates; once 52 with four members and two
# budget years, growing with both); in a test the service's transaction adds its savepoints, and the first audit
# entry may look up its content type.
MAX_QUERIES = 19


def grant_with(members: int, years: dict):
    grant = make_grant(state=GrantState.APPROVED, issued_on=None, with_bank_account=False, years=years,
                       start=dt.date(2027, 3, 1), end=dt.date(max(years), 12, 31))
    for _ in range(members):
        member_of(grant.application.lead)
    return grant


def store(grant) -> tuple[Notice, int]:
    with CaptureQueriesContext(connection) as ctx:
        notice = services.issue_grant_notice(grant_id=grant.pk, pdf_bytes=b"%PDF-1.7 bescheid", figures={"x": 1},
                                             issued_on=dt.date(2027, 2, 1))
    return notice, len(ctx.captured_queries)


@pytest.mark.parametrize(("members", "years"), [(1, {2027: "1"}), (8, {2027: "1", 2028: "1", 2029: "1"})])
def test_storing_a_notice_takes_a_handful_of_queries(members, years, django_assert_max_num_queries):
    grant = grant_with(members, years)
    with django_assert_max_num_queries(MAX_QUERIES):
        notice = services.issue_grant_notice(grant_id=grant.pk, pdf_bytes=b"%PDF-1.7 bescheid", figures={"x": 1},
                                             issued_on=dt.date(2027, 2, 1))
    # …and still does all it did: the notice, the state, the proofs with their lines, one mail per member
    grant.refresh_from_db()
    assert notice.version == 1 and grant.state == GrantState.NOTICE_ISSUED
    proofs = ProofOfUse.objects.filter(grant=grant)
    assert proofs.filter(kind="final").count() == 1 and proofs.count() >= len(years)
    for proof in proofs:  # laid out like the plan: one line per budget year, the final proof all of them
        expected = 1 if proof.kind == "interim" else len(years)
        assert ProofCostLine.objects.filter(proof=proof).count() == expected, proof.kind
    addresses = set(grantee_addresses(grant.application))
    assert len(addresses) >= members
    assert set(OutboxMessage.objects.filter(task="accounts.tasks.send_email").values_list(
        "kwargs__to", flat=True)) == addresses


def test_the_count_does_not_grow_with_members_or_years():
    one = store(grant_with(1, {2027: "1"}))[1]
    many = store(grant_with(8, {2027: "1", 2028: "1", 2029: "1"}))[1]
    assert many == one


def test_storing_twice_returns_the_first_notice_and_changes_nothing():
    grant = grant_with(2, {2027: "1"})
    first, _ = store(grant)
    again, queries = store(grant)
    assert again.pk == first.pk and Notice.objects.filter(grant=grant).count() == 1
    assert queries <= 5
    assert OutboxMessage.objects.filter(task="accounts.tasks.send_email").count() == len(
        grantee_addresses(grant.application))
