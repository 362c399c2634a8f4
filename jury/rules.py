"""Who may do what in the jury procedure: one named permission per action, declared once here.

Pages, API, templates and services ask for the permission by name
(``user.has_perm("jury.record_decision", application)``); nothing else decides who may act.
*When* an action is possible (session open or closed, sheet submitted) is the services' business.

The object passed is the one the action is about: a panel (or anything that belongs to one:
session, session document, application of the call) for panel-wide actions, an application for
actions on one application. An excluded member (§§ 20, 21 HVwVfG) sees neither the application
nor anyone's scores for it, and so no session document (which lists every application's scores).
"""

import rules

from accounts.rules import is_case_worker, is_staff_member
from foundation.columns import reads

from .enums import Declaration, SheetState


def panel_of(obj):
    """The panel an object belongs to: a panel, a session, a session document or an application."""
    from .models import Panel, Session, SessionDocument

    if obj is None or isinstance(obj, Panel):
        return obj
    if isinstance(obj, SessionDocument):
        obj = obj.session
    if isinstance(obj, Session):
        return obj.panel
    call_id = getattr(obj, "call_id", None)  # an application
    if call_id is None:
        return None
    cache = obj.__dict__.setdefault("_jury_panel", {})
    if "panel" not in cache:
        cache["panel"] = Panel.objects.filter(call_id=call_id).first()
    return cache["panel"]


def member_of(user, panel):
    if not user.is_authenticated or panel is None:
        return None
    cache = user.__dict__.setdefault("_panel_members", {})
    if panel.pk not in cache:
        cache[panel.pk] = panel.members.filter(user=user).first()
    return cache[panel.pk]


def excluded_application_ids(user, panel_id: int) -> set[int]:
    """The applications of a panel the user is excluded from (one query)."""
    from .models import Assignment

    if not user.is_authenticated:
        return set()
    return set(Assignment.objects.filter(member__panel_id=panel_id, member__user=user, excluded=True)
               .values_list("application_id", flat=True))


def hidden_application_ids(user, panel_id: int) -> set[int]:
    """The applications whose rows and decisions the user does not see (`jury.view_ranking_row`, for a whole
    list in one query): the ministry sees every row, anyone else not those they are excluded from."""
    return set() if is_staff_member(user) else excluded_application_ids(user, panel_id)


def _own_row(user, application):
    from .models import Assignment

    if not user.is_authenticated or application is None:
        return None
    return (Assignment.objects.select_related("sheet")
            .filter(member__user=user, application_id=application.pk).first())


@rules.predicate
def is_panel_member(user, obj):
    return member_of(user, panel_of(obj)) is not None


@rules.predicate
def is_chair(user, obj):
    panel = panel_of(obj)
    return panel is not None and user.is_authenticated and panel.chair_id == user.pk


@rules.predicate
def is_excluded_from(user, application):
    row = _own_row(user, application)
    return row is not None and row.excluded


@rules.predicate
def is_excluded_somewhere(user, obj):
    panel = panel_of(obj)
    return panel is not None and bool(excluded_application_ids(user, panel.pk))


@rules.predicate
def has_declared_and_submitted(user, application):
    """Declared free of conflict for the application and, when scoring it, submitted their own sheet.

    Before that, a member sees no one else's scores (scoring independence)."""
    row = _own_row(user, application)
    if row is None or row.excluded or row.declaration != Declaration.NO_CONFLICT:
        return False
    sheet = getattr(row, "sheet", None)
    return not row.assigned or (sheet is not None and sheet.state == SheetState.SUBMITTED)


@rules.predicate
@reads("member__user_id", "assigned", "excluded", "declaration")  # what the juror's list of assignments loads
def may_score(user, assignment):
    """The member's own assignment, declared free of conflict, not excluded."""
    return (assignment is not None and assignment.member.user_id == user.pk and assignment.assigned
            and not assignment.excluded and assignment.declaration == Declaration.NO_CONFLICT)


@rules.predicate
def is_assigned_scorer(user, application):
    """Assigned to score the application, declared free of conflict and not excluded (a member of another
    panel has no row). As for the scoring page: nothing of the application before the declaration."""
    row = _own_row(user, application)
    return (row is not None and row.assigned and not row.excluded
            and row.declaration == Declaration.NO_CONFLICT)


sits_on_panel = is_panel_member | is_chair

PERMISSIONS = {
    # obj: panel (or anything of it)
    "jury.manage_panel": is_case_worker,
    "jury.view_panel": is_staff_member,
    "jury.view_ranking": is_staff_member | sits_on_panel,
    "jury.calculate_what_if": is_staff_member,
    "jury.view_workload": is_staff_member | is_chair,
    "jury.open_session": is_case_worker | is_chair,
    "jury.close_session": is_chair,
    "jury.download_session_documents": is_staff_member | (sits_on_panel & ~is_excluded_somewhere),
    # obj: application
    "jury.view_ranking_row": is_staff_member | (sits_on_panel & ~is_excluded_from),
    "jury.record_decision": is_chair & ~is_excluded_from,
    "jury.view_scores_of_application": is_staff_member | (is_chair & has_declared_and_submitted),
    "jury.reopen_scores": is_case_worker,
    "jury.view_application_documents": is_assigned_scorer,
    # obj: assignment
    "jury.score_application": may_score,
}

for _name, _predicate in PERMISSIONS.items():
    rules.add_perm(_name, _predicate)
