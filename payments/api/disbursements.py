"""API of disbursements: /api/v1/payments/disbursements, /payments/bank-accounts (municipalities) and
/api/v1/staff/payments/disbursements, /staff/payments/payment-runs (ministry, TOTP required).

Serializers parse and shape; every rule is in payments.services.disbursements (a PaymentsError is a 400 with
{"detail", "field"}). Querysets are scoped to what the caller may see, so a guessed id is a 404.
Amounts are decimal strings with two places ("1234.56").
"""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.reverse import reverse

from accounts.api import IsStaffMember, permission_of, with_defaults
from accounts.rules import is_staff_member
from accounts.selectors import approved_municipality_ids
from applications.api.serializers import CaseSearchSerializer
from foundation.api import (
    MAX_ID,
    AmountField,
    LabelField,
    ModelSerializer,
    RejectUnknownFieldsMixin,
    ShapedReadMixin,
    money,
)
from foundation.api import validated_input as _parse
from foundation.files import private_file_response
from foundation.params import SEARCH_MAX_LENGTH

from ..enums import DisbursementState
from ..idempotency import idempotent_api
from ..models import BankAccount, DisbursementRequest, Grant, PaymentRun
from ..rules import is_money_staff, may_run_payments
from ..selectors import disbursements as selectors
from ..services import disbursements as services

MayRunPayments = permission_of(may_run_payments,
                               _("Zahlungsläufe bearbeiten nur Sachbearbeitung und Anordnungsbefugte."))




# ---------------------------------------------------------------- serializers


class DisbursementPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="display_name", read_only=True)


class BankAccountSerializer(ShapedReadMixin, ModelSerializer):
    reads = ("replaced_at",)  # current
    municipality_name = serializers.CharField(source="municipality.name", read_only=True)
    current = serializers.SerializerMethodField(help_text=_("Die aktuelle Bankverbindung (nicht ersetzt)"))
    created_at = serializers.DateTimeField(source="prepared_at", read_only=True)

    class Meta:
        model = BankAccount
        fields = ["id", "municipality", "municipality_name", "holder", "iban", "bic", "bank_name", "created_at",
                  "confirmed_at", "replaced_at", "current"]
        read_only_fields = fields

    def get_current(self, obj) -> bool:
        return obj.replaced_at is None


class BankAccountInputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    municipality = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text=_("ID der Kommune"))
    holder = serializers.CharField(max_length=200)
    iban = serializers.CharField(max_length=60, help_text=_("Mit oder ohne Leerzeichen; wird geprüft (Prüfziffer)"))
    bic = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")


class DisbursementSerializer(ShapedReadMixin, ModelSerializer):
    case_number = serializers.CharField(source="grant.application.case_number", read_only=True)
    municipality = serializers.CharField(source="grant.application.lead.name", read_only=True)
    amount = money()
    own_spending = money()
    state_display = LabelField("state")
    kind_display = LabelField("kind")
    payment_run = serializers.IntegerField(source="payment_run_id", read_only=True, allow_null=True)

    class Meta:
        model = DisbursementRequest
        fields = ["id", "grant", "case_number", "municipality", "number", "kind", "kind_display", "state",
                  "state_display", "amount", "purpose", "needed_on", "own_spending", "requested_at", "checked_at",
                  "released_at", "rejected_at", "rejection_reason", "payment_run", "paid_on"]
        read_only_fields = fields


class StaffDisbursementSerializer(DisbursementSerializer):
    requested_by = DisbursementPersonSerializer(read_only=True)
    checked_by = DisbursementPersonSerializer(read_only=True, allow_null=True)
    released_by = DisbursementPersonSerializer(read_only=True, allow_null=True)

    class Meta(DisbursementSerializer.Meta):
        fields = [*DisbursementSerializer.Meta.fields, "requested_by", "checked_by", "released_by", "end_to_end_id",
                  "remittance"]
        read_only_fields = fields


class DisbursementInputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    grant = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text=_("ID der Zuwendung"))
    amount = AmountField(help_text=_('Betrag in Euro als Dezimalzeichenkette ("12500.00")'))
    purpose = serializers.CharField(max_length=5000)
    needed_on = serializers.DateField(help_text=_("Datum, zu dem das Geld benötigt wird (N-Monats-Regel)"))
    own_spending = AmountField(required=False, default="0.00",
                               help_text=_("Bisher verausgabte Eigenmittel in Euro"))


class DisbursementReasonSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=5000)


