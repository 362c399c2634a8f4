from allauth.mfa.models import Authenticator


def has_totp(user) -> bool:
    if not user.is_authenticated:
        return False
    if not hasattr(user, "_has_totp"):
        user._has_totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    return user._has_totp


def lacks_required_totp(user) -> bool:
    """Staff roles (case work, approval, administration) must have TOTP before they act."""
    return user.is_authenticated and user.is_staff_role and not has_totp(user)
