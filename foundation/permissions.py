"""The one guard pages use: ask for a permission by name (declared with `rules.add_perm` in the app
that owns it) and refuse with 403 otherwise."""

from django.core.exceptions import PermissionDenied


def require_perm(request, permission: str, obj=None) -> None:
    if not request.user.has_perm(permission, obj):
        raise PermissionDenied