class RunSerializer(ShapedReadMixin, ModelSerializer):
    total = money()
    state_display = LabelField("state")
    created_by = DisbursementPersonSerializer(source="prepared_by", read_only=True)
    created_at = serializers.DateTimeField(source="prepared_at", read_only=True)
    confirmed_by = DisbursementPersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = PaymentRun
        fields = ["id", "number", "state", "state_display", "execution_date", "message_id", "sha256", "total",
                  "count", "created_by", "created_at", "confirmed_by", "confirmed_at", "cancel_reason"]
        read_only_fields = fields


class RunDetailSerializer(RunSerializer):
    items_url = serializers.SerializerMethodField(help_text=_(
        "Die Zahlungen des Laufs, seitenweise (GET auf diese Adresse; count nennt ihre Zahl)"))

    class Meta(RunSerializer.Meta):
        fields = [*RunSerializer.Meta.fields, "items_url"]
        read_only_fields = fields

    def get_items_url(self, obj) -> str:
        url = reverse("api-staff-payments-disbursement-list", request=self.context.get("request"))
        return f"{url}?payment_run={obj.pk}"


class RunInputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    execution_date = serializers.DateField()
    disbursements = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False, allow_null=True,
        default=None, max_length=5000, help_text=_("IDs angeordneter Zahlungen; ohne Angabe alle angeordneten"))


class RunConfirmSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    paid_on = serializers.DateField(help_text=_("Tag der Ausführung durch die Bank"))


# ---------------------------------------------------------------- municipality


class DisbursementFilterSerializer(CaseSearchSerializer):
    """Query parameters of a municipality's requests (``selectors.own_disbursements``)."""

    grant = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID,
                                     help_text=_("Nur diese Zuwendung (ID)"))


@extend_schema_view(
    list=extend_schema(summary=_("Mittelabrufe Ihrer Kommunen"), description=_(
        "Nach Zuwendung und Nummer; mit „grant“ nur die einer Zuwendung, mit „search“ nur die der Anträge mit dem "
        "Text in Aktenzeichen, Titel oder Namen der federführenden Kommune."),
        parameters=[DisbursementFilterSerializer]),
    retrieve=extend_schema(summary=_("Ein Mittelabruf"), responses={200: DisbursementSerializer}),
    create=extend_schema(summary=_("Mittel abrufen"), description=_(
        "Nur für bestandskräftige Zuwendungen der antragstellenden Kommune; höchstens der noch abrufbare Betrag "
        "(ohne einbehaltene Schlussrate), benötigt frühestens heute und spätestens heute + N Monate."),
        request=DisbursementInputSerializer, responses={201: DisbursementSerializer}),
)
class DisbursementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                          viewsets.GenericViewSet):
    queryset = DisbursementRequest.objects.none()
    serializer_class = DisbursementSerializer
    lookup_value_regex = r"[0-9]{1,18}"
    filter_backends = []

    def get_queryset(self):
        if self.action != "list":
            return selectors.own_disbursements(self.request.user)
        f = _parse(DisbursementFilterSerializer, self.request.query_params)
        return DisbursementSerializer.shaped(selectors.own_disbursements(
            self.request.user, grant=f.get("grant"), q=f.get("search", "")))

    @idempotent_api("payments.disbursement.request")
    def create(self, request, *args, **kwargs):
        data = _parse(DisbursementInputSerializer, request.data)
        grant = Grant.objects.filter(pk=data["grant"], application__lead_id__in=approved_municipality_ids(
            request.user)).first()
        if grant is None:
            raise Http404
        d = services.request_disbursement(actor=request.user, grant_id=grant.pk, amount=data["amount"],
                                          purpose=data["purpose"], needed_on=data["needed_on"],
                                          own_spending=data["own_spending"])
        return Response(DisbursementSerializer(self.get_queryset().get(pk=d.pk)).data, status=status.HTTP_201_CREATED)


MAY_CONFIRM_ACCOUNT = _("Bankverbindungen bestätigt eine zweite Person aus dem Ministerium.")
MayConfirmBankAccount = permission_of(is_money_staff, MAY_CONFIRM_ACCOUNT)  # the person: the object's rule below


class BankAccountFilterSerializer(serializers.Serializer):
    municipality = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID,
                                            help_text=_("Nur diese Kommune (ID)"))
    search = serializers.CharField(required=False, max_length=SEARCH_MAX_LENGTH,
                                   help_text=_("Teil des Namens der Kommune oder der IBAN"))


