"""LabelField: a choice's label in an answer, read without DRF's signature check per row (foundation.api)."""

from unittest import mock

import pytest
from django.utils import translation
from rest_framework import serializers

from foundation.api import LabelField
from outbox.models import OutboxMessage

pytestmark = pytest.mark.django_db


class _Rows(serializers.Serializer):
    state_label = LabelField("state")


def test_the_label_of_the_choice_in_the_active_language():
    row = OutboxMessage(key="k", task="t", state=OutboxMessage.State.DONE)
    with translation.override("de"):
        german = _Rows(row).data["state_label"]
    with translation.override("en"):
        english = _Rows(row).data["state_label"]
    assert (german, english) == ("erledigt", "done")


def test_no_signature_is_inspected_per_row():
    rows = [OutboxMessage(key=f"k{i}", task="t", state=OutboxMessage.State.PENDING) for i in range(3)]
    with mock.patch("inspect.signature", side_effect=AssertionError("inspected")):
        data = _Rows(rows, many=True).data
    assert [r["state_label"] for r in data] == [rows[0].get_state_display()] * 3
