"""Endpoints of applications: each parses input, calls one service or selector, shapes the result.

Who may act is checked here (403) and again in the service; when (the state) is the service's
business (400 with {"detail", "field"}). Querysets come from the selectors, so an application of
another municipality is 404 whatever the method.
"""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from accounts.api import IsCaseWorker, IsStaffMember, with_defaults
from accounts.trust import session_trust_level
from foundation.api import validated_input
from foundation.files import private_pdf_response

from .. import rules as app_rules
from .. import selectors, services
from ..models import Application
from . import serializers as s

PDF = {(200, "application/pdf"): OpenApiTypes.BINARY}
DETAIL = {200: s.ApplicationDetailSerializer}
ATTACHMENT_ID = OpenApiParameter("attachment_id", int, OpenApiParameter.PATH)
VERSION = OpenApiParameter(
    "version", int, OpenApiParameter.PATH, description=_("Nummer der Einreichung")
)

LEAD_ACTIONS = frozenset(
    {"partial_update", "submit", "resubmit", "withdraw", "attachment_upload", "attachment_delete"}
)
CHECK_ACTIONS = frozenset({"start_check", "return_for_revision", "decide_eligibility", "checklist"})
DOWNLOAD_ACTIONS = frozenset({"attachment", "receipt"})


class IsLeadMember(BasePermission):
    message = _(
        "Nur bestätigte Mitglieder der antragstellenden Kommune können den Antrag bearbeiten, "
        "einreichen oder zurückziehen."
    )

    def has_object_permission(self, request, view, obj):
        return bool(app_rules.is_lead_member(request.user, obj))


class MayDownloadReceipt(BasePermission):
    message = _(
        "Die Eingangsbestätigung steht nur der antragstellenden Kommune und dem Ministerium zur "
        "Verfügung."
    )

    def has_object_permission(self, request, view, obj):
        return bool(app_rules.may_download_receipt(request.user, obj))