@extend_schema_view(
    list=extend_schema(summary=_("Bankverbindungen (aktuelle und frühere)"), description=_(
        "Die Bankverbindungen Ihrer Kommunen samt Verlauf; für das Ministerium alle."),
        parameters=[BankAccountFilterSerializer]),
    create=extend_schema(summary=_("Bankverbindung erfassen oder ändern"), description=_(
        "Eine Änderung legt eine neue Bankverbindung an und bewahrt die bisherige als Verlauf; die Sachbearbeitung "
        "wird informiert. Dieselben Angaben noch einmal ändern nichts."),
        request=BankAccountInputSerializer, responses={201: BankAccountSerializer}),
)
class BankAccountViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    queryset = BankAccount.objects.none()
    serializer_class = BankAccountSerializer
    filter_backends = []

    def get_permissions(self):
        extra = [MayConfirmBankAccount] if self.action == "confirm" else []
        return [permission() for permission in with_defaults(*extra)]

    def get_queryset(self):
        user = self.request.user
        qs = BankAccount.objects.select_related("municipality").order_by("municipality__name", "municipality_id",
                                                                         "-prepared_at", "-pk")
        if not is_staff_member(user):
            qs = qs.filter(municipality_id__in=approved_municipality_ids(user))
        if self.action != "list":
            return qs
        f = _parse(BankAccountFilterSerializer, self.request.query_params)
        if f.get("municipality") is not None:
            qs = qs.filter(municipality_id=f["municipality"])
        return BankAccountSerializer.shaped(selectors.search_bank_accounts(qs, f.get("search", "")))

    def create(self, request, *args, **kwargs):
        data = _parse(BankAccountInputSerializer, request.data)
        if data["municipality"] not in approved_municipality_ids(request.user):
            if is_staff_member(request.user):
                raise PermissionDenied(_("Nur Mitglieder der Kommune pflegen ihre Bankverbindung."))
            raise Http404
        account = services.change_bank_account(actor=request.user, municipality_id=data["municipality"],
                                               holder=data["holder"], iban=data["iban"], bic=data["bic"])
        return Response(BankAccountSerializer(account).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary=_("Bankverbindung bestätigen (zweite Person)"), request=None,
                   responses={200: BankAccountSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        account = self.get_object()
        if not request.user.has_perm("payments.confirm_bank_account", account):
            raise PermissionDenied(MAY_CONFIRM_ACCOUNT)
        account = services.confirm_bank_account(actor=request.user, account_id=account.pk)
        return Response(BankAccountSerializer(account).data)


# ---------------------------------------------------------------- staff


class StaffDisbursementFilterSerializer(DisbursementFilterSerializer):
    """Query parameters of the staff's list of requests (``selectors.disbursements_for_staff``, as the queue page)."""

    state = serializers.ChoiceField(choices=DisbursementState.choices, required=False,
                                    help_text=_("Nur dieser Status"))
    payment_run = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID,
                                           help_text=_("Nur die Zahlungen dieses Zahlungslaufs (ID)"))


@extend_schema_view(
    list=extend_schema(summary=_("Mittelabrufe (Ministerium)"), description=_(
        "Alle Mittelabrufe, die ältesten zuerst; mit „state“ nur die eines Status, mit „grant“ nur die einer "
        "Zuwendung, mit „search“ nur die der Anträge mit dem Text in Aktenzeichen, Titel oder Namen der "
        "federführenden Kommune."), parameters=[StaffDisbursementFilterSerializer]),
    retrieve=extend_schema(summary=_("Ein Mittelabruf"), responses={200: StaffDisbursementSerializer}),
)
class StaffDisbursementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = DisbursementRequest.objects.none()
    serializer_class = StaffDisbursementSerializer
    permission_classes = with_defaults(IsStaffMember)
    lookup_value_regex = r"[0-9]{1,18}"
    filter_backends = []

    def get_queryset(self):
        if self.action != "list":
            return selectors.disbursements_for_staff()
        f = _parse(StaffDisbursementFilterSerializer, self.request.query_params)
        return StaffDisbursementSerializer.shaped(selectors.disbursements_for_staff(
            state=f.get("state", ""), grant=f.get("grant"), payment_run=f.get("payment_run"), q=f.get("search", "")))

    def _respond(self, d):
        return Response(StaffDisbursementSerializer(selectors.disbursements_for_staff().get(pk=d.pk)).data)

    @extend_schema(summary=_("Sachlich richtig zeichnen"), description=_(
        "Sachbearbeitung; nicht die Person, die den Abruf gestellt hat."), request=None,
        responses={200: StaffDisbursementSerializer})
    @action(detail=True, methods=["post"])
    @idempotent_api("payments.disbursement.check")
    def check(self, request, pk=None):
        return self._respond(services.check_disbursement(actor=request.user, disbursement_id=self.get_object().pk))

    @extend_schema(summary=_("Auszahlung anordnen"), description=_(
        "Anordnungsbefugte; nie die Person, die sachlich richtig gezeichnet hat (Vier-Augen-Prinzip)."),
        request=None, responses={200: StaffDisbursementSerializer})
    @action(detail=True, methods=["post"])
    @idempotent_api("payments.disbursement.release")
    def release(self, request, pk=None):
        return self._respond(services.release_disbursement(actor=request.user, disbursement_id=self.get_object().pk))

    @extend_schema(summary=_("Mittelabruf ablehnen"), description=_("Der Betrag wird wieder abrufbar."),
                   request=DisbursementReasonSerializer, responses={200: StaffDisbursementSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        d = self.get_object()
        data = _parse(DisbursementReasonSerializer, request.data)
        return self._respond(services.reject_disbursement(actor=request.user, disbursement_id=d.pk,
                                                          reason=data["reason"]))


@extend_schema_view(
    list=extend_schema(summary=_("Zahlungsläufe")),
    retrieve=extend_schema(summary=_("Ein Zahlungslauf mit seinen Zahlungen"),
                           responses={200: RunDetailSerializer}),
    create=extend_schema(summary=_("Zahlungslauf erstellen (SEPA pain.001)"), request=RunInputSerializer,
                         responses={201: RunDetailSerializer}),
)
class PaymentRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                        viewsets.GenericViewSet):
    queryset = PaymentRun.objects.none()
    serializer_class = RunDetailSerializer
    lookup_value_regex = r"[0-9]{1,18}"
    filter_backends = []

    def get_permissions(self):
        extra = [IsStaffMember] if self.action in ("list", "retrieve", "file") else [MayRunPayments]
        return [permission() for permission in with_defaults(*extra)]

    def get_queryset(self):
        return RunSerializer.shaped(selectors.runs_for_staff()) if self.action == "list" else selectors.runs_for_staff()

    def get_serializer_class(self):
        return RunSerializer if self.action == "list" else RunDetailSerializer

    def _detail(self, run, code=status.HTTP_200_OK):
        return Response(RunDetailSerializer(self.get_queryset().get(pk=run.pk), context=self.get_serializer_context())
                        .data, status=code)

    @idempotent_api("payments.payment_run.create")
    def create(self, request, *args, **kwargs):
        data = _parse(RunInputSerializer, request.data)
        run = services.create_payment_run(actor=request.user, execution_date=data["execution_date"],
                                          disbursement_ids=data["disbursements"])
        return self._detail(run, status.HTTP_201_CREATED)

    @extend_schema(summary=_("Ausführung durch die Bank bestätigen"), description=_(
        "Verbucht alle Zahlungen als ausgezahlt; eine zweite Bestätigung ändert nichts."),
        request=RunConfirmSerializer, responses={200: RunDetailSerializer})
    @action(detail=True, methods=["post"])
    @idempotent_api("payments.payment_run.confirm")
    def confirm(self, request, pk=None):
        run = self.get_object()
        data = _parse(RunConfirmSerializer, request.data)
        return self._detail(services.confirm_payment_run(actor=request.user, run_id=run.pk, paid_on=data["paid_on"]))

    @extend_schema(summary=_("Zahlungslauf stornieren"), description=_(
        "Nur ein noch nicht bestätigter Lauf; seine Zahlungen sind danach wieder angeordnet."),
        request=DisbursementReasonSerializer, responses={200: RunDetailSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        run = self.get_object()
        data = _parse(DisbursementReasonSerializer, request.data)
        return self._detail(services.cancel_payment_run(actor=request.user, run_id=run.pk, reason=data["reason"]))

    @extend_schema(summary=_("SEPA-Datei (pain.001) herunterladen"),
                   responses={(200, "application/xml"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def file(self, request, pk=None):
        run = self.get_object()
        return private_file_response(run.file, run.download_name,
                                     content_type="application/xml")


def register(router) -> None:
    """Add this area's viewsets to the /api/v1/ router."""
    router.register("payments/disbursements", DisbursementViewSet, basename="api-payments-disbursement")
    router.register("payments/bank-accounts", BankAccountViewSet, basename="api-payments-bank-account")
    router.register("staff/payments/disbursements", StaffDisbursementViewSet,
                    basename="api-staff-payments-disbursement")
    router.register("staff/payments/payment-runs", PaymentRunViewSet, basename="api-staff-payments-payment-run")

