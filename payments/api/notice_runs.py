"""The missing grant notices of a call at once, through the API (money staff with TOTP):

- POST staff/payments/notice-runs/ {"call": ID}   202 with the run (safe twice: the open run of the call)
- GET  staff/payments/notice-runs/{id}/           its progress: total, done, failed, finished
- GET  staff/payments/notice-runs/?call=ID        the runs (paginated)
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from accounts.api import IsStaffMember, with_defaults
from foundation.api import MAX_ID, validated_input

from ..models import NoticeRun
from ..selectors import notice_runs as selectors
from ..services import notice_runs as services


@extend_schema_serializer(description=_(
    "Ein Lauf der Bescheide in der Liste, ohne den Fortschritt; den zeigt GET …/{id}/."))
class NoticeRunListSerializer(serializers.Serializer):
    """In lists without the progress (two queries per run): GET …/{id}/ gives it."""

    id = serializers.IntegerField(read_only=True)
    call = serializers.IntegerField(source="call_id", read_only=True)
    started_at = serializers.DateTimeField(read_only=True)
    total = serializers.IntegerField(read_only=True, help_text=_("Zuwendungen, deren Bescheid fehlte"))


@extend_schema_serializer(description=_("Ein Lauf der Bescheide mit seinem Fortschritt."))
class NoticeRunSerializer(NoticeRunListSerializer):
    done = serializers.SerializerMethodField(help_text=_("davon gespeicherte Bescheide"))
    failed = serializers.SerializerMethodField(help_text=_("davon endgültig fehlgeschlagen (Hintergrundarbeiten)"))
    finished = serializers.SerializerMethodField()

    def _progress(self, run):
        cache = self.context.setdefault("progress", {})
        if run.pk not in cache:
            cache[run.pk] = selectors.progress(run)
        return cache[run.pk]

    def get_done(self, run) -> int:
        return self._progress(run).done

    def get_failed(self, run) -> int:
        return self._progress(run).failed

    def get_finished(self, run) -> bool:
        return self._progress(run).finished


class NoticeRunFilterSerializer(serializers.Serializer):
    call = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID,
                                    help_text=_("Nur die Erstellungen dieses Aufrufs (ID)"))


class StartSerializer(serializers.Serializer):
    call = serializers.IntegerField(min_value=1)


class NoticeRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = with_defaults(IsStaffMember)
    serializer_class = NoticeRunSerializer
    queryset = NoticeRun.objects.order_by("-pk")
    lookup_value_regex = r"[0-9]+"

    def get_serializer_class(self):
        return NoticeRunListSerializer if self.action == "list" else NoticeRunSerializer

    def get_queryset(self):
        if not self.request.user.has_perm("payments.render_notices"):
            raise PermissionDenied
        runs = NoticeRun.objects.order_by("-pk")
        if self.action == "list":
            call = validated_input(NoticeRunFilterSerializer, self.request.query_params).get("call")
            if call is not None:
                runs = runs.filter(call_id=call)
        return runs

    @extend_schema(summary=_("Erstellungen der Zuwendungsbescheide"),
                   responses={200: NoticeRunListSerializer(many=True)}, parameters=[NoticeRunFilterSerializer])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary=_("Fehlende Zuwendungsbescheide eines Aufrufs erstellen"), request=StartSerializer,
                   responses={202: NoticeRunSerializer}, description=_(
                       "Jede bewilligte Zuwendung des Aufrufs ohne Bescheid erhält ihre Hintergrundarbeit; die "
                       "Worker erstellen die Bescheide parallel. Ein zweiter Aufruf, solange die Erstellung läuft, "
                       "gibt dieselbe zurück. Den Fortschritt zeigt GET …/{id}/."))
    def create(self, request):
        data = validated_input(StartSerializer, request.data)
        run = services.start_notice_run(actor=request.user, call_id=data["call"])
        return Response(NoticeRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


def register(router) -> None:
    router.register("staff/payments/notice-runs", NoticeRunViewSet, basename="api-staff-payments-notice-run")
