import pytest

from tests.factories import ApplicationFactory, CallFactory, MunicipalityFactory, complete_draft, member_of


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
