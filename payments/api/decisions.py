"""API of the decisions area (under /api/v1/):

- staff/payments/decisions: list, retrieve, create (= prepare), confirm, discard — ministry staff with TOTP;
- payments/grants: grants visible to the caller (staff all, a municipality its own), detail with figures and
  notice metadata, waive-appeal (Rechtsbehelfsverzicht);
- payments/notices: notice metadata and the PDF download (a guessed id of another municipality → 404).

The same services as the pages: rule violations are PaymentsError → 400 {"detail", "field"}.
"""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts.api import IsStaffMember, permission_of, with_defaults
from accounts.rules import is_approver, is_case_worker
from applications.api.serializers import CaseSearchSerializer
from applications.models import Application
from foundation.api import MAX_ID, ModelSerializer, ShapedReadMixin, validated_input
from foundation.files import private_pdf_response

from ..enums import DecisionKind, DecisionState, GrantState
from ..idempotency import idempotent_api
from ..models import Amendment, Commitment, Decision, Grant, Notice
from ..rules import is_grantee, may_prepare_amendment
from ..selectors import decisions as selectors
from ..services import decisions as services

# ---------------------------------------------------------------- serializers (shape data only)


class GrantDecisionSerializer(ShapedReadMixin, ModelSerializer):
    reads = ("grant__id",)
    case_number = serializers.CharField(source="application.case_number", read_only=True)
    call = serializers.IntegerField(source="application.call_id", read_only=True)
    prepared_by = serializers.EmailField(source="prepared_by.email", read_only=True)
    confirmed_by = serializers.EmailField(source="confirmed_by.email", read_only=True, allow_null=True)
    grant = serializers.SerializerMethodField()

    class Meta:
        model = Decision
        fields = ["id", "application", "case_number", "call", "kind", "state", "funding_rate", "eligible_costs",
                  "grant_amount", "years", "reasons", "prepared_by", "prepared_at", "confirmed_by", "confirmed_at",
                  "discard_reason", "grant"]
        read_only_fields = fields

    def get_grant(self, obj) -> int | None:
        grant = getattr(obj, "grant", None)
        return grant.pk if grant is not None else None


class PrepareDecisionSerializer(serializers.Serializer):
    application = serializers.PrimaryKeyRelatedField(queryset=Application.objects.filter(case_number__isnull=False))
    kind = serializers.ChoiceField(choices=DecisionKind.choices)
    reasons = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class DiscardDecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)


class NoticeSerializer(ShapedReadMixin, ModelSerializer):
    reads = ()  # the download address: the id
    case_number = serializers.CharField(source="application.case_number", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Notice
        fields = ["id", "application", "grant", "case_number", "kind", "version", "issued_on", "sha256", "figures",
                  "created_at", "download_url"]
        read_only_fields = fields

    def get_download_url(self, obj) -> str:
        request = self.context.get("request")
        url = f"/api/v1/payments/notices/{obj.pk}/download/"
        return request.build_absolute_uri(url) if request else url


class CommitmentSerializer(ModelSerializer):
    class Meta:
        model = Commitment
        fields = ["year", "amount"]


class GrantListSerializer(ShapedReadMixin, ModelSerializer):
    case_number = serializers.CharField(source="application.case_number", read_only=True)
    title = serializers.CharField(source="application.title", read_only=True)
    lead = serializers.IntegerField(source="application.lead_id", read_only=True)

    class Meta:
        model = Grant
        fields = ["id", "application", "case_number", "title", "lead", "call", "state", "amount", "final_on"]
        read_only_fields = fields


class GrantDetailSerializer(GrantListSerializer):
    commitments = CommitmentSerializer(many=True, read_only=True)
    notices = serializers.SerializerMethodField()
    available_amount = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta(GrantListSerializer.Meta):
        fields = [*GrantListSerializer.Meta.fields, "funding_rate", "eligible_costs", "retained_amount",
                  "project_start", "project_end", "disbursement_window_months", "appeal_period_months",
                  "interim_proof_months", "final_proof_months", "general_conditions_edition", "notice_issued_on",
                  "appeal_ends_on", "appeal_waived_at", "requested_amount", "paid_amount", "available_amount",
                  "amendment_count", "commitments", "notices"]
        read_only_fields = fields

    @extend_schema_field(NoticeSerializer(many=True))
    def get_notices(self, obj):
        return NoticeSerializer(obj.application.notices.order_by("version"), many=True, context=self.context).data


class AmendmentSerializer(ModelSerializer):
    prepared_by = serializers.CharField(source="prepared_by.display_name", read_only=True)
    confirmed_by = serializers.CharField(source="confirmed_by.display_name", read_only=True, allow_null=True)

    class Meta:
        model = Amendment
        fields = ["id", "grant", "state", "amount", "eligible_costs", "project_end", "reason", "number",
                  "prepared_by", "prepared_at", "confirmed_by", "confirmed_at"]
        read_only_fields = fields


class AmendGrantSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True,
                                      min_value=0)
    eligible_costs = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True,
                                              min_value=0)
    project_end = serializers.DateField(required=False, allow_null=True)
    reason = serializers.CharField(max_length=5000)


