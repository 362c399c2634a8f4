"""Shared API plumbing: domain errors become 400 responses with a clear message, never a 500; an
unavailable file storage is a 503 (config.storage.StorageUnavailable)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from accounts.exceptions import AccountsError
from applications.exceptions import ApplicationError
from config.storage import StorageUnavailable
from jury.exceptions import JuryError
from payments.exceptions import PaymentsError


def exception_handler(exc, context):
    if isinstance(exc, StorageUnavailable):
        return Response({"detail": str(exc.message)}, status=status.HTTP_503_SERVICE_UNAVAILABLE,
                        headers={"Retry-After": "300"})
    if isinstance(exc, (ApplicationError, JuryError, PaymentsError)):
        body = {"detail": exc.message}
        if exc.field:
            body["field"] = exc.field
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, AccountsError):
        return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        return Response({"detail": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        return Response({"detail": "Nicht gefunden."}, status=status.HTTP_404_NOT_FOUND)
    return drf_exception_handler(exc, context)