@extend_schema_view(
    list=extend_schema(
        summary=_("Ihre Anträge"),
        description=_(
            "Anträge der Kommunen, für die Sie bestätigt sind (als "
            "antragstellende oder als Partnerkommune), die zuletzt geänderten zuerst; "
            "mit „state“ nur die eines Status, mit „search“ nur die mit dem Text in Titel, "
            "Aktenzeichen oder Namen der federführenden Kommune."
        ),
        parameters=[s.ApplicantFilterSerializer],
    ),
    retrieve=extend_schema(
        summary=_("Ein Antrag mit Status, Zahlen, Anlagen und Eingangsbestätigungen"),
        responses=DETAIL,
    ),
    create=extend_schema(
        summary=_("Antragsentwurf anlegen"),
        request=s.ApplicationCreateSerializer,
        responses={201: s.ApplicationDetailSerializer},
    ),
    partial_update=extend_schema(
        summary=_("Entwurf bearbeiten"),
        description=_(
            "Nur die gesendeten Felder ändern sich; eine gesendete Liste (Themenbereiche, "
            "Partnerkommunen, Ausgabenpositionen, Drittmittel) ersetzt die bisherige. Beträge "
            'als Dezimalzeichenkette, z. B. "1234.56". Alles wird geprüft, bevor etwas '
            "gespeichert wird."
        ),
        request=s.ApplicationUpdateSerializer,
        responses=DETAIL,
    ),
)
class ApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Application.objects.none()
    serializer_class = s.ApplicationDetailSerializer
    lookup_value_regex = r"[0-9]+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    # ------------------------------------------------------------ plumbing

    def get_queryset(self):
        user = self.request.user
        if self.action == "list":
            f = validated_input(s.ApplicantFilterSerializer, self.request.query_params)
            return s.ApplicationListSerializer.shaped(selectors.applications_for_user(
                user, state=f.get("state", ""), q=f.get("search", "")))
        if self.action == "retrieve":
            return self._detail_queryset()
        return selectors.visible_applications(user).select_related("call", "lead")

    def _detail_queryset(self):
        return (
            selectors.visible_applications(self.request.user)
            .select_related("call__program", "lead", "lead__landkreis")
            .prefetch_related(
                "partners", "topics", "cost_lines", "third_party", "attachments", "receipts"
            )
        )

    def get_serializer_class(self):
        return (
            s.ApplicationListSerializer if self.action == "list" else s.ApplicationDetailSerializer
        )

    def get_permissions(self):
        extra = []
        if self.action in CHECK_ACTIONS:
            extra = [IsCaseWorker]
        elif self.action in LEAD_ACTIONS:
            extra = [IsLeadMember]
        elif self.action == "receipt":
            extra = [MayDownloadReceipt]
        return [permission() for permission in with_defaults(*extra)]

    def perform_content_negotiation(self, request, force=False):
        # A portal asking for application/pdf gets the file (or a JSON error), never a 406.
        return super().perform_content_negotiation(
            request, force=force or self.action in DOWNLOAD_ACTIONS
        )

    def _detail(self, pk, status_code=status.HTTP_200_OK) -> Response:
        application = self._detail_queryset().get(pk=pk)
        return Response(
            s.ApplicationDetailSerializer(application, context=self.get_serializer_context()).data,
            status=status_code,
        )

    def _parse(self, serializer_class, **kwargs):
        serializer = serializer_class(data=self.request.data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    # ------------------------------------------------------------ drafts

    def create(self, request, *args, **kwargs):
        data = self._parse(s.ApplicationCreateSerializer)
        application = services.create_application(
            actor=request.user, call=data["call"], lead=data["lead"], title=data["title"],
            trust_level=session_trust_level(request),  # none with an API key: keys carry no trust level
        )
        return self._detail(application.pk, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        application = self.get_object()
        data = self._parse(s.ApplicationUpdateSerializer, partial=True)
        services.update_application(
            actor=request.user,
            application_id=application.pk,
            data={
                name: data[name]
                for name in s.ApplicationUpdateSerializer.PLAIN_FIELDS
                if name in data
            },
            topic_ids=data.get("topics"),
            partner_ids=data.get("partners"),
            cost_lines=[
                services.CostLineInput(
                    category=line["category"],
                    description=line["description"],
                    budget_year=line["budget_year"],
                    amount=line["amount"],
                    eligible=line.get("eligible", True),  # defaults are off in PATCH
                )
                for line in data["cost_lines"]
            ]
            if "cost_lines" in data
            else None,
            third_party=[
                services.ThirdPartyInput(source=row["source"], amount=row["amount"])
                for row in data["third_party"]
            ]
            if "third_party" in data
            else None,
        )
        return self._detail(application.pk)

    # ------------------------------------------------------------ attachments

    @extend_schema(
        summary=_("Anlagen eines Antrags"), responses={200: s.AttachmentSerializer(many=True)}
    )
    @action(detail=True, methods=["get"], pagination_class=None, url_path="attachments", url_name="attachments")
    def attachments(self, request, pk=None):
        application = self.get_object()
        return Response(
            s.AttachmentSerializer(
                application.attachments.all(), many=True, context=self.get_serializer_context()
            ).data
        )

    @extend_schema(
        summary=_("Anlage hochladen (nur PDF)"),
        description=_(
            "multipart/form-data mit „kind“ und „file“. Geprüft wird der Inhalt: "
            "ein lesbares, unverschlüsseltes PDF innerhalb der Größengrenze."
        ),
        request={"multipart/form-data": s.AttachmentUploadSerializer},
        responses={201: s.AttachmentSerializer},
    )
    @attachments.mapping.post
    def attachment_upload(self, request, pk=None):
        application = self.get_object()
        data = self._parse(s.AttachmentUploadSerializer)
        attachment = services.add_attachment(
            actor=request.user,
            application_id=application.pk,
            kind=data["kind"],
            upload=data["file"],
        )
        return Response(
            s.AttachmentSerializer(attachment, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary=_("Anlage herunterladen"),
        parameters=[ATTACHMENT_ID],
        responses={**PDF},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment_id>[0-9]+)",
        url_name="attachment",
    )
    def attachment(self, request, pk=None, attachment_id=None):
        application = self.get_object()
        attachment = get_object_or_404(application.attachments, pk=attachment_id)
        return private_pdf_response(attachment.file, attachment.original_name)

    @extend_schema(
        summary=_("Anlage entfernen"), parameters=[ATTACHMENT_ID], responses={204: None}
    )
    @attachment.mapping.delete
    def attachment_delete(self, request, pk=None, attachment_id=None):
        application = self.get_object()
        attachment = get_object_or_404(application.attachments, pk=attachment_id)
        services.remove_attachment(actor=request.user, attachment_id=attachment.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    # ------------------------------------------------------------ the municipality's steps

    @extend_schema(
        summary=_("Antrag einreichen"),
        description=_(
            "Vergibt das Aktenzeichen; die Eingangsbestätigung (PDF) folgt kurz "
            "danach unter „receipts“."
        ),
        request=None,
        responses=DETAIL,
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        application = self.get_object()
        services.submit_application(actor=request.user, application_id=application.pk)
        return self._detail(application.pk)

    @extend_schema(
        summary=_("Nachgebesserten Antrag erneut einreichen"), request=None, responses=DETAIL
    )
    @action(detail=True, methods=["post"])
    def resubmit(self, request, pk=None):
        application = self.get_object()
        services.resubmit_application(actor=request.user, application_id=application.pk)
        return self._detail(application.pk)

    @extend_schema(summary=_("Antrag zurückziehen"), request=s.WithdrawSerializer, responses=DETAIL)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        application = self.get_object()
        data = self._parse(s.WithdrawSerializer)
        services.withdraw_application(
            actor=request.user, application_id=application.pk, reason=data["reason"]
        )
        return self._detail(application.pk)

    @extend_schema(
        summary=_("Verlauf (Protokoll) eines Antrags"),
        responses={200: s.TimelineEntrySerializer(many=True)},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def timeline(self, request, pk=None):
        application = self.get_object()
        return Response(
            s.TimelineEntrySerializer(
                selectors.application_timeline(application),
                many=True,
                context=self.get_serializer_context(),
            ).data
        )

    @extend_schema(
        summary=_("Eingangsbestätigung herunterladen"),
        parameters=[VERSION],
        responses={**PDF},
    )
    @action(
        detail=True, methods=["get"], url_path=r"receipts/(?P<version>[0-9]+)", url_name="receipt"
    )
    def receipt(self, request, pk=None, version=None):
        application = self.get_object()
        receipt = get_object_or_404(application.receipts, version=version)
        return private_pdf_response(receipt.file, receipt.download_name)

    # ------------------------------------------------------------ the formal check (case workers)

    @extend_schema(summary=_("Formalprüfung beginnen"), request=None, responses=DETAIL)
    @action(detail=True, methods=["post"], url_path="start-check")
    def start_check(self, request, pk=None):
        application = self.get_object()
        services.start_formal_check(actor=request.user, application_id=application.pk)
        return self._detail(application.pk)

    @extend_schema(
        summary=_("Zur Nachbesserung zurückgeben"),
        request=s.ReturnForRevisionSerializer,
        responses=DETAIL,
    )
    @action(detail=True, methods=["post"], url_path="return-for-revision")
    def return_for_revision(self, request, pk=None):
        application = self.get_object()
        data = self._parse(s.ReturnForRevisionSerializer)
        services.return_for_revision(
            actor=request.user,
            application_id=application.pk,
            reason=data["reason"],
            deadline=data["deadline"],
            confirmed=data["confirmed"],
        )
        return self._detail(application.pk)

    @extend_schema(
        summary=_("Über die formale Zulässigkeit entscheiden"),
        request=s.EligibilityDecisionSerializer,
        responses=DETAIL,
    )
    @action(detail=True, methods=["post"], url_path="decide-eligibility")
    def decide_eligibility(self, request, pk=None):
        application = self.get_object()
        data = self._parse(s.EligibilityDecisionSerializer)
        services.decide_eligibility(
            actor=request.user,
            application_id=application.pk,
            eligible=data["eligible"],
            reason=data["reason"],
            confirmed=data["confirmed"],
        )
        return self._detail(application.pk)

    @extend_schema(
        summary=_("Die Prüfliste der Formalprüfung"),
        description=_("Berechnete Punkte mit Ergebnis und Begründung; Punkte mit manual=true bestätigt die "
                      "Sachbearbeitung mit „confirmed“ beim Entscheiden."),
        responses={200: s.CheckItemSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], url_path="checklist", pagination_class=None)
    def checklist(self, request, pk=None):
        from applications.checklist import checklist

        application = self.get_object()
        items = [{"key": i.key, "label": i.label, "manual": i.manual, "ok": i.ok, "reason": i.reason}
                 for i in checklist(application)]
        return Response(s.CheckItemSerializer(items, many=True).data)


@extend_schema_view(
    list=extend_schema(
        summary=_("Anträge eines Aufrufs (Formalprüfung)"),
        description=_(
            "Für das Ministerium: eingereichte Anträge eines Aufrufs mit Filtern und Sortierung."
        ),
        parameters=[s.StaffFilterSerializer],
    ),
)
class StaffApplicationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.StaffApplicationSerializer
    permission_classes = with_defaults(IsStaffMember)
    queryset = Application.objects.none()
    filter_backends = []  # the filters are the selector's, parsed by StaffFilterSerializer

    def get_queryset(self):
        f = validated_input(s.StaffFilterSerializer, self.request.query_params)
        return s.StaffApplicationSerializer.shaped(selectors.staff_applications(
            call_id=f["call"].pk,
            state=f.get("state", ""),
            topic=str(f.get("topic", "")),
            landkreis=str(f.get("landkreis", "")),
            joint=f.get("joint", ""),
            q=f.get("search", ""),
            order=f.get("ordering", ""),
        ))
