"""API of the proofs area under /api/v1/: proofs of use (municipality and staff), settlements,
recoveries and base rates. Same rules as the pages: each endpoint parses, calls one service, shapes.

403 for a role that may never do it; 404 for an object outside the caller's scope (a guessed id);
400 with {"detail", "field"} for everything the service refuses.
"""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api import permission_of, with_defaults
from applications.api.serializers import CaseSearchSerializer
from foundation.amounts import AmountError, parse_amount
from foundation.api import validated_input as _parse

from ..enums import RecoveryState
from ..idempotency import idempotent_api
from ..models import BaseRate, ProofCostLine, ProofOfUse, Recovery, Settlement
from ..rules import (
    is_money_staff,
    may_check_proof,
    may_confirm_settlement,
    may_maintain_base_rates,
    may_prepare_settlement,
    may_waive_interest,
)
from ..selectors import proofs as selectors
from ..services import proofs as services
from ..services import proofs_recovery as recovery_services
from ..services import proofs_settlement as settlement_services
from . import proofs_serializers as s

IsMoneyStaff = permission_of(is_money_staff, _("Nur die Mitarbeitenden der Zahlungsabwicklung."))
MayCheckProof = permission_of(may_check_proof, _("Nur die Sachbearbeitung prüft Nachweise."))
MayPrepareSettlement = permission_of(may_prepare_settlement,
                                   _("Nur die Sachbearbeitung bereitet die Schlussabrechnung vor."))
MayConfirmSettlement = permission_of(may_confirm_settlement,
                                   _("Nur die Anordnungsbefugten bestätigen die Schlussabrechnung."))
MayWaiveInterest = permission_of(may_waive_interest, _("Nur die Anordnungsbefugten können auf Zinsen verzichten."))
MayMaintainBaseRates = permission_of(may_maintain_base_rates, _("Nur die Mitarbeitenden der Zahlungsabwicklung."))


LINES = Prefetch("cost_lines", queryset=ProofCostLine.objects.order_by("budget_year", "position", "pk"))


# ---------------------------------------------------------------- the municipality


