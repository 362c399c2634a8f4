"""The signed-in user of a request, read in one query.

Every signed-in page needs three facts about its user: the user row, the roles (groups) and whether the
user has TOTP (accounts/mfa.py asks it for every session without a second-factor record, and for every
staff session). Django's backends read the row and leave the other two to lazy queries: three queries on
every page before the page itself starts. Here the row comes with its role names and the TOTP flag as
two subqueries of the same statement, read fresh on every request (nothing is kept in the session, so a
role taken away or TOTP set up counts from the next request on, as before).

The two classes are Django's and allauth's backends with that `get_user`; settings list them instead of
the originals. Authentication itself (password, allauth's e-mail login) is unchanged.
"""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from allauth.mfa.models import Authenticator
from django.contrib.auth import backends
from django.db.models import Aggregate, CharField, Exists, OuterRef, Subquery

from .models import User

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
    """The user with `role_names` and the TOTP flag filled in, or None."""
    memberships = User.groups.through.objects.filter(user_id=OuterRef("pk")).values("user_id")
    found = (User.objects
              .annotate(session_role_names=Subquery(memberships.annotate(names=_JoinedNames("group__name"))
                                                   .values("names")),
                       session_has_totp=Exists(Authenticator.objects.filter(user_id=OuterRef("pk"),
                                                                            type=Authenticator.Type.TOTP)))
             .filter(pk=user_id).order_by()[:1])
    user = next(iter(found), None)
    if user is not None:
        user._role_names = set(filter(None, (user.session_role_names or "").split(_SEPARATOR)))
        user._has_totp = user.session_has_totp
    return user


class _SessionUser:
    def get_user(self, user_id):
        user = session_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(_SessionUser, backends.ModelBackend):
    """Django's model backend, reading the session's user in one query."""


class AuthenticationBackend(_SessionUser, AllauthBackend):
    """allauth's backend (e-mail login), reading the session's user in one query."""
