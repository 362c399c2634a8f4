"""The API schema each reader may read: an operation is described to those its own permissions let use it.

Which operations a reader sees is decided by the permission classes of each operation's view (``get_permissions``
for its action, ``has_permission`` for the reader): the same code that answers the call with 403 hides it from the
schema, so the door and its description cannot disagree (before, a prefix list decided apart: a juror's schema
described the case workers' jury operations, everyone's the formal check's). Permissions that depend on the object
(the lead municipality's own application) do not hide an operation: whoever may use it for some object sees it.

* A signed-in reader sees what their roles may use; a staff session has passed TOTP (the middleware ends any other).
* A reader who is not signed in (a portal's developer) sees what a signed-in person of a municipality, without any
  role, may use: the applicant's and the public operations.
* The jury's operations are described to jury members and staff only: they answer anyone signed in (with the
  panels, assignments and sheets of the reader, none for others), but they are of no use to anyone else.

The components (`components.schemas`) are cut to those the described operations refer to, so a reader's schema
names no part of the data of operations hidden from them.
"""

from django.utils import translation
from drf_spectacular.views import SpectacularAPIView
from rest_framework.request import clone_request
from rest_framework.response import Response

JURY_PREFIX = "/api/v1/jury/"
_REF = "#/components/schemas/"

# The whole schema per (API version, language), generated once per process: it changes only with a deploy,
# and generating it costs seconds of CPU — too much for a public URL anyone may call in a loop. With it, the
# view callback of each operation (path, method), to ask its permissions.
_generated: dict[tuple[str | None, str | None], tuple[dict, dict]] = {}
# The schema cut for one set of operations (a few sets: one per combination of roles), per (version, language).
_cut: dict[tuple, dict] = {}  # in the order stored; the oldest is dropped first
_CUT_KEPT = 64


def stand_in_reader():
    """Whom a reader who is not signed in is shown the schema as: a signed-in person of a municipality with no
    role (nothing is read from the database for it)."""
    from .models import User

    reader = User(email="")
    reader._role_names, reader._has_totp, reader._approved_municipality_ids = set(), False, set()
    return reader


def may_use(request, callback, method: str) -> bool:
    """Whether the reader of `request` passes the permissions of the view behind `callback` for `method`, as the
    view itself would ask them (its action set, as DRF sets it before checking)."""
    view = callback.cls(**getattr(callback, "initkwargs", {}))
    view.args, view.kwargs, view.format_kwarg = (), {}, None
    view.action_map = getattr(callback, "actions", None)
    if view.action_map is not None:
        view.action = view.action_map.get(method.lower())
    view.request = clone_request(request, method.upper())
    if not view.request.user.is_authenticated:
        view.request._user = stand_in_reader()
    return all(permission.has_permission(view.request, view) for permission in view.get_permissions())


def described_to(request, operations: dict) -> frozenset:
    """The (path, method) of the operations the reader of `request` may use (see the module's text)."""
    user = request.user
    jury = user.is_authenticated and (user.is_staff_role or user.has_role("jury"))
    return frozenset(key for key, callback in operations.items()
                     if (jury or not key[0].startswith(JURY_PREFIX)) and may_use(request, callback, key[1]))


def _refs(node, found: set):
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_REF):
            found.add(ref[len(_REF):])
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def cut(schema: dict, keep: frozenset) -> dict:
    """`schema` with only the operations in `keep` and the components they refer to, directly or through others."""
    paths = {}
    for path, item in schema["paths"].items():
        kept = {key: value for key, value in item.items() if not isinstance(value, dict) or (path, key) in keep}
        if any(isinstance(value, dict) for value in kept.values()):
            paths[path] = kept
    components = schema.get("components", {}).get("schemas", {})
    wanted, todo = set(), set()
    _refs(paths, todo)
    while todo:
        name = todo.pop()
        if name not in wanted and name in components:
            wanted.add(name)
            _refs(components[name], todo)
    return {**schema, "paths": paths,
            "components": {**schema.get("components", {}),
                           "schemas": {name: value for name, value in components.items() if name in wanted}}}


class RoleSchemaView(SpectacularAPIView):
    def _operations(self, version) -> dict:
        """Each operation's (path as the schema writes it, method) → its view callback."""
        generator = self.generator_class(urlconf=self.urlconf, api_version=version, patterns=self.patterns)
        endpoints = generator.endpoint_inspector_cls(generator.patterns, generator.urlconf).get_api_endpoints()
        return {(generator.coerce_path(path, method, generator.create_view(callback, method)), method.lower()): callback
                for path, _regex, method, callback in endpoints}

    def _get_schema_response(self, request):
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (version, translation.get_language())
        if key not in _generated:
            _generated[key] = (super()._get_schema_response(request).data, self._operations(version))
        schema, operations = _generated[key]
        keep = described_to(request, operations)
        described = _cut.get((key, keep))
        if described is None:  # read once into a name: another thread may drop the oldest entry meanwhile
            described = _cut[key, keep] = cut(schema, keep)
            while len(_cut) > _CUT_KEPT:
                _cut.pop(next(iter(_cut)), None)
        disposition = f'inline; filename="{self._get_filename(request, key[0])}"'
        return Response(data=described, headers={"Content-Disposition": disposition})
