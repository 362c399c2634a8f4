"""The test factories give keys that do not collide with keys a test wrote by hand."""

from tests.factories import LandkreisFactory, MunicipalityFactory


def test_a_municipality_key_given_by_hand_is_skipped(db):
    landkreis = LandkreisFactory(official_key="06433")
    MunicipalityFactory(landkreis=landkreis, official_key="06433002")
    MunicipalityFactory.reset_sequence(1)  # the sequence's next key would be 06433002
    assert MunicipalityFactory(landkreis=landkreis).official_key == "06433003"