# ---------------------------------------------------------------- staff: decisions


class IsApprover(IsStaffMember):
    message = _("Nur die Bewilligungsbehörde (Rolle „Bewilligung/Anordnung“) darf diesen Schritt ausführen.")

    def has_permission(self, request, view):
        return bool(is_approver(request.user))


MayPrepareDecision = permission_of(is_case_worker, _("Nur die Sachbearbeitung bereitet Förderentscheidungen vor."))
MayPrepareAmendment = permission_of(may_prepare_amendment,
                                    _("Änderungen bereiten Sachbearbeitung und Bewilligungsbehörde vor."))
MAY_CONFIRM_AMENDMENT = _("Eine Änderung bestätigt eine zweite Person mit der Rolle „Bewilligung/Anordnung“, nicht "
                          "wer sie vorbereitet hat.")
MayConfirmAmendment = permission_of(is_approver, MAY_CONFIRM_AMENDMENT)  # the person: the object's rule below


class DecisionFilterSerializer(CaseSearchSerializer):
    """Query parameters of the list of decisions (``selectors.decision_list``)."""

    call = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID,
                                    help_text=_("Nur dieser Aufruf (ID)"))
    application = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID,
                                           help_text=_("Nur dieser Antrag (ID)"))
    state = serializers.ChoiceField(choices=DecisionState.choices, required=False, help_text=_("Nur dieser Status"))


