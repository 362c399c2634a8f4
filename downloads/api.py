"""The person's documents through the API: GET /api/v1/downloads/ (own only), POST to request one (202: it is
made in the background), GET …/{public_id}/ for its state and GET …/{public_id}/file/ for the file when ready."""

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from foundation.api import LabelField
from foundation.files import private_file_response

from . import registry, selectors, services
from .models import Download, DownloadState


class DownloadSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    kind = serializers.CharField()
    params = serializers.DictField(required=False, default=dict)
    label = serializers.CharField(read_only=True)
    state = serializers.CharField(read_only=True)
    state_label = LabelField("state")
    filename = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True, allow_null=True)
    reason = serializers.CharField(read_only=True)
    requested_at = serializers.DateTimeField(read_only=True)
    finished_at = serializers.DateTimeField(read_only=True, allow_null=True)
    expires_at = serializers.DateTimeField(read_only=True, allow_null=True, help_text=_(
        "Bis wann die Datei bereitsteht; danach wird sie gelöscht und der Stand ist „expired“"))
    url = serializers.SerializerMethodField(help_text=_("Stand des Dokuments (GET)"))
    file_url = serializers.SerializerMethodField(help_text=_("Die Datei, sobald der Stand „ready“ ist (GET)"))

    def get_url(self, download) -> str:
        return _absolute(self.context.get("request"), reverse("api-downloads-detail", args=[download.public_id]))

    def get_file_url(self, download) -> str:
        return _absolute(self.context.get("request"), reverse("api-downloads-file", args=[download.public_id]))

    def validate_kind(self, value):
        if value not in registry.names():
            raise serializers.ValidationError(_("Unbekannte Art. Möglich: %(kinds)s") % {
                "kinds": ", ".join(registry.names())})
        return value


def _absolute(request, path: str) -> str:
    return request.build_absolute_uri(path) if request is not None else path


def accepted(request, download: Download) -> Response:
    """202 Accepted: the document is being made (or was made); where to ask for its state and its file."""
    data = DownloadSerializer(download, context={"request": request}).data
    return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["url"]})


class DownloadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                      viewsets.GenericViewSet):
    serializer_class = DownloadSerializer
    lookup_field = "public_id"
    lookup_value_regex = "[0-9a-f-]{36}"

    queryset = Download.objects.none()  # the schema's model; requests get the owner's own (get_queryset)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Download.objects.none()
        return selectors.downloads_of(self.request.user)

    @extend_schema(summary=_("Dokument anfordern"), responses={202: DownloadSerializer}, description=_(
        "Das Dokument wird im Hintergrund erstellt; den Stand zeigt GET …/{id}/, die Datei GET …/{id}/file/."))
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        download = services.request_download(actor=request.user, kind=serializer.validated_data["kind"],
                                             params=serializer.validated_data["params"])
        return accepted(request, download)

    @extend_schema(summary=_("Datei eines fertigen Dokuments"),
                   responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)})
    @action(detail=True, methods=["get"])
    def file(self, request, public_id=None):
        download = self.get_object()
        if download.state != DownloadState.READY:
            raise Http404
        return private_file_response(download.file, download.filename, content_type=download.content_type)
