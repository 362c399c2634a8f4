"""Every API list loads the columns its serializer shows and no others (`foundation.api.ShapedReadMixin`; one
named exception), and answers exactly as it did when it loaded every column (issue 13: "only the shown columns
loaded"). That no left-out column is then read row by row is tests/access/test_lists_load_no_deferred_field.py."""

import pytest
from django.db.models import QuerySet
from rest_framework import serializers

from accounts.models import User
from foundation.api import ShapedReadMixin, _shape_of
from payments.api.proofs_serializers import SettlementSerializer
from payments.models import Settlement

from .harness import RoleClient
from .test_list_plans import ROLES, requests

NOT_NARROWED = {
    "api-staff-payments-notice-run-list": "a run's total is the length of its grant ids, the one wide column",
}


def _answers(clients, world):
    """The JSON answer of every API list, plainly and with each filter value (tests/access/test_list_plans.py)."""
    out = {}
    for _key, url, query, role, _number in requests(world):
        if url.startswith("/api/"):
            response = clients[role].client.get(url, query)
            if response.status_code == 200 and response.get("Content-Type", "").startswith("application/json"):
                out[(url, str(query), role)] = response.json()
    return out


def test_the_shaped_lists_answer_as_with_every_column(world, db, monkeypatch):
    clients = {role: RoleClient(world, role) for role in ROLES}
    with_shape = _answers(clients, world)

    def every_column(cls, queryset: QuerySet):  # as before: the joins, each with all its columns
        return queryset.select_related(None).select_related(*sorted(_shape_of(cls).related))

    monkeypatch.setattr(ShapedReadMixin, "shaped", classmethod(every_column))
    assert _answers(clients, world) == with_shape
    assert len(with_shape) > 30


def test_a_shaped_list_reads_no_column_it_does_not_show():
    sql = str(SettlementSerializer.shaped(Settlement.objects.all()).query)
    assert '"first_name"' in sql and '"email"' in sql  # the people's names (User.display_name declares them)
    assert '"password"' not in sql and '"last_login"' not in sql
    assert '"report"' not in sql and '"summary"' not in sql  # the proof's and the application's texts


class _Unknown(ShapedReadMixin, serializers.ModelSerializer):
    name = serializers.CharField(source="get_full_name", read_only=True)  # a method that declares nothing

    class Meta:
        model = User
        fields = ["id", "name"]


class _Method(ShapedReadMixin, serializers.ModelSerializer):
    label = serializers.SerializerMethodField()  # and no `reads`

    class Meta:
        model = User
        fields = ["id", "label"]

    def get_label(self, user) -> str:
        return user.email


@pytest.mark.parametrize("serializer", [_Unknown, _Method])
def test_what_nobody_declared_loads_every_column(serializer):
    assert serializer.shaped(User.objects.all()).query.deferred_loading == (frozenset(), True)


def test_an_annotation_may_be_shown():
    from django.db.models import Value

    queryset = _Unknown.shaped(User.objects.annotate(get_full_name=Value("x")))
    assert queryset.query.deferred_loading == (frozenset({"id"}), False)
    assert _shape_of(_Unknown).unknown == {"get_full_name"}


def test_every_api_list_loads_only_the_columns_it_shows(world, db, monkeypatch):
    """A page of an API list is read from a queryset with `only()` (ShapedReadMixin, or a selector that names its
    columns), except the lists named in NOT_NARROWED with the reason."""
    from foundation.paging import Paginator

    pages = []
    page = Paginator.page

    def watched(self, number):
        rows = self.object_list  # a Python list (the ranking, the identity providers) has no columns to narrow
        pages.append(not isinstance(rows, QuerySet) or rows.query.deferred_loading[1] is False)
        return page(self, number)

    monkeypatch.setattr(Paginator, "page", watched)
    clients = {role: RoleClient(world, role) for role in ROLES}
    wide = set()
    for key, url, query, role, _number in requests(world):
        if url.startswith("/api/"):
            pages.clear()
            if clients[role].client.get(url, query).status_code == 200 and pages and not all(pages):
                wide.add(key)
    assert wide == set(NOT_NARROWED), "\n".join(sorted(wide))


def test_a_related_managers_list_loads_the_id_it_sets_the_known_object_by(db, django_assert_num_queries):
    """``session.decisions`` sets ``decision.session`` from each row's session id: left out, it was read row by row."""
    import datetime as dt

    from jury.api.serializers import DecisionSerializer
    from jury.models import Decision, Panel, Session
    from tests.factories import ApplicationFactory, CallFactory, UserFactory

    user = UserFactory()
    session = Session.objects.create(panel=Panel.objects.create(call=CallFactory()), held_on=dt.date(2027, 6, 1))
    for outcome in ("recommended", "reserve", "not_recommended"):
        Decision.objects.create(session=session, application=ApplicationFactory(), computed=outcome, outcome=outcome,
                                decided_by=user)
    with django_assert_num_queries(1):
        rows = list(DecisionSerializer.shaped(session.decisions.order_by("pk")))
        assert [row.session for row in rows] == [session] * 3
