"""The current TOTP code for tests, one home for the timing rule.

allauth accepts only the current time step (MFA_TOTP_TOLERANCE = 0): a code made just before the step ends
is stale when the request arrives on a loaded machine. So when the step ends within ``valid_for`` seconds,
these wait for the next step rather than send a code that may expire on the way.
"""

import time


def code_for_secret(secret: str, *, valid_for: float = 3.0) -> str:
    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    period = app_settings.TOTP_PERIOD
    left = period - time.time() % period
    if left < valid_for:
        time.sleep(left + 0.05)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def code_for(user, *, valid_for: float = 3.0) -> str:
    """The current code of a user whose TOTP is set up (e.g. tests.factories.staff_user)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import decrypt

    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    return code_for_secret(decrypt(authenticator.data["secret"]), valid_for=valid_for)
