"""The API schema each role may read: staff endpoints are described to staff only (issue 10, finding 7).

The applicant's and the public endpoints are described to everyone (portals build on them); the
jury's to jury members; `/api/v1/staff/…` only to staff roles (whose session passed TOTP — the
middleware ends any other).
"""

from drf_spectacular.views import SpectacularAPIView

STAFF_PREFIX = "/api/v1/staff/"
JURY_PREFIX = "/api/v1/jury/"


def prefixes_hidden_from(user) -> tuple[str, ...]:
    if user.is_authenticated and user.is_staff_role:
        return ()
    if user.is_authenticated and user.has_role("jury"):
        return (STAFF_PREFIX,)
    return (STAFF_PREFIX, JURY_PREFIX)


class RoleSchemaView(SpectacularAPIView):
    def _get_schema_response(self, request):
        response = super()._get_schema_response(request)
        hidden = prefixes_hidden_from(request.user)
        if hidden:
            paths = response.data["paths"]
            response.data["paths"] = {path: item for path, item in paths.items() if not path.startswith(hidden)}
        return response
