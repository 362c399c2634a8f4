"""What a property or a permission rule declares it reads (foundation.columns), as the API lists ask it."""

import rules

from accounts.models import User
from foundation.columns import declared_reads, permission_reads, reads


@rules.predicate
@reads("email", "is_active")
def _reads_two(user, other):
    return other.is_active and other.email.endswith(".de")


@rules.predicate
def _declares_nothing(user, other):
    return True


def test_a_property_declares_its_columns():
    assert declared_reads(User, "display_name") == ("first_name", "last_name", "email")
    assert declared_reads(User, "get_full_name") is None


def test_a_rule_of_one_predicate_declares_its_columns():
    rules.add_perm("tests.reads_two", _reads_two)
    rules.add_perm("tests.combined", _reads_two | _declares_nothing)
    rules.add_perm("tests.nothing", _declares_nothing)
    try:
        assert permission_reads("tests.reads_two") == ("email", "is_active")
        assert permission_reads("tests.combined") is None  # whose columns? left to load every column
        assert permission_reads("tests.nothing") is None
        assert permission_reads("tests.unknown") is None
    finally:
        for name in ("tests.reads_two", "tests.combined", "tests.nothing"):
            rules.remove_perm(name)


def test_the_jurors_list_loads_what_may_score_reads():
    from jury.api.serializers import AssignmentSerializer
    from jury.rules import may_score

    assert AssignmentSerializer.reads == may_score.fn.reads == permission_reads("jury.score_application")
    assert {"member__user_id", "assigned", "excluded", "declaration"} <= set(AssignmentSerializer.reads)
