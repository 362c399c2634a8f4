"""Shared API plumbing: domain errors become 400 responses with a clear message, never a 500;
the amount and id fields and the OpenAPI error responses every endpoint shares."""

import copy
import functools
import weakref

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .amounts import AmountError
from .choices import choice_label
from .columns import declared_reads
from .params import MAX_ID  # noqa: F401  (the serializers' bound for ids, with the one for paths)


# The body of every error answer (exception_handler below, the 413/503 middlewares, idempotency):
# {"detail": "…"} and, where one input is at fault, "field". A serializer's validation error (400) names
# the fields instead: {"<field>": ["…"], …}.
def error_schema() -> dict:
    properties = {
        "detail": {"type": "string", "description": str(_("Was nicht ging, in Worten für Menschen."))},
        "field": {"type": "string", "description": str(_("Das Eingabefeld (oder der Kopf), um das es geht."))},
    }
    return {"type": "object", "properties": properties, "required": ["detail"]}


def validation_error_schema() -> dict:
    return {"type": "object", "properties": error_schema()["properties"], "additionalProperties": {},
            "description": str(_("Entweder detail (und field) oder je Eingabefeld die Fehlermeldungen."))}


ERROR_DESCRIPTIONS = {
    400: _("Ungültige Eingabe oder Schritt im Status nicht möglich"),
    401: _("Nicht angemeldet oder API-Schlüssel ungültig, abgelaufen oder widerrufen"),
    403: _("Keine Berechtigung (auch: Zwei-Faktor-Anmeldung fehlt, Schlüssel nur zum Lesen)"),
    404: _("Nicht gefunden (auch: Seite jenseits der letzten)"),
    413: _("Anfrage zu groß"),
    429: _("Zu viele Anfragen; bitte später erneut versuchen"),
    503: _("Dateiablage vorübergehend nicht verfügbar; bitte später erneut versuchen (Retry-After)"),
}


class ApiAutoSchema(AutoSchema):
    """Documents the error answers of every operation in one place, with the body exception_handler gives.

    Which errors an operation can answer follows from what it is: every endpoint needs a login (401) and
    a permission (403); a path id, a page number or an id in the body can miss (404); input can be
    invalid (400); a body can be too large (413); a write or a file can meet an unavailable file volume
    (503); a throttled view can refuse (429). A money action's required ``Idempotency-Key`` header is
    read from the view method (payments.idempotency.idempotent_api).
    """

    def _view_method(self):
        name = getattr(self.view, "action", None) or self.method.lower()
        return getattr(self.view, name, None)

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        header = getattr(self._view_method(), "required_header", None)
        if header:
            name, pattern, description = header
            parameters.append(OpenApiParameter(name, {"type": "string", "pattern": pattern},
                                               OpenApiParameter.HEADER, required=True, description=description))
        return parameters

    def _error_component(self, name, schema):
        component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, schema=schema, object=name)
        self.registry.register_on_missing(component)
        return component.ref

    def error_statuses(self, responses) -> list[int]:
        writes = self.method in ("POST", "PUT", "PATCH", "DELETE")
        has_path_id = "{" in self.path
        paginated = any("Paginated" in str(answer.get("content", "")) for answer in responses.values())
        page = {parameter["name"] for parameter in self._get_pagination_parameters()}  # a wrong page is a 404
        query = any(p["in"] == "query" and p["name"] not in page for p in self._get_parameters())
        returns_file = any(not media.endswith("json") for answer in responses.values()
                           for media in answer.get("content", {}))
        statuses = [401, 403]
        if writes or query or getattr(self._view_method(), "required_header", None):
            statuses.append(400)
        if has_path_id or paginated or (writes and self._get_request_body() is not None):
            statuses.append(404)  # a body names objects too (a grant, a municipality): one not visible is a 404
        if writes:
            statuses.append(413)
        if self.view.get_throttles():
            statuses.append(429)
        if writes or returns_file:
            statuses.append(503)
        return sorted(statuses)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        error = self._error_component("Error", error_schema())
        invalid = self._error_component("ValidationError", validation_error_schema())
        for status_code in self.error_statuses(responses):
            schema = invalid if status_code == 400 else error
            answer = responses.setdefault(str(status_code), {"description": str(ERROR_DESCRIPTIONS[status_code])})
            answer["content"] = {"application/json": {"schema": schema}}
            if status_code == 503:  # exception_handler and StorageUnavailableMiddleware both send it
                answer["headers"] = {"Retry-After": {"schema": {"type": "integer"}, "required": True,
                                                     "description": str(_("Sekunden bis zum nächsten Versuch"))}}
        for status_code, answer in responses.items():  # an error an endpoint names itself gets the same body
            if status_code >= "400" and "content" not in answer:
                answer["content"] = {"application/json": {"schema": error}}
        return responses


