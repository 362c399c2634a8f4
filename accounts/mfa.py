"""The second factor: who must have one, and whether *this session* has passed it.

One home for the rule "a session of a user who has TOTP counts only once the second factor was
entered in that session". Every door asks here: the middleware (pages, admin, API via session),
the API permission, the token page and the views that change a second factor.

allauth records each authentication step of a session (`account_authentication_methods`):
the MFA login stage and MFA re-authentication write a record with ``method == "mfa"``. A session
made any other way (a password form outside allauth's login flow, a session planted before TOTP
was set up, a test's ``force_login``) has no such record and is not trusted.
"""

from __future__ import annotations

import time

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator

# How recent a second-factor entry must be before a second factor may be changed or removed.
FACTOR_CHANGE_WINDOW_SECONDS = 300


def has_totp(user) -> bool:
    if not user.is_authenticated:
        return False
    if not hasattr(user, "_has_totp"):
        user._has_totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    return user._has_totp


def lacks_required_totp(user) -> bool:
    """Staff roles (case work, approval, administration) must have TOTP before they act."""
    return user.is_authenticated and user.is_staff_role and not has_totp(user)


def _mfa_records(request) -> list[dict]:
    session = getattr(request, "session", None)
    user = getattr(request, "user", None)
    if session is None or user is None or not user.is_authenticated:
        return []
    return [record for record in get_authentication_records(request, user) if record.get("method") == "mfa"]


def session_passed_second_factor(request) -> bool:
    """True when the second factor was entered (or first set up) in this session."""
    return bool(_mfa_records(request))


def second_factor_entered_recently(request, *, seconds: int = FACTOR_CHANGE_WINDOW_SECONDS) -> bool:
    """True when the second factor was entered in this session within the last ``seconds``."""
    records = _mfa_records(request)
    return bool(records) and time.time() - float(records[-1].get("at", 0)) < seconds  # not money


def session_is_untrusted(request) -> bool:
    """A logged-in session of a user with TOTP that never passed the second factor."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or session_passed_second_factor(request):
        return False
    return has_totp(user)  # one indexed query, only for sessions without a second-factor record


def record_second_factor_setup(request, authenticator) -> None:
    """Setting up TOTP proves possession of the new factor: the session counts as having passed it."""
    from allauth.account.internal.flows.login import record_authentication

    record_authentication(request, authenticator.user, "mfa", id=authenticator.pk, type=authenticator.type,
                          enrolled=True)
