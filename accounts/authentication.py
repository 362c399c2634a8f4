"""API authentication by personal API key (accounts.models.ApiToken) and the key's scope."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import SAFE_METHODS, BasePermission


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Token <key>` (or `Bearer <key>`): refuses unknown, expired and revoked keys."""

    keywords = (b"token", b"bearer")

    def authenticate(self, request):
        from .models import ApiToken
        from .services import find_api_token, touch_api_token

        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in self.keywords:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Der API-Schlüssel fehlt oder enthält Leerzeichen."))
        try:
            key = parts[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("Ungültiger API-Schlüssel.")) from exc
        token: ApiToken | None = find_api_token(key=key)
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Ungültiger API-Schlüssel."))
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("Dieser API-Schlüssel wurde widerrufen."))
        if token.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed(_("Dieser API-Schlüssel ist abgelaufen. Bitte erzeugen Sie "
                                                    "unter „API-Schlüssel“ einen neuen."))
        touch_api_token(token)
        return token.user, token

    def authenticate_header(self, request):
        return "Token"


class TokenScope(BasePermission):
    """A read-only key may only read."""

    message = _("Dieser API-Schlüssel darf nur lesen.")

    def has_permission(self, request, view):
        from .models import ApiToken

        auth = getattr(request, "auth", None)
        if isinstance(auth, ApiToken) and auth.scope == ApiToken.Scope.READ:
            return request.method in SAFE_METHODS
        return True


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Describes the key in the schema (drf-spectacular)."""

    target_class = "accounts.authentication.ApiTokenAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": str(_("Persönlicher API-Schlüssel: „Token <Schlüssel>“ (Seite „API-Schlüssel“)."))}
