"""The ministry's money dashboard and exports under /api/v1/staff/payments/ (staff with TOTP only).

- GET staff/payments/dashboard/{call_id}/          the figures of one call (amounts as decimal strings)
- GET staff/payments/program-dashboard/{program_id}/ the same for all calls of a program, plus per call
- GET staff/payments/exports/{grants|payments|recoveries}.{csv|xlsx}?call=ID  (or ?format=csv|xlsx)
  CSV is streamed; XLSX is made in the background (payments.downloads): 202 with the document's state URL.
"""

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import renderers, serializers, viewsets
from rest_framework.response import Response

from accounts.api import IsStaffMember, with_defaults
from downloads.api import DownloadSerializer, accepted
from downloads.services import request_download
from foundation.exports import CONTENT_TYPES
from grants.models import Call, FundingProgram

from .. import exports
from ..downloads import DASHBOARD_XLSX
from ..exports import export_scope
from ..selectors import dashboard as selectors

# ---------------------------------------------------------------- serializers (shape data only)


def _money(**kwargs):
    return serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True, **kwargs)


class DashboardFiguresSerializer(serializers.Serializer):
    budget = _money(help_text=_("Budget (je Haushaltsjahr: die Tranche)"))
    committed = _money(help_text=_("Gebunden (bewilligt)"))
    paid = _money(help_text=_("Ausgezahlt (Summe der ausgezahlten Mittelabrufe und Schlusszahlungen)"))
    recovered = _money(help_text=_("Zurückgezahlter Erstattungsbetrag der Rückforderungen"))
    left = _money(help_text=_("Verfügbar: Budget − gebunden"))


class DashboardYearSerializer(DashboardFiguresSerializer):
    year = serializers.IntegerField(read_only=True)


class DashboardGroupSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="key", read_only=True, help_text=_("Id des Themenbereichs bzw. der "
                                                                            "Kommune; 0 = ohne Themenbereich"))
    label = serializers.CharField(read_only=True)
    grants = serializers.IntegerField(read_only=True, help_text=_("Anzahl Zuwendungen"))
    committed = _money(help_text=_("Summe der Höchstbeträge"))
    paid = _money()
    recovered = _money()


class DashboardCallFiguresSerializer(DashboardFiguresSerializer):
    call = serializers.IntegerField(source="call.pk", read_only=True)
    title = serializers.CharField(source="call.title", read_only=True)


class DashboardActionItemSerializer(serializers.Serializer):
    application = serializers.IntegerField(source="application_id", read_only=True)
    case_number = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    municipality = serializers.CharField(read_only=True)
    detail = serializers.CharField(read_only=True)
    date = serializers.DateField(read_only=True, allow_null=True)
    object_id = serializers.IntegerField(read_only=True, help_text=_("Id des Vorgangs (Entscheidung, Mittelabruf, "
                                                                     "Nachweis, Abrechnung, Rückforderung, "
                                                                     "Hintergrundarbeit)"))
    url = serializers.CharField(read_only=True, help_text=_("Seite des Vorgangs, wenn er zu keinem Antrag gehört"))


class DashboardActionGroupSerializer(serializers.Serializer):
    kind = serializers.CharField(read_only=True, help_text=_("Art des Handlungsbedarfs: ") + ", ".join(
        k for k, _label in selectors.ACTION_KINDS))
    label = serializers.CharField(read_only=True)
    count = serializers.IntegerField(read_only=True, help_text=_("Anzahl aller Vorgänge dieser Art"))
    items = DashboardActionItemSerializer(many=True, read_only=True, help_text=_(
        "Die ältesten fünf Vorgänge dieser Art (alle: die Seite „Handlungsbedarf“ mit ?kind=)"))


class DashboardSerializer(serializers.Serializer):
    totals = DashboardFiguresSerializer(read_only=True)
    years = DashboardYearSerializer(many=True, read_only=True)
    topics = DashboardGroupSerializer(many=True, read_only=True)
    landkreise = DashboardGroupSerializer(many=True, read_only=True)
    actions = DashboardActionGroupSerializer(many=True, read_only=True)


class CallDashboardSerializer(DashboardSerializer):
    call = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)


class ProgramDashboardSerializer(DashboardSerializer):
    program = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    calls = DashboardCallFiguresSerializer(many=True, read_only=True)


def _data(calls: QuerySet[Call], *, per_call=False) -> dict:
    overview = selectors.money_overview(calls=calls, per_call=per_call)
    return {"totals": overview.totals, "years": overview.years, "topics": overview.topics,
            "landkreise": overview.landkreise, "calls": overview.calls,
            "actions": selectors.cases_needing_action(calls=calls)}


# ---------------------------------------------------------------- views


