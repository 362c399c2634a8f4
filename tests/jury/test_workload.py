"""The members' workload (`jury.selectors.workload`): its counts are taken in one statement of its own; here they are
compared with Django's own counting over a panel with every kind of assignment, and the rows are checked as the
pages and the API use them."""

from django.db.models import Count, Q

from jury.enums import Declaration, ExclusionKind, SheetState
from jury.models import Assignment, PanelMember, ScoreSheet
from jury.selectors import workload
from tests.factories import UserFactory

from .factories import ApplicationInEvaluationFactory, PanelFactory, PanelMemberFactory


def _counted_by_django(panel) -> list[tuple]:
    members = (PanelMember.objects.filter(panel=panel)
               .annotate(n_assigned=Count("assignments", filter=Q(assignments__assigned=True)),
                         n_done=Count("assignments", filter=Q(assignments__assigned=True,
                                                               assignments__sheet__state=SheetState.SUBMITTED)),
                         n_excluded=Count("assignments", filter=Q(assignments__excluded=True)))
               .order_by("user__last_name", "user__email", "pk"))
    return [(m.pk, m.n_assigned, m.n_done, m.n_excluded) for m in members]


def test_counts_agree_with_djangos_over_every_kind_of_assignment(db, django_assert_num_queries):
    panel = PanelFactory()
    other_panel = PanelFactory()
    apps = [ApplicationInEvaluationFactory(call=panel.call) for _ in range(4)]
    people = [UserFactory(roles=["jury"], first_name=first, last_name=last, email=f"{first.lower()}@jury.example")
              for first, last in (("Zora", "Albers"), ("Anna", "Albers"), ("Ben", "Zeller"), ("Cem", "Mertens"))]
    busy, excluded, idle, reopened = (PanelMemberFactory(panel=panel, user=person) for person in people)
    elsewhere = PanelMemberFactory(panel=other_panel, user=people[0])  # the same person on another panel
    for i, app in enumerate(apps):
        a = Assignment.objects.create(member=busy, application=app, assigned=True,
                                      declaration=Declaration.NO_CONFLICT)
        ScoreSheet.objects.create(assignment=a, state=SheetState.SUBMITTED if i < 3 else SheetState.DRAFT)
    # a sheet submitted before its assignment was taken back counts as neither assigned nor done
    gone = Assignment.objects.create(member=reopened, application=apps[0], assigned=False,
                                     declaration=Declaration.NO_CONFLICT)
    ScoreSheet.objects.create(assignment=gone, state=SheetState.SUBMITTED)
    again = Assignment.objects.create(member=reopened, application=apps[1], assigned=True,
                                      declaration=Declaration.NO_CONFLICT)
    ScoreSheet.objects.create(assignment=again, state=SheetState.REOPENED)
    Assignment.objects.create(member=excluded, application=apps[2], assigned=False, excluded=True,
                              exclusion_kind=ExclusionKind.DECLARED, declaration=Declaration.CONFLICT)
    Assignment.objects.create(member=excluded, application=apps[3], assigned=True,
                              declaration=Declaration.PENDING)
    other_app = ApplicationInEvaluationFactory(call=other_panel.call)
    ScoreSheet.objects.create(state=SheetState.SUBMITTED, assignment=Assignment.objects.create(
        member=elsewhere, application=other_app, assigned=True, declaration=Declaration.NO_CONFLICT))

    with django_assert_num_queries(1):
        rows = workload(panel)
    assert [(m.pk, m.n_assigned, m.n_done, m.n_excluded) for m in rows] == _counted_by_django(panel)
    assert [(m.user.display_name, m.n_assigned, m.n_done, m.n_excluded) for m in rows] == [
        ("Anna Albers", 1, 0, 1), ("Zora Albers", 4, 3, 0), ("Cem Mertens", 1, 0, 0), ("Ben Zeller", 0, 0, 0)]
    assert [m.pk for m in rows] == [excluded.pk, busy.pk, reopened.pk, idle.pk]
    assert workload(other_panel)[0].n_done == 1


def test_rows_are_members_with_their_person(db, django_assert_num_queries):
    member = PanelMemberFactory(user=UserFactory(roles=["jury"], first_name="", last_name="", email="j@jury.example"))
    with django_assert_num_queries(1):
        (row,) = workload(member.panel)
        assert (row.pk, row.user_id, row.panel_id, row.panel, row.user.email) == (
            member.pk, member.user_id, member.panel_id, member.panel, "j@jury.example")
        assert row.user.display_name == "j@jury.example"  # no name: the address, as everywhere
    assert row.user.is_active  # a column not read is loaded when asked, not a default
    assert workload(PanelFactory()) == []
