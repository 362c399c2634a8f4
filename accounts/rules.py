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


@rules.predicate
def is_municipality_member(user):
    from .selectors import approved_municipality_ids

    return user.is_authenticated and bool(approved_municipality_ids(user))


# Who works in which role: the start page's sections and the navigation ask for these by name.
# An applicant is a member of a municipality, or a person without a staff or jury role (who still
# has to ask for a membership); staff never apply.
# (cheap role checks first: the membership query only for jury members and applicants)
is_applicant = rules.is_authenticated & ~is_staff_member & (~is_jury_member | is_municipality_member)
rules.add_perm("accounts.signed_in", rules.is_authenticated)
rules.add_perm("accounts.work_as_applicant", is_applicant)
rules.add_perm("accounts.act_for_municipality", is_applicant & is_municipality_member)
rules.add_perm("accounts.work_as_case_worker", is_case_worker)
rules.add_perm("accounts.work_as_approver", is_approver)
rules.add_perm("accounts.work_as_jury_member", is_jury_member)
rules.add_perm("accounts.administer", is_admin)
