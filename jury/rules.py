"""Who may do what in the jury procedure (rules predicates, checked in views, API and services)."""

import rules

from accounts.rules import is_case_worker, is_staff_member

from .enums import Declaration


def member_of(user, panel):
    if not user.is_authenticated or panel is None:
        return None
    cache = user.__dict__.setdefault("_panel_members", {})
    if panel.pk not in cache:
        cache[panel.pk] = panel.members.filter(user=user).first()
    return cache[panel.pk]


@rules.predicate
def is_panel_member(user, panel):
    return member_of(user, panel) is not None


@rules.predicate
def is_chair(user, panel):
    return panel is not None and user.is_authenticated and panel.chair_id == user.pk


@rules.predicate
def may_score(user, assignment):
    """The member's own assignment, declared free of conflict, not excluded."""
    return (assignment is not None and assignment.member.user_id == user.pk and assignment.assigned
            and not assignment.excluded and assignment.declaration == Declaration.NO_CONFLICT)


@rules.predicate
def is_excluded_somewhere(user, panel):
    member = member_of(user, panel)
    return member is not None and member.assignments.filter(excluded=True).exists()


may_manage_panel = is_case_worker
# The chair sees the list even when not listed as a member.
may_see_ranking = is_staff_member | is_panel_member | is_chair
# The closed session's documents show every application's scores: not for a member excluded from any.
may_download_session_documents = is_staff_member | is_chair | (is_panel_member & ~is_excluded_somewhere)

rules.add_perm("jury.manage_panel", may_manage_panel)
rules.add_perm("jury.see_ranking", may_see_ranking)