class CallDashboardViewSet(viewsets.GenericViewSet):
    permission_classes = with_defaults(IsStaffMember)
    serializer_class = CallDashboardSerializer
    queryset = Call.objects.all()
    lookup_value_regex = r"[0-9]+"

    @extend_schema(summary=_("Finanzübersicht eines Förderaufrufs"), description=_(
        "Budget, gebunden, ausgezahlt, zurückgezahlt und verfügbar – gesamt, je Haushaltsjahr, je Themenbereich "
        "und je Landkreis – sowie die Vorgänge mit Handlungsbedarf. Beträge als Dezimal-Zeichenketten."),
        responses={200: CallDashboardSerializer})
    def retrieve(self, request, pk=None):
        call = self.get_object()
        data = {"call": call.pk, "title": call.title, **_data(Call.objects.filter(pk=call.pk))}
        return Response(CallDashboardSerializer(data).data)


class ProgramDashboardViewSet(viewsets.GenericViewSet):
    permission_classes = with_defaults(IsStaffMember)
    serializer_class = ProgramDashboardSerializer
    queryset = FundingProgram.objects.all()
    lookup_value_regex = r"[0-9]+"

    @extend_schema(summary=_("Finanzübersicht eines Förderprogramms (alle Aufrufe)"), description=_(
        "Wie die Übersicht eines Aufrufs, über alle Aufrufe des Programms summiert, dazu je Aufruf."),
        responses={200: ProgramDashboardSerializer})
    def retrieve(self, request, pk=None):
        program = self.get_object()
        data = {"program": program.pk, "name": program.name,
                **_data(Call.objects.filter(program=program), per_call=True)}
        return Response(ProgramDashboardSerializer(data).data)


class _FileRenderer(renderers.BaseRenderer):
    """Lets DRF accept the format (suffix .csv/.xlsx or ?format=); the view returns the file itself."""

    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class CSVRenderer(_FileRenderer):
    media_type = "text/csv"
    format = "csv"


class XLSXRenderer(_FileRenderer):
    media_type = CONTENT_TYPES["xlsx"]
    format = "xlsx"


KIND = OpenApiParameter("id", str, OpenApiParameter.PATH, enum=list(exports.EXPORTS),
                        description=_("Was exportiert wird: grants (Zuwendungen), payments (Auszahlungen), "
                                      "recoveries (Rückforderungen)"))
CALL = OpenApiParameter("call", int, OpenApiParameter.QUERY, required=False,
                        description=_("Nur dieser Förderaufruf (sonst alle)"))
PROGRAM = OpenApiParameter("program", int, OpenApiParameter.QUERY, required=False,
                           description=_("Nur die Aufrufe dieses Förderprogramms"))
FORMAT = OpenApiParameter("format", str, OpenApiParameter.QUERY, required=False, enum=["csv", "xlsx"],
                          description=_("csv (Standard) oder xlsx; alternativ als Endung .csv/.xlsx"))


class ExportViewSet(viewsets.GenericViewSet):
    permission_classes = with_defaults(IsStaffMember)
    renderer_classes = [CSVRenderer, XLSXRenderer, renderers.JSONRenderer]
    lookup_value_regex = "grants|payments|recoveries"
    queryset = Call.objects.none()

    def handle_exception(self, exc):
        # Errors are JSON whatever file format was asked for.
        self.request.accepted_renderer = renderers.JSONRenderer()
        self.request.accepted_media_type = "application/json"
        return super().handle_exception(exc)

    @extend_schema(
        summary=_("Export als CSV oder XLSX"),
        description=_("Zuwendungen, Auszahlungen oder Rückforderungen. CSV: Semikolon, UTF-8 mit BOM, "
                      "Dezimalkomma (für Excel), gestreamt. XLSX wird im Hintergrund erstellt: die Antwort ist "
                      "202 mit dem Dokument (wie POST /api/v1/downloads/ mit payments.dashboard_xlsx); die Datei "
                      "gibt es unter file_url, sobald der Stand „ready“ ist. Beträge als Zahlen im Euro-Format. "
                      "Zellen, die mit = + - @ beginnen, erhalten ein vorangestelltes Apostroph."),
        parameters=[KIND, CALL, PROGRAM, FORMAT],
        responses={(200, "text/csv"): OpenApiTypes.BINARY, 202: DownloadSerializer})
    def retrieve(self, request, pk=None, format=None):  # noqa: A002 (DRF's name for the suffix)
        fmt = getattr(request.accepted_renderer, "format", None)
        calls, suffix = export_scope(request.query_params)  # an unknown call or program is a 404 for both
        if fmt == "xlsx":
            # The workbook is made by the worker (issue 13), never in the request.
            params = {"kind": pk, **{k: request.query_params[k] for k in ("call", "program")
                                     if request.query_params.get(k)}}
            download = request_download(actor=request.user, kind=DASHBOARD_XLSX.name, params=params)
            request.accepted_renderer, request.accepted_media_type = renderers.JSONRenderer(), "application/json"
            return accepted(request, download)
        return exports.response(pk, "csv", calls, suffix=suffix)


def register(router) -> None:
    """Add this area's viewsets to the /api/v1/ router."""
    router.register("staff/payments/dashboard", CallDashboardViewSet, basename="api-payments-dashboard")
    router.register("staff/payments/program-dashboard", ProgramDashboardViewSet,
                    basename="api-payments-program-dashboard")
    router.register("staff/payments/exports", ExportViewSet, basename="api-payments-export")
