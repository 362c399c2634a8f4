"""Stuck background work for staff: GET /api/v1/staff/outbox/, POST /api/v1/staff/outbox/{id}/retry/."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.settings import api_settings

from foundation.api import LabelField, ModelSerializer, ShapedReadMixin
from foundation.params import id_or_404

from . import services
from .models import OutboxMessage
from .selectors import stuck_messages


class MayViewStuckWork(BasePermission):
    message = _("Nur Beschäftigte des Ministeriums sehen die Hintergrundarbeiten.")

    def has_permission(self, request, view):
        return request.user.has_perm("outbox.view_stuck_work")


class OutboxMessageSerializer(ShapedReadMixin, ModelSerializer):
    state_label = LabelField("state")

    class Meta:
        model = OutboxMessage
        fields = ["id", "key", "task", "label", "state", "state_label", "attempts", "created_at", "due_at",
                  "claimed_at", "last_error"]
        read_only_fields = fields


class OutboxViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = [*api_settings.DEFAULT_PERMISSION_CLASSES, MayViewStuckWork]
    serializer_class = OutboxMessageSerializer

    def get_queryset(self):
        return OutboxMessageSerializer.shaped(stuck_messages()) if self.action == "list" else stuck_messages()

    @extend_schema(summary=_("Hängende Hintergrundarbeiten"), description=_(
        "Fehlgeschlagene, überfällige und nie beendete Arbeiten (Belege, Bescheide, E-Mails) mit dem letzten "
        "Fehler."))
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary=_("Erneut ausführen"), request=None, responses={200: OutboxMessageSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        message = get_object_or_404(OutboxMessage, pk=id_or_404(pk))  # a mangled id is a 404, not a 500
        message = services.retry(message_id=message.pk)
        return Response(OutboxMessageSerializer(message).data)
