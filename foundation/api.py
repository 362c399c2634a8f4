"""Shared API plumbing: domain errors become 400 responses with a clear message, never a 500;
the amount and id fields and the OpenAPI error responses every endpoint shares."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .amounts import AmountError

MAX_ID = 2**63 - 1  # BigAutoField; larger numbers are refused here rather than overflow in the database

ERRORS = {
    400: OpenApiResponse(description=_("Ungültige Eingabe oder Schritt im Status nicht möglich")),
    403: OpenApiResponse(description=_("Keine Berechtigung")),
    404: OpenApiResponse(description=_("Nicht gefunden")),
}


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
        return Response({"detail": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        return Response({"detail": "Nicht gefunden."}, status=status.HTTP_404_NOT_FOUND)
    return drf_exception_handler(exc, context)


def validated_input(serializer_class, data, **context):
    """Parse a request body with an input serializer; invalid input raises (→ 400 with the field errors)."""
    serializer = serializer_class(data=data, context=context)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def money(**kwargs):
    """A read-only amount in an answer: a decimal string with two places ("1234.56")."""
    return serializers.DecimalField(max_digits=None, decimal_places=2, read_only=True, **kwargs)


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
