"""A mapping written as a list by a child serializer bound once (foundation.api.MappingListField)."""

from decimal import Decimal

from rest_framework import serializers

from foundation.api import MappingListField, money


class _YearAmount(serializers.Serializer):
    year = serializers.IntegerField()
    amount = money()


class _Row(serializers.Serializer):
    by_year = MappingListField(child=_YearAmount(), key="year", value="amount", sort=True)
    as_given = MappingListField(child=_YearAmount(), key="year", value="amount")


ROWS = [{"by_year": {2028: Decimal("5.5"), 2027: Decimal("1234567.891")},
         "as_given": {2029: Decimal("1"), 2027: None}} for _ in range(50)]


def test_the_answer_is_the_child_serializers_list():
    data = _Row(ROWS, many=True).data
    expected = _YearAmount([{"year": 2027, "amount": Decimal("1234567.891")}, {"year": 2028, "amount": Decimal("5.5")}],
                           many=True).data
    assert data[0]["by_year"] == expected == [{"year": 2027, "amount": "1234567.89"}, {"year": 2028, "amount": "5.50"}]
    # without sort=True, the mapping's own order
    assert data[0]["as_given"] == [{"year": 2029, "amount": "1.00"}, {"year": 2027, "amount": None}]
    assert len(data) == 50


def test_no_serializer_is_built_per_row(monkeypatch):
    built = []
    init = serializers.BaseSerializer.__init__

    def counting(self, *args, **kwargs):
        built.append(type(self).__name__)
        init(self, *args, **kwargs)

    monkeypatch.setattr(serializers.BaseSerializer, "__init__", counting)
    counts = []
    for rows in (ROWS[:1], ROWS):
        built.clear()
        _Row(rows, many=True).data  # noqa: B018
        counts.append(built.count("_YearAmount"))
    assert counts[0] == counts[1] <= 2  # bound with the row serializer's two fields, not once per row


def test_the_ranking_rows_write_their_mappings_once_per_field():
    from jury.api.serializers import RankingRowSerializer

    fields = RankingRowSerializer().fields
    assert all(isinstance(fields[name], MappingListField) for name in ("means", "grant_by_year", "years_left"))
