"""Permission predicates for roles and municipalities (the `rules` package)."""

import rules

from .enums import Role


@rules.predicate
def is_case_worker(user):
    return user.is_authenticated and (user.has_role(Role.CASE_WORKER) or user.has_role(Role.ADMIN))


@rules.predicate
def is_approver(user):
    return user.is_authenticated and user.has_role(Role.APPROVER)


@rules.predicate
def is_admin(user):
    return user.is_authenticated and (user.has_role(Role.ADMIN) or user.is_superuser)


@rules.predicate
def is_staff_member(user):
    return user.is_authenticated and user.is_staff_role


@rules.predicate
def is_jury_member(user):
    return user.is_authenticated and user.has_role(Role.JURY)


@rules.predicate
def is_approved_member(user, municipality):
    from .models import Membership

    if not user.is_authenticated or municipality is None:
        return False
    return Membership.objects.filter(
        user=user, municipality=municipality, state="approved"
    ).exists()


rules.add_perm("accounts.decide_membership", is_case_worker)
rules.add_perm("accounts.invite_member", is_case_worker)
rules.add_perm("accounts.view_staff_area", is_staff_member)
