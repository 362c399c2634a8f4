"""Read-only API of programs and calls: what a portal needs to offer a call to a municipality."""

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from accounts.api import IsStaffMember, with_defaults
from accounts.enums import TrustLevel
from foundation.api import LabelField, ModelSerializer, ShapedReadMixin, validated_input

from . import transfer
from .enums import CallState
from .models import Call, CallBudgetYear, FundingProgram, Topic
from .selectors import calls_for_staff, open_calls


class TopicSerializer(ModelSerializer):
    class Meta:
        model = Topic
        fields = ["id", "number", "name", "description"]
        read_only_fields = fields


class ProgramSerializer(ShapedReadMixin, ModelSerializer):
    topics = TopicSerializer(many=True, read_only=True)
    # may be empty (then the authority's address applies), which an "email" format would not allow
    contact_email = serializers.CharField(read_only=True, help_text=_("E-Mail der Ansprechstelle; leer: die "
                                                                      "der Behörde im Briefkopf."))

    class Meta:
        model = FundingProgram
        fields = [
            "id",
            "name",
            "short_name",
            "legal_basis",
            "funding_rate",
            "min_grant",
            "max_grant",
            "period_start",
            "period_end",
            "max_duration_months",
            "summary",
            "eligible_applicants",
            "required_documents",
            "contact_name",
            "contact_email",
            "contact_phone",
            "topics",
        ]
        read_only_fields = fields


class ProgramBriefSerializer(ModelSerializer):
    class Meta:
        model = FundingProgram
        fields = ["id", "name", "short_name"]
        read_only_fields = fields


class BudgetYearSerializer(ModelSerializer):
    class Meta:
        model = CallBudgetYear
        fields = ["year", "amount"]
        read_only_fields = fields


class CallSerializer(ShapedReadMixin, ModelSerializer):
    reads = ("is_accepting",)
    program = ProgramBriefSerializer(read_only=True)
    min_trust_level = serializers.ChoiceField(
        choices=TrustLevel.choices, allow_blank=True, read_only=True,
        help_text=_("Leer: jede Anmeldung genügt; sonst das Vertrauensniveau, das die Anmeldung beim Anlegen eines "
                    "Antrags mindestens haben muss (BundID, Mein Unternehmenskonto)."))
    budget_years = BudgetYearSerializer(many=True, read_only=True)
    state_display = LabelField("state")
    is_accepting = serializers.SerializerMethodField(
        help_text=_("Ob der Aufruf in diesem Moment Anträge annimmt.")
    )

    class Meta:
        model = Call
        fields = [
            "id",
            "title",
            "description",
            "program",
            "opens_at",
            "closes_at",
            "total_budget",
            "budget_years",
            "state",
            "state_display",
            "is_accepting",
            "min_trust_level",
        ]
        read_only_fields = fields

    def get_is_accepting(self, obj) -> bool:
        return obj.is_accepting(self.context.get("now"))


class StaffCallSerializer(CallSerializer):
    n_applications = serializers.IntegerField(
        read_only=True, help_text=_("Eingereichte Anträge (ohne Entwürfe)")
    )

    class Meta(CallSerializer.Meta):
        fields = [*CallSerializer.Meta.fields, "frozen_at", "n_applications"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(summary=_("Förderprogramme mit Themenbereichen")),
    retrieve=extend_schema(summary=_("Ein Förderprogramm mit Themenbereichen")),
)
class ProgramViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ProgramSerializer
    queryset = FundingProgram.objects.prefetch_related("topics").order_by("name", "pk")
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        programs = super().get_queryset()
        return ProgramSerializer.shaped(programs) if self.action == "list" else programs


class _CallContextMixin:
    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}


@extend_schema_view(
    list=extend_schema(
        summary=_("Offene Förderaufrufe"),
        description=_("Aufrufe, die in diesem Moment Anträge annehmen, nach Frist sortiert."),
    ),
    retrieve=extend_schema(summary=_("Ein veröffentlichter Förderaufruf")),
)
class CallViewSet(_CallContextMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = CallSerializer
    queryset = Call.objects.none()
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        years = Prefetch("budget_years", queryset=CallBudgetYear.objects.order_by("year"))
        if self.action == "list":
            return CallSerializer.shaped(open_calls().prefetch_related(years))
        return (
            Call.objects.exclude(state=CallState.DRAFT)
            .select_related("program")
            .prefetch_related(years)
        )


@extend_schema_view(
    list=extend_schema(
        summary=_("Alle Förderaufrufe (Ministerium)"),
        description=_("Mit der Zahl der eingereichten Anträge."),
    ),
    retrieve=extend_schema(summary=_("Ein Förderaufruf (Ministerium)")),
)
class StaffCallViewSet(_CallContextMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = StaffCallSerializer
    permission_classes = with_defaults(IsStaffMember)
    queryset = Call.objects.none()
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        calls = calls_for_staff().prefetch_related(
            Prefetch("budget_years", queryset=CallBudgetYear.objects.order_by("year"))
        )
        return StaffCallSerializer.shaped(calls) if self.action == "list" else calls


class MayTransferProgram(BasePermission):
    """grants.transfer_program (grants/rules.py), asked by name."""

    message = _("Programmdateien dürfen nur die Administratorinnen und Administratoren lesen und einlesen.")

    def has_permission(self, request, view):
        return request.user.has_perm("grants.transfer_program")


class ProgramFileSerializer(serializers.Serializer):
    file = serializers.JSONField(help_text=_("Der Inhalt einer Programmdatei (wie ihn „export“ liefert)."))
    short_name = serializers.CharField(required=False, allow_blank=True, max_length=50,
                                       help_text=_("Anderer Kurzname als in der Datei."))


@extend_schema_view(
    export=extend_schema(summary=_("Ein Förderprogramm als Programmdatei"), responses={200: OpenApiTypes.OBJECT}),
    import_file=extend_schema(summary=_("Ein Förderprogramm aus einer Programmdatei anlegen"),
                              request=ProgramFileSerializer, responses={201: ProgramSerializer}),
)
class StaffProgramViewSet(viewsets.GenericViewSet):
    # Program files for another installation (OZG-Verbund Mitte): export and import (admins). (A comment, not a
    # docstring: the schema would show a docstring as the operations' description; theirs are the German summaries.)

    permission_classes = with_defaults(IsStaffMember, MayTransferProgram)
    queryset = FundingProgram.objects.order_by("pk")
    serializer_class = ProgramFileSerializer
    lookup_value_regex = r"[0-9]+"

    @action(detail=True, methods=["get"])
    def export(self, request, pk=None):
        return Response(transfer.export_program(self.get_object()))

    @action(detail=False, methods=["post"], url_path="import")
    def import_file(self, request):
        data = validated_input(ProgramFileSerializer, request.data)
        program = transfer.import_program(actor=request.user, data=data["file"],
                                          short_name=data.get("short_name") or None)
        return Response(ProgramSerializer(program).data, status=status.HTTP_201_CREATED)