def exception_handler(exc, context):
    from .errors import DomainError
    from .storage import StorageUnavailable

    if isinstance(exc, StorageUnavailable):  # a full or read-only volume: try again later, never a 500
        return Response({"detail": str(exc.message)}, status=status.HTTP_503_SERVICE_UNAVAILABLE,
                        headers={"Retry-After": "300"})
    if isinstance(exc, DomainError):
        body = {"detail": exc.message}
        if exc.field:
            body["field"] = exc.field
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, AmountError):
        return Response({"detail": exc.message}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        return Response({"detail": "Nicht gefunden."}, status=status.HTTP_404_NOT_FOUND)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, list):  # ValidationError("…") raised in a view
        response.data = {"detail": " ".join(str(message) for message in response.data)}
    return response


def validated_input(serializer_class, data, **context):
    """Parse a request body with an input serializer; invalid input raises (→ 400 with the field errors)."""
    serializer = serializer_class(data=data, context=context)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def money(**kwargs):
    """A read-only amount in an answer: a decimal string with two places ("1234.56")."""
    return serializers.DecimalField(max_digits=None, decimal_places=2, read_only=True, **kwargs)


class LabelField(serializers.CharField):
    """The label of a choice (``LabelField("state")``: what ``get_state_display()`` gives), read-only.

    The same answer as ``CharField(source="get_state_display", read_only=True)``, without DRF's check of
    every callable source against its signature (`inspect.signature` per row and field: a sixth of the time
    of a 50-row money list, bench/scale.py --profile) and without translating every label of the field to
    return one (foundation.choices)."""

    def __init__(self, field: str, **kwargs):
        self.choice_field = field
        super().__init__(source=f"get_{field}_display", read_only=True, **kwargs)

    def get_attribute(self, instance):
        return choice_label(instance, self.choice_field)


class MappingListField(serializers.ListField):
    """A mapping (``{2027: Decimal("90000.00"), …}``) in an answer as a list of objects, one per entry, each written
    by ``child`` (a serializer with the two fields ``key`` and ``value``), in the mapping's order or sorted by key.

    The same answer as ``Child([{key: k, value: v} for k, v in …], many=True).data`` in a method field, but the child
    is bound once with its field and not built again for every row: in a list, a serializer per row and field
    deep-copies its fields each time (the jury's ranking API: three per row, 150 per page). The schema shows the
    child's array, as ``extend_schema_field(Child(many=True))`` did."""

    def __init__(self, *, child, key: str, value: str, sort: bool = False, **kwargs):
        self.key, self.value, self.sort = key, value, sort
        super().__init__(child=child, read_only=True, **kwargs)

    def to_representation(self, data):
        items = sorted(data.items()) if self.sort else data.items()
        write, key, value = self.child.to_representation, self.key, self.value
        return [write({key: k, value: v}) for k, v in items]


