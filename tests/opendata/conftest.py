import pytest

from tests.opendata.factories import open_data_world


@pytest.fixture
def world(db):
    return open_data_world()
