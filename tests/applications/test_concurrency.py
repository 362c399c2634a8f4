"""Row locks under real concurrency (PostgreSQL): case numbers stay unique, a double submit counts once."""

import pytest

from applications import services
from applications.exceptions import ApplicationError
from tests import services as machine
from tests.factories import ApplicationFactory, CallFactory, MunicipalityFactory, complete_draft, member_of
from tests.services import run_parallel


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_submissions_get_distinct_case_numbers():
    machine.require_postgres()
    call = CallFactory()
    jobs = []
    for _ in range(8):
        lead = MunicipalityFactory()
        user = member_of(lead)
        app = complete_draft(ApplicationFactory(call=call, lead=lead, created_by=user), user=user)
        jobs.append(lambda u=user, a=app: services.submit_application(actor=u, application_id=a.pk).case_number)
    numbers = run_parallel(jobs)
    assert all(isinstance(n, str) for n in numbers), numbers
    assert sorted(n[-4:] for n in numbers) == [f"{i:04d}" for i in range(1, 9)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_double_click_submits_once():
    machine.require_postgres()
    lead = MunicipalityFactory()
    user = member_of(lead)
    app = complete_draft(ApplicationFactory(call=CallFactory(), lead=lead, created_by=user), user=user)
    results = run_parallel([lambda: services.submit_application(actor=user, application_id=app.pk)] * 2)
    assert sum(isinstance(r, ApplicationError) for r in results) == 1
    app.refresh_from_db()
    assert app.submissions == 1 and app.case_number.endswith("0001")