@extend_schema_view(
    list=extend_schema(summary=_("Förderentscheidungen"), description=_(
        "Vorbereitete, bestätigte und verworfene Entscheidungen, die neuesten zuerst; mit „call“, „application“ "
        "und „state“ nur die eines Aufrufs, eines Antrags oder eines Status, mit „search“ nur die der Anträge mit "
        "dem Text in Aktenzeichen, Titel oder Namen der federführenden Kommune."),
        parameters=[DecisionFilterSerializer]),
    retrieve=extend_schema(summary=_("Eine Förderentscheidung"), responses={200: GrantDecisionSerializer}),
    create=extend_schema(summary=_("Entscheidung vorbereiten (Sachbearbeitung)"), description=_(
        "Bewilligung mit den Zahlen des Finanzierungsplans oder Ablehnung mit Begründung; nur für empfohlene "
        "Anträge und Anträge der Nachrückliste. Eine zweite Person bestätigt."),
        request=PrepareDecisionSerializer, responses={201: GrantDecisionSerializer}),
)
class DecisionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                      viewsets.GenericViewSet):
    serializer_class = GrantDecisionSerializer
    lookup_value_regex = r"[0-9]+"

    def get_permissions(self):
        extra = {"create": [MayPrepareDecision], "confirm": [IsApprover]}.get(self.action, [])
        return [permission() for permission in with_defaults(IsStaffMember, *extra)]

    def get_queryset(self):
        if self.action != "list":
            return selectors.decision_list()
        f = validated_input(DecisionFilterSerializer, self.request.query_params)
        return GrantDecisionSerializer.shaped(selectors.decision_list(
            call=f.get("call"), application=f.get("application"), state=f.get("state", ""),
            q=f.get("search", "")))

    def _detail(self, pk, status_code=status.HTTP_200_OK):
        return Response(GrantDecisionSerializer(self.get_queryset().get(pk=pk)).data, status=status_code)

    @idempotent_api("payments.decision.prepare")
    def create(self, request, *args, **kwargs):
        serializer = PrepareDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        decision = services.prepare_decision(actor=request.user, application_id=data["application"].pk,
                                             kind=data["kind"], reasons=data["reasons"])
        return self._detail(decision.pk, status.HTTP_201_CREATED)

    @extend_schema(summary=_("Entscheidung bestätigen (Freigabe, Vier-Augen-Prinzip)"), description=_(
        "Eine andere Person als die vorbereitende bestätigt. Eine Bewilligung bindet unter Sperre das Budget des "
        "Aufrufs und jede Tranche der Haushaltsjahre und legt die Zuwendung an; reicht das Geld nicht, wird sie "
        "mit dem fehlenden Betrag abgelehnt. Ein zweiter Aufruf ändert nichts."),
        request=None, responses={200: GrantDecisionSerializer})
    @action(detail=True, methods=["post"])
    @idempotent_api("payments.decision.confirm")
    def confirm(self, request, pk=None):
        decision = self.get_object()
        services.confirm_decision(actor=request.user, decision_id=decision.pk)
        return self._detail(decision.pk)

    @extend_schema(summary=_("Entscheidung verwerfen"), request=DiscardDecisionSerializer,
                   responses={200: GrantDecisionSerializer})
    @action(detail=True, methods=["post"])
    def discard(self, request, pk=None):
        decision = self.get_object()
        serializer = DiscardDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.discard_decision(actor=request.user, decision_id=decision.pk,
                                  reason=serializer.validated_data["reason"])
        return self._detail(decision.pk)


# ---------------------------------------------------------------- grants (staff and municipality)


class GrantFilterSerializer(CaseSearchSerializer):
    """Query parameters of the list of grants (``selectors.grant_list``, as its page)."""

    state = serializers.ChoiceField(choices=GrantState.choices, required=False)


