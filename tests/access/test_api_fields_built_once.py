"""Every API list answers the same, as every role and with every filter, with the fields each model serializer
built once (`foundation.api.ModelSerializer`) as with the fields DRF builds for each answer
(tests/foundation/test_api_fields.py compares the fields themselves)."""

from rest_framework import serializers

from foundation.api import ModelSerializer

from .harness import RoleClient
from .test_api_lists_load_shown_columns import _answers
from .test_list_plans import ROLES


def test_the_lists_answer_as_with_fields_built_for_each_answer(world, db, monkeypatch):
    clients = {role: RoleClient(world, role) for role in ROLES}
    built_once = _answers(clients, world)
    monkeypatch.setattr(ModelSerializer, "get_fields", serializers.ModelSerializer.get_fields)
    assert _answers(clients, world) == built_once
    assert len(built_once) > 30