@extend_schema_field(
    {"type": "string", "format": "decimal", "pattern": r"^\d+(\.\d{1,2})?$", "example": "1234.56"}
)
class AmountField(serializers.CharField):
    """An amount in euros as a decimal string ("1234.56"); read by the service with
    foundation.amounts.parse_amount, which names the problem if it is not a valid amount."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 30)
        super().__init__(**kwargs)


class RejectUnknownFieldsMixin:
    """A key the endpoint does not know is an error, not silently ignored (e.g. "state")."""

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            unknown = sorted(set(data.keys()) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {
                        name: [_("Dieses Feld ist unbekannt oder kann nicht geändert werden.")]
                        for name in unknown
                    }
                )
        return super().to_internal_value(data)


def _api_aware(page_view, status_code: int, message):
    """A Django error handler (config.urls) that answers JSON under /api/, as the schema says, and the
    usual page elsewhere: a path DRF never sees (an id the route does not match) is still JSON there."""

    def handler(request, exception=None):
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": str(message)}, status=status_code)
        if status_code == 500:
            return page_view(request)
        return page_view(request, exception)

    return handler


bad_request = _api_aware(defaults.bad_request, 400, _("Ungültige Anfrage."))
permission_denied = _api_aware(defaults.permission_denied, 403, _("Keine Berechtigung."))
page_not_found = _api_aware(defaults.page_not_found, 404, _("Nicht gefunden."))
server_error = _api_aware(defaults.server_error, 500, _("Interner Fehler; bitte später erneut versuchen."))


class ModelSerializer(serializers.ModelSerializer):
    """DRF's model serializer, its fields built from the model once per class and copied for each serializer.

    DRF builds the fields of a model serializer anew for every serializer it makes (each answer, each nested
    serializer in it): it reads the model's fields, their options, choices and unique constraints, and builds a field
    of each. What it builds depends on the class (its ``Meta`` and its declared fields) and the language alone, so it
    is built once per class and language, and each serializer gets a deep copy, as DRF itself copies the declared
    fields (``Field.__deepcopy__`` makes each field anew from its arguments; validators are shared, as DRF shares
    them). On the API lists at 10,000 cases this took 0.5–1.1 ms of the 1.4–4.9 ms spent in DRF's serializers
    (bench/scale.py).

    Every model serializer of the project derives from this one, and none overrides a method that DRF's
    ``get_fields`` calls (``build_field``, ``get_extra_kwargs``, …), which could make the fields depend on the request
    (tests/foundation/test_api_fields.py checks both, and compares every serializer's fields with DRF's own).
    """

    def get_fields(self):
        # Per language: DRF leaves out a label that says what the field's name says, which it decides in the language
        # of the moment ("Landkreis" in German, "District (Landkreis)" in English).
        per_language = _BUILT_FIELDS.setdefault(type(self), {})
        language = translation.get_language()
        built = per_language.get(language)
        if built is None:
            built = per_language[language] = super().get_fields()
        return copy.deepcopy(built)


# The fields each serializer class built (ModelSerializer), per language; an entry goes with its class.
_BUILT_FIELDS: "weakref.WeakKeyDictionary[type, dict[str | None, dict]]" = weakref.WeakKeyDictionary()


class ShapedReadMixin:
    """For a list's serializer: ``shaped(queryset)`` joins the relations the serializer shows and loads the columns
    it shows, and no others (``select_related`` and ``only``, both derived from the serializer's fields).

    A list endpoint often reads through the selector of its page, which joins what the page shows (the people who
    checked, the call and its programme, …); for 50 API rows the other joined rows cost half the answer (staff
    proofs at 10,000 cases: 39 → 17 ms, bench/scale.py), and each row of a joined table brought all its columns
    (a user's password hash and login times to show a name). What a method field reads is declared in ``reads``
    (paths from the serializer's model, e.g. ``("recovery__id",)``); what a model's property reads is declared
    beside it (``foundation.columns.reads``). Where the serializer shows something nobody declared, the list loads
    every column of that model, as before: never a query per row for a column left out.
    """

    # What the method fields read (paths from the model); None: not declared, so a serializer with method fields
    # makes its list load every column. A serializer whose methods read only the id says ().
    reads: tuple[str, ...] | None = None

    @classmethod
    def shaped(cls, queryset):
        shape = _shape_of(cls)
        queryset = queryset.select_related(None)
        if shape.related:
            queryset = queryset.select_related(*sorted(shape.related))
        if shape.complete and shape.unknown <= set(queryset.query.annotations):
            # A related manager's queryset (``session.decisions``) sets the known object on each row by its id
            # column, which must then be loaded too.
            known = {field.name for field in queryset._known_related_objects}
            queryset = queryset.only(*sorted(shape.columns | known))
        return queryset


class _Shape:
    """The relations and columns a serializer shows (``related``, ``columns``), the names of its model it shows
    that are neither fields nor declared (``unknown``: fine when the queryset annotates them) and whether it could
    tell everything (``complete``)."""

    def __init__(self):
        self.related, self.columns, self.unknown, self.complete = set(), set(), set(), True

    def path(self, model, prefix: str, attrs, field=None):
        """Walk one source (``attrs``) from ``model``; a nested ``field`` (serializer) is walked where it ends."""
        for i, attr in enumerate(attrs):
            last = i == len(attrs) - 1
            if attr == "pk":
                self.columns.add(prefix + model._meta.pk.name)
                return
            try:
                target = model._meta.get_field(attr)
            except FieldDoesNotExist:
                declared = declared_reads(model, attr)
                if declared is not None:
                    for path in declared:
                        self.path(model, prefix, path.split("__"))
                elif prefix:
                    self.complete = False
                else:
                    self.unknown.add(attr)
                return
            if target.many_to_many or target.one_to_many:
                return  # prefetched or read by a query of its own: no column of this row
            if not target.is_relation:
                self.columns.add(prefix + attr)
                return
            if attr != target.name:  # a relation's id column by its attname ("call_id"): no join
                self.columns.add(prefix + target.name)
                return
            if last and isinstance(field, serializers.PrimaryKeyRelatedField) and target.concrete:
                self.columns.add(prefix + attr)  # DRF reads the id column (`serializable_value`), no join
                return
            self.related.add(prefix + attr)
            if target.concrete:
                self.columns.add(prefix + attr)
            model, prefix = target.related_model, f"{prefix}{attr}__"
            self.columns.add(prefix + model._meta.pk.name)
        if isinstance(field, serializers.Serializer):
            self.serializer(field, model, prefix)
        elif field is not None:
            self.complete = False  # a related object shown by its str(): not declared

    def serializer(self, serializer, model, prefix: str):
        self.columns.add(prefix + model._meta.pk.name)
        declared = getattr(serializer, "reads", None)
        for path in declared or ():
            self.path(model, prefix, path.split("__"))
        for field in serializer.fields.values():
            if field.write_only or isinstance(field, serializers.ListSerializer | serializers.ManyRelatedField):
                continue
            if isinstance(field, serializers.SerializerMethodField):
                self.complete = self.complete and declared is not None
            elif isinstance(field, LabelField):
                self.path(model, prefix, [field.choice_field])
            elif field.source == "*":
                self.complete = False
            else:
                self.path(model, prefix, field.source_attrs, field)


@functools.cache
def _shape_of(serializer_class) -> _Shape:
    shape = _Shape()
    shape.serializer(serializer_class(), serializer_class.Meta.model, "")
    return shape
