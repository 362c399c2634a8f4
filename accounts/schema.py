"""The API schema each role may read: staff endpoints are described to staff only (issue 10, finding 7).

The applicant's and the public endpoints are described to everyone (portals build on them); the
jury's to jury members; `/api/v1/staff/…` only to staff roles (whose session passed TOTP — the
middleware ends any other).
"""

from django.utils import translation
from drf_spectacular.views import SpectacularAPIView
from rest_framework.response import Response

STAFF_PREFIX = "/api/v1/staff/"
JURY_PREFIX = "/api/v1/jury/"


def prefixes_hidden_from(user) -> tuple[str, ...]:
    if user.is_authenticated and user.is_staff_role:
        return ()
    if user.is_authenticated and user.has_role("jury"):
        return (STAFF_PREFIX,)
    return (STAFF_PREFIX, JURY_PREFIX)


# The whole schema per (API version, language), generated once per process: it changes only with a deploy,
# and generating it costs seconds of CPU — too much for a public URL anyone may call in a loop.
_generated: dict[tuple[str | None, str | None], dict] = {}


class RoleSchemaView(SpectacularAPIView):
    def _get_schema_response(self, request):
        key = (self.api_version or request.version or self._get_version_parameter(request), translation.get_language())
        if key not in _generated:
            _generated[key] = super()._get_schema_response(request).data
        schema = _generated[key]
        hidden = prefixes_hidden_from(request.user)
        if hidden:
            schema = {**schema, "paths": {path: item for path, item in schema["paths"].items()
                                          if not path.startswith(hidden)}}
        disposition = f'inline; filename="{self._get_filename(request, key[0])}"'
        return Response(data=schema, headers={"Content-Disposition": disposition})