@extend_schema_view(
    list=extend_schema(summary=_("Zuwendungen"), description=_(
        "Für das Ministerium alle Zuwendungen, für eine Kommune die Zuwendungen ihrer Anträge, die neuesten "
        "zuerst; mit „state“ nur die eines Status, mit „search“ nur die mit dem Text in Aktenzeichen, Titel "
        "oder Namen der federführenden Kommune."), parameters=[GrantFilterSerializer]),
    retrieve=extend_schema(summary=_("Eine Zuwendung mit Zahlen, Mittelbindung je Haushaltsjahr und Bescheiden"),
                           responses={200: GrantDetailSerializer}),
)
class GrantViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = GrantDetailSerializer
    lookup_value_regex = r"[0-9]+"

    def get_permissions(self):
        extra = {"amend": [MayPrepareAmendment], "confirm_amendment": [MayConfirmAmendment]}.get(self.action, [])
        return [permission() for permission in with_defaults(*extra)]

    def get_queryset(self):
        if self.action != "list":
            return (selectors.visible_grants(self.request.user)
                    .prefetch_related("commitments", "application__notices"))
        f = validated_input(GrantFilterSerializer, self.request.query_params)
        return GrantListSerializer.shaped(selectors.grant_list(
            self.request.user, state=f.get("state", ""), q=f.get("search", "")))

    def get_serializer_class(self):
        return GrantListSerializer if self.action == "list" else GrantDetailSerializer

    @extend_schema(summary=_("Auf Rechtsbehelfe verzichten (Rechtsbehelfsverzicht)"), description=_(
        "Nur Mitglieder der antragstellenden Kommune; der Bescheid wird sofort bestandskräftig. "
        "Ein zweiter Aufruf ändert nichts."), request=None, responses={200: GrantDetailSerializer})
    @action(detail=True, methods=["post"], url_path="waive-appeal")
    def waive_appeal(self, request, pk=None):
        grant = self.get_object()
        if not is_grantee(request.user, grant):
            raise PermissionDenied(_("Nur Mitglieder der antragstellenden Kommune können auf Rechtsbehelfe "
                                     "verzichten."))
        services.waive_appeal(actor=request.user, grant_id=grant.pk)
        fresh = self.get_queryset().get(pk=grant.pk)
        return Response(GrantDetailSerializer(fresh, context=self.get_serializer_context()).data)

    @extend_schema(summary=_("Änderung vorbereiten (Änderungsbescheid, erste Person)"), description=_(
        "Höchstbetrag, zuwendungsfähige Ausgaben und/oder Ende des Bewilligungszeitraums mit Begründung. Eine "
        "zweite Person (Bewilligung/Anordnung) bestätigt mit …/amendments/{id}/confirm/; erst dann werden Mittel "
        "gebunden und der Änderungsbescheid erlassen."),
        request=AmendGrantSerializer, responses={201: AmendmentSerializer})
    @action(detail=True, methods=["post"])
    @idempotent_api("payments.amendment.prepare")
    def amend(self, request, pk=None):
        grant = self.get_object()
        serializer = AmendGrantSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        amendment = services.prepare_amendment(actor=request.user, grant_id=grant.pk, reason=data["reason"],
                                               amount=data.get("amount"), project_end=data.get("project_end"),
                                               eligible_costs=data.get("eligible_costs"))
        return Response(AmendmentSerializer(amendment).data, status=201)

    @extend_schema(summary=_("Änderung bestätigen (zweite Person, Änderungsbescheid)"), request=None,
                   responses={200: GrantDetailSerializer})
    @action(detail=True, methods=["post"], url_path=r"amendments/(?P<amendment_id>[0-9]{1,18})/confirm")
    @idempotent_api("payments.amendment.confirm")
    def confirm_amendment(self, request, pk=None, amendment_id=None):
        grant = self.get_object()
        amendment = Amendment.objects.filter(pk=amendment_id, grant=grant).first()
        if amendment is None:
            raise Http404
        if not request.user.has_perm("payments.confirm_amendment", amendment):
            raise PermissionDenied(MAY_CONFIRM_AMENDMENT)
        services.confirm_amendment(actor=request.user, amendment_id=amendment.pk)
        fresh = self.get_queryset().get(pk=grant.pk)
        return Response(GrantDetailSerializer(fresh, context=self.get_serializer_context()).data)


# ---------------------------------------------------------------- notices


@extend_schema_view(
    list=extend_schema(summary=_("Bescheide"), description=_("Metadaten aller Bescheide, die Sie sehen dürfen.")),
    retrieve=extend_schema(summary=_("Metadaten eines Bescheids"), responses={200: NoticeSerializer}),
)
class NoticeViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = NoticeSerializer
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        qs = selectors.visible_notices(self.request.user).order_by("-created_at", "-pk")
        return NoticeSerializer.shaped(qs) if self.action == "list" else qs

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=force or self.action == "download")

    @extend_schema(summary=_("Bescheid als PDF herunterladen"),
                   responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        notice = self.get_object()
        return private_pdf_response(notice.file, notice.download_name)


def register(router) -> None:
    """Add this area's viewsets to the /api/v1/ router."""
    router.register("staff/payments/decisions", DecisionViewSet, basename="api-payments-decision")
    router.register("payments/grants", GrantViewSet, basename="api-payments-grant")
    router.register("payments/notices", NoticeViewSet, basename="api-payments-notice")
