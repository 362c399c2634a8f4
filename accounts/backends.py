"""The signed-in user of a request, read in one query.

Every signed-in page needs four facts about its user: the user row, the roles (groups), whether the
user has TOTP (accounts/mfa.py asks it for every session without a second-factor record, and for every
staff session) and the municipalities the user acts for (the menu and the rules ask). Django's backends
read the row and leave the others to lazy queries: four queries on every page before the page itself
starts. Here the row comes with its role names, the TOTP flag and the approved municipalities as
subqueries of the same statement, read fresh on every request (nothing is kept in the session, so a
role or membership taken away or TOTP set up counts from the next request on, as before).

The two classes are Django's and allauth's backends with that `get_user`; settings list them instead of
the originals. Authentication itself (password, allauth's e-mail login) is unchanged.
"""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from allauth.mfa.models import Authenticator
from django.contrib.auth import backends
from django.db.models import Aggregate, CharField, Exists, OuterRef, Subquery
from django.db.models.functions import Cast

from .enums import MembershipState
from .models import Membership, User

# Group names are joined with the ASCII unit separator, which no group name contains.
_SEPARATOR = "\x1f"


class _JoinedNames(Aggregate):
    """The names of a group of rows as one string (PostgreSQL STRING_AGG, SQLite GROUP_CONCAT)."""

    function = "STRING_AGG"
    template = f"%(function)s(%(expressions)s, '{_SEPARATOR}')"
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="GROUP_CONCAT", **extra_context)


def session_user(user_id) -> User | None:
    """The user with `role_names`, the TOTP flag and the approved municipalities filled in, or None."""
    groups = User.groups.through.objects.filter(user_id=OuterRef("pk")).values("user_id")
    acts_for = (Membership.objects.filter(user_id=OuterRef("pk"), state=MembershipState.APPROVED).order_by()
                .values("user_id"))
    found = (User.objects
             .annotate(session_role_names=Subquery(groups.annotate(names=_JoinedNames("group__name"))
                                                  .values("names")),
                       session_municipality_ids=Subquery(acts_for.annotate(
                           ids=_JoinedNames(Cast("municipality_id", CharField()))).values("ids")),
                       session_has_totp=Exists(Authenticator.objects.filter(user_id=OuterRef("pk"),
                                                                            type=Authenticator.Type.TOTP)))
             .filter(pk=user_id).order_by()[:1])
    user = next(iter(found), None)
    if user is not None:
        user._role_names = set(filter(None, (user.session_role_names or "").split(_SEPARATOR)))
        user._has_totp = user.session_has_totp
        user._approved_municipality_ids = {int(pk) for pk in (user.session_municipality_ids or "").split(_SEPARATOR)
                                           if pk}
    return user


class _SessionUser:
    def get_user(self, user_id):
        user = session_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(_SessionUser, backends.ModelBackend):
    """Django's model backend, reading the session's user in one query."""


class AuthenticationBackend(_SessionUser, AllauthBackend):
    """allauth's backend (e-mail login), reading the session's user in one query."""