@extend_schema_view(
    list=extend_schema(summary=_("Nachweise der eigenen Zuwendungen"), description=_(
        "Zwischennachweise je Haushaltsjahr und Verwendungsnachweis der Zuwendungen Ihrer Kommunen, nach "
        "Fälligkeit; mit „search“ nur die der Anträge mit dem Text in Aktenzeichen, Titel oder Namen der "
        "federführenden Kommune."), parameters=[CaseSearchSerializer]),
    retrieve=extend_schema(summary=_("Ein Nachweis mit Sachbericht und zahlenmäßigem Nachweis"),
                           responses={200: s.ProofDetailSerializer}),
)
class ProofViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    # A municipality's proofs of use: read, update the draft, submit. (A comment, not a docstring: the schema would
    # show a docstring as the operations' description; theirs are the German summaries and descriptions.)

    queryset = ProofOfUse.objects.none()
    lookup_value_regex = r"[0-9]+"
    permission_classes = with_defaults()

    def get_queryset(self):
        if self.action != "list":
            return selectors.own_proofs(self.request.user).prefetch_related(LINES)
        f = _parse(CaseSearchSerializer, self.request.query_params)
        return s.ProofListSerializer.shaped(selectors.own_proofs(self.request.user, q=f.get("search", "")))

    def get_serializer_class(self):
        return s.ProofListSerializer if self.action == "list" else s.ProofDetailSerializer

    def _detail(self, pk):
        return Response(s.ProofDetailSerializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(summary=_("Entwurf speichern"), request=s.ProofUpdateSerializer,
                   responses={200: s.ProofDetailSerializer})
    def partial_update(self, request, pk=None):
        proof = self.get_object()
        data = _parse(s.ProofUpdateSerializer, request.data)
        if "lines" in data:
            lines = [services.ProofLineInput(
                amount=row["amount"], line_id=row.get("id"), category=row.get("category", ""),
                description=row.get("description", ""), budget_year=row.get("budget_year"),
                eligible=row.get("eligible", True)) for row in data["lines"]]
        else:
            lines = [services.ProofLineInput(amount=line.amount, line_id=line.pk) for line in proof.cost_lines.all()]
        services.save_proof_draft(
            actor=request.user, proof_id=proof.pk, report=data.get("report", proof.report),
            third_party_funds=data.get("third_party_funds", proof.third_party_funds), lines=lines)
        return self._detail(proof.pk)

    @extend_schema(summary=_("Nachweis einreichen"), request=None, responses={200: s.ProofDetailSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        proof = self.get_object()
        services.submit_proof(actor=request.user, proof_id=proof.pk)
        return self._detail(proof.pk)


# ---------------------------------------------------------------- staff: proofs


class StaffProofFilterSerializer(CaseSearchSerializer):
    """Query parameters of the staff's proofs (``selectors.proof_queue``, as the queue page)."""

    view = serializers.ChoiceField(choices=["submitted", "overdue", "all"], required=False, help_text=_(
        "submitted (Standard): zu prüfen; overdue: überfällig; all: alle"))


@extend_schema_view(
    list=extend_schema(summary=_("Nachweise (Prüfung)"), description=_(
        "Die eingereichten Nachweise (die ältesten zuerst), die überfälligen oder alle; mit „search“ nur die der "
        "Anträge mit dem Text in Aktenzeichen, Titel oder Namen der federführenden Kommune."),
        parameters=[StaffProofFilterSerializer]),
    retrieve=extend_schema(summary=_("Ein Nachweis"), responses={200: s.ProofDetailSerializer}),
)
class StaffProofViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = ProofOfUse.objects.none()
    lookup_value_regex = r"[0-9]+"
    filter_backends = []

    def get_permissions(self):
        extra = MayCheckProof if self.action in ("accept", "return_for_completion") else IsMoneyStaff
        return [p() for p in with_defaults(extra)]

    def get_queryset(self):
        if self.action != "list":
            return ProofOfUse.objects.select_related(*selectors.PROOF_RELATED).prefetch_related(LINES)
        f = _parse(StaffProofFilterSerializer, self.request.query_params)
        return s.ProofListSerializer.shaped(
            selectors.proof_queue(view=f.get("view", "submitted"), q=f.get("search", "")))

    def get_serializer_class(self):
        return s.ProofListSerializer if self.action == "list" else s.ProofDetailSerializer

    def _detail(self, pk):
        return Response(s.ProofDetailSerializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(summary=_("Nachweis annehmen"), request=s.NoteSerializer,
                   responses={200: s.ProofDetailSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        proof = self.get_object()
        data = _parse(s.NoteSerializer, request.data)
        services.accept_proof(actor=request.user, proof_id=proof.pk, note=data.get("note", ""))
        return self._detail(proof.pk)

    @extend_schema(summary=_("Zur Ergänzung zurückgeben"), request=s.ReasonSerializer,
                   responses={200: s.ProofDetailSerializer})
    @action(detail=True, methods=["post"], url_path="return")
    def return_for_completion(self, request, pk=None):
        proof = self.get_object()
        data = _parse(s.ReasonSerializer, request.data)
        services.return_proof(actor=request.user, proof_id=proof.pk, reason=data["reason"])
        return self._detail(proof.pk)


# ---------------------------------------------------------------- staff: settlements


@extend_schema_view(
    list=extend_schema(summary=_("Schlussabrechnungen"), description=_(
        "Alle Schlussabrechnungen, die zuletzt vorbereiteten zuerst; mit „search“ nur die der Anträge mit dem Text "
        "in Aktenzeichen, Titel oder Namen der federführenden Kommune."), parameters=[CaseSearchSerializer]),
    retrieve=extend_schema(summary=_("Eine Schlussabrechnung"), responses={200: s.SettlementSerializer}),
)
class SettlementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Settlement.objects.none()
    serializer_class = s.SettlementSerializer
    lookup_value_regex = r"[0-9]+"
    filter_backends = []

    def get_permissions(self):
        extra = {"prepare": MayPrepareSettlement, "discard": MayPrepareSettlement,
                 "confirm": MayConfirmSettlement}.get(self.action, IsMoneyStaff)
        return [p() for p in with_defaults(extra)]

    def get_queryset(self):
        if self.action != "list":
            return selectors.settlements().select_related("recovery")
        f = _parse(CaseSearchSerializer, self.request.query_params)
        return s.SettlementSerializer.shaped(selectors.settlements(q=f.get("search", "")).select_related("recovery")
                                             .order_by("-prepared_at", "-pk"))

    def _detail(self, pk, code=status.HTTP_200_OK):
        return Response(s.SettlementSerializer(self.get_queryset().get(pk=pk)).data, status=code)

    @extend_schema(summary=_("Schlussabrechnung vorbereiten (Sachbearbeitung)"), request=s.PrepareSettlementSerializer,
                   responses={201: s.SettlementSerializer})
    @action(detail=False, methods=["post"])
    @idempotent_api("payments.settlement.prepare")
    def prepare(self, request):
        data = _parse(s.PrepareSettlementSerializer, request.data)
        settlement = settlement_services.prepare_settlement(
            actor=request.user, grant_id=data["grant"], ineffective_from=data.get("ineffective_from"),
            note=data.get("note", ""))
        return self._detail(settlement.pk, status.HTTP_201_CREATED)

    @extend_schema(summary=_("Schlussabrechnung bestätigen (andere Person, Anordnung)"), request=None,
                   responses={200: s.SettlementSerializer})
    @action(detail=True, methods=["post"])
    @idempotent_api("payments.settlement.confirm")
    def confirm(self, request, pk=None):
        settlement = self.get_object()
        settlement_services.confirm_settlement(actor=request.user, settlement_id=settlement.pk)
        return self._detail(settlement.pk)

    @extend_schema(summary=_("Vorbereitete Schlussabrechnung verwerfen"), request=s.ReasonSerializer,
                   responses={200: s.SettlementSerializer})
    @action(detail=True, methods=["post"])
    def discard(self, request, pk=None):
        settlement = self.get_object()
        data = _parse(s.ReasonSerializer, request.data)
        settlement_services.discard_settlement(actor=request.user, settlement_id=settlement.pk,
                                               reason=data["reason"])
        return self._detail(settlement.pk)


# ---------------------------------------------------------------- staff: recoveries


class OnSerializer(serializers.Serializer):
    on = serializers.DateField(required=False)


ON_PARAM = OpenApiParameter("on", OpenApiTypes.DATE, description=_(
    "Zinsen bis zu diesem Tag (ausschließlich) berechnen; Standard: heute"))


class RecoveryFilterSerializer(CaseSearchSerializer):
    """Query parameters of the staff's recoveries (``selectors.recoveries``, as the page)."""

    state = serializers.ChoiceField(choices=RecoveryState.choices, required=False, help_text=_("Nur dieser Status"))


@extend_schema_view(
    list=extend_schema(summary=_("Rückforderungen"), description=_(
        "Alle Rückforderungen, die offenen zuerst, dann nach Zahlungsfrist; mit „state“ nur die eines Status, mit "
        "„search“ nur die der Anträge mit dem Text in Aktenzeichen, Titel oder Namen der federführenden Kommune."),
        parameters=[RecoveryFilterSerializer, ON_PARAM]),
    retrieve=extend_schema(summary=_("Eine Rückforderung mit Zinsberechnung"), parameters=[ON_PARAM],
                           responses={200: s.RecoveryDetailSerializer}),
)
class RecoveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Recovery.objects.none()
    lookup_value_regex = r"[0-9]+"
    filter_backends = []

    def get_permissions(self):
        extra = MayWaiveInterest if self.action == "waive_interest" else IsMoneyStaff
        return [p() for p in with_defaults(extra)]

    def get_queryset(self):
        if self.action != "list":
            return selectors.recoveries()
        f = _parse(RecoveryFilterSerializer, self.request.query_params)
        return s.RecoverySerializer.shaped(selectors.recoveries(state=f.get("state"), q=f.get("search", "")))

    def get_serializer_class(self):
        return s.RecoverySerializer if self.action == "list" else s.RecoveryDetailSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        params = OnSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        context["on"] = params.validated_data.get("on")
        context["rates"] = recovery_services.base_rate_table()
        return context

    def _detail(self, pk, code=status.HTTP_200_OK):
        recovery = get_object_or_404(selectors.recoveries(), pk=pk)
        return Response(s.RecoveryDetailSerializer(recovery, context=self.get_serializer_context()).data,
                        status=code)

    @extend_schema(summary=_("Zahlungseingang erfassen"), request=s.RecordPaymentSerializer,
                   responses={201: s.RecoveryDetailSerializer})
    @action(detail=True, methods=["post"])
    @idempotent_api("payments.recovery.payment")
    def payments(self, request, pk=None):
        recovery = self.get_object()
        data = _parse(s.RecordPaymentSerializer, request.data)
        recovery_services.record_recovery_payment(actor=request.user, recovery_id=recovery.pk,
                                                  received_on=data["received_on"], amount=_amount(data["amount"]))
        return self._detail(recovery.pk, status.HTTP_201_CREATED)

    @extend_schema(summary=_("Auf Zinsen verzichten (Anordnungsbefugte, mit Begründung)"), request=s.ReasonSerializer,
                   responses={200: s.RecoveryDetailSerializer})
    @action(detail=True, methods=["post"], url_path="waive-interest")
    def waive_interest(self, request, pk=None):
        recovery = self.get_object()
        data = _parse(s.ReasonSerializer, request.data)
        recovery_services.waive_interest(actor=request.user, recovery_id=recovery.pk, reason=data["reason"])
        return self._detail(recovery.pk)


def _amount(text):
    from ..exceptions import PaymentsError

    try:
        return parse_amount(text, allow_zero=False, decimal_point=True)
    except AmountError as exc:
        raise PaymentsError(exc.message, field="amount") from None


# ---------------------------------------------------------------- staff: base rates


@extend_schema_view(
    list=extend_schema(summary=_("Basiszinssätze (§ 247 BGB)")),
    create=extend_schema(summary=_("Basiszinssatz erfassen (gültig ab 1. Januar oder 1. Juli)"),
                         responses={201: s.BaseRateSerializer}),
)
class BaseRateViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = s.BaseRateSerializer
    lookup_value_regex = r"[0-9]+"
    filter_backends = []
    pagination_class = None

    def get_permissions(self):
        return [p() for p in with_defaults(MayMaintainBaseRates)]

    def get_queryset(self):
        return BaseRate.objects.order_by("-valid_from")

    def create(self, request, *args, **kwargs):
        data = _parse(s.BaseRateSerializer, request.data)
        base_rate = recovery_services.add_base_rate(actor=request.user, valid_from=data["valid_from"],
                                                    rate=data["rate"])
        return Response(s.BaseRateSerializer(base_rate).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary=_("Basiszinssatz korrigieren (mit Begründung)"), request=s.CorrectRateSerializer,
                   responses={200: s.BaseRateSerializer})
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        base_rate = self.get_object()
        data = _parse(s.CorrectRateSerializer, request.data)
        base_rate = recovery_services.correct_base_rate(actor=request.user, base_rate_id=base_rate.pk,
                                                        rate=data["rate"], reason=data["reason"])
        return Response(s.BaseRateSerializer(base_rate).data)


def register(router) -> None:
    """Add this area's viewsets to the /api/v1/ router."""
    router.register("payments/proofs", ProofViewSet, basename="api-payments-proof")
    router.register("staff/payments/proofs", StaffProofViewSet, basename="api-staff-payments-proof")
    router.register("staff/payments/settlements", SettlementViewSet, basename="api-staff-payments-settlement")
    router.register("staff/payments/recoveries", RecoveryViewSet, basename="api-staff-payments-recovery")
    router.register("staff/payments/base-rates", BaseRateViewSet, basename="api-staff-payments-base-rate")
