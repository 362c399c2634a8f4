"""Serializers of the proofs API: they parse input and shape output; the rules live in the services.

Money is a decimal string with two places ("1234.56"); rates a decimal string in percent ("3.37").
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from applications.enums import CostCategory
from foundation.api import AmountField, LabelField, ModelSerializer, RejectUnknownFieldsMixin, ShapedReadMixin, money

from ..models import BaseRate, Grant, ProofCostLine, ProofOfUse, Recovery, RecoveryPayment, Settlement


class GrantBriefSerializer(ShapedReadMixin, ModelSerializer):
    case_number = serializers.CharField(source="application.case_number", read_only=True)
    title = serializers.CharField(source="application.title", read_only=True)
    municipality = serializers.CharField(source="application.lead.name", read_only=True)
    amount = money()
    paid_amount = money()
    final_amount = money(allow_null=True)
    state_display = LabelField("state")

    class Meta:
        model = Grant
        fields = ["id", "case_number", "title", "municipality", "state", "state_display", "amount", "paid_amount",
                  "final_amount", "project_start", "project_end"]
        read_only_fields = fields


class ProofLineSerializer(ModelSerializer):
    planned = money()
    amount = money()
    category_display = LabelField("category")
    over_limit = serializers.SerializerMethodField()

    class Meta:
        model = ProofCostLine
        fields = ["id", "category", "category_display", "description", "budget_year", "planned", "amount",
                  "eligible", "over_limit"]
        read_only_fields = fields

    def get_over_limit(self, line) -> bool:
        return line.pk in self.context.get("overrun_ids", set())


class ProofListSerializer(ShapedReadMixin, ModelSerializer):
    grant = GrantBriefSerializer(read_only=True)
    kind_display = LabelField("kind")
    state_display = LabelField("state")
    total_costs = money()
    eligible_costs = money()
    third_party_funds = money()
    superseded = serializers.BooleanField(read_only=True, help_text=_(
        "Offen, aber nicht mehr erforderlich: Die Zuwendung ist abgerechnet (kann nicht mehr bearbeitet oder "
        "eingereicht werden)."))

    class Meta:
        model = ProofOfUse
        fields = ["id", "grant", "kind", "kind_display", "budget_year", "due_on", "state", "state_display",
                  "superseded", "total_costs", "eligible_costs", "third_party_funds", "submitted_at", "checked_at"]
        read_only_fields = fields


class ProofDetailSerializer(ProofListSerializer):
    lines = serializers.SerializerMethodField()
    warnings = serializers.SerializerMethodField()

    class Meta(ProofListSerializer.Meta):
        fields = [*ProofListSerializer.Meta.fields, "report", "return_reason", "check_note", "lines", "warnings"]
        read_only_fields = fields

    def _figures(self, proof):
        from ..services.proofs import proof_figures

        key = f"figures-{proof.pk}"
        if key not in self.context:
            self.context[key] = proof_figures(proof)
        return self.context[key]

    def get_lines(self, proof) -> list[dict]:
        figures = self._figures(proof)
        context = {**self.context, "overrun_ids": {flag.line.pk for flag in figures.overruns}}
        return ProofLineSerializer(proof.cost_lines.all(), many=True, context=context).data

    def get_warnings(self, proof) -> list[str]:
        return [_("%(d)s übersteigt den Ansatz um mehr als die zulässige Abweichung (%(a)s > %(l)s).")
                % {"d": f.line.description, "a": f.line.amount, "l": f.limit} for f in self._figures(proof).overruns]


class LineInputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    id = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1,
                                  help_text=_("Vorhandene Zeile; ohne id wird eine Zeile hinzugefügt."))
    amount = AmountField(help_text=_("Tatsächliche Ausgaben, z. B. \"12500.00\""))
    category = serializers.ChoiceField(choices=CostCategory.choices, required=False)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)
    budget_year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
    eligible = serializers.BooleanField(required=False, default=True)


class ProofUpdateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    report = serializers.CharField(required=False, allow_blank=True, max_length=50000)
    third_party_funds = AmountField(required=False)
    lines = LineInputSerializer(many=True, required=False, help_text=_(
        "Die vollständige Liste: Zeilen des Finanzierungsplans mit id und amount; hinzugefügte Zeilen ohne id "
        "mit category, description, budget_year; hinzugefügte Zeilen, die fehlen, werden entfernt."))


class NoteSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class ReasonSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=5000)


class SettlementSerializer(ShapedReadMixin, ModelSerializer):
    reads = ("recovery__id",)
    grant = GrantBriefSerializer(read_only=True)
    actual_eligible_costs = money()
    final_amount = money()
    paid_before = money()
    difference = money()
    outcome_display = LabelField("outcome")
    prepared_by = serializers.CharField(source="prepared_by.display_name", read_only=True)
    confirmed_by = serializers.CharField(source="confirmed_by.display_name", read_only=True, allow_null=True)
    recovery = serializers.SerializerMethodField()

    class Meta:
        model = Settlement
        fields = ["id", "grant", "proof", "state", "actual_eligible_costs", "final_amount", "paid_before",
                  "difference", "outcome", "outcome_display", "ineffective_from", "note", "prepared_by",
                  "prepared_at", "confirmed_by", "confirmed_at", "recovery"]
        read_only_fields = fields

    def get_recovery(self, settlement) -> int | None:
        recovery = getattr(settlement, "recovery", None)
        return recovery.pk if recovery is not None else None


class PrepareSettlementSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    grant = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    ineffective_from = serializers.DateField(required=False, allow_null=True, help_text=_(
        "Nur bei Rückforderung (Pflicht): Tag, ab dem der Bescheid unwirksam ist; Beginn der Verzinsung."))
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class RecoveryPaymentSerializer(ModelSerializer):
    amount = money()
    to_interest = money()
    to_principal = money()

    class Meta:
        model = RecoveryPayment
        fields = ["id", "received_on", "amount", "to_interest", "to_principal", "recorded_at"]
        read_only_fields = fields


class RecoverySerializer(ShapedReadMixin, ModelSerializer):
    # the position (payments.services.proofs_recovery.recovery_position); its payments are prefetched
    reads = ("state", "settled_on", "principal", "interest_from", "interest_margin", "interest_waived")
    grant = GrantBriefSerializer(read_only=True)
    principal = money()
    paid_principal = money()
    paid_interest = money()
    interest_margin = serializers.DecimalField(max_digits=None, decimal_places=2, read_only=True)
    position = serializers.SerializerMethodField(help_text=_(
        "Zinsen bis zum Stichtag (ausschließlich), Gezahltes und Offenes; Stichtag ?on=, sonst heute (bei einer "
        "beglichenen Rückforderung der Tag der Begleichung)."))

    class Meta:
        model = Recovery
        fields = ["id", "grant", "state", "principal", "interest_from", "interest_margin", "due_on",
                  "interest_waived", "waiver_reason", "paid_principal", "paid_interest", "settled_on", "position"]
        read_only_fields = fields

    def get_position(self, recovery) -> dict:
        """Interest and what is outstanding on the day asked for (``?on=``, default today); exclusive."""
        from ..exceptions import PaymentsError
        from ..services.proofs_recovery import recovery_position

        try:
            current = recovery_position(recovery, on=self.context.get("on"), rates=self.context.get("rates"))
        except PaymentsError as exc:
            return {"error": exc.message}
        return {"on": current.on.isoformat(), "interest": f"{current.interest:.2f}",
                "interest_outstanding": f"{current.interest_outstanding:.2f}",
                "principal_outstanding": f"{current.principal_outstanding:.2f}",
                "outstanding": f"{current.outstanding:.2f}"}


class RecoveryDetailSerializer(RecoverySerializer):
    payments = RecoveryPaymentSerializer(many=True, read_only=True)
    periods = serializers.SerializerMethodField()

    class Meta(RecoverySerializer.Meta):
        fields = [*RecoverySerializer.Meta.fields, "payments", "periods"]
        read_only_fields = fields

    def get_periods(self, recovery) -> list[dict]:
        from ..exceptions import PaymentsError
        from ..services.proofs_recovery import recovery_position

        try:
            current = recovery_position(recovery, on=self.context.get("on"), rates=self.context.get("rates"))
        except PaymentsError:
            return []
        return [{"start": p.start.isoformat(), "end_exclusive": p.end.isoformat(), "principal": f"{p.principal:.2f}",
                 "base_rate": f"{p.base_rate:.2f}", "rate": f"{p.rate:.2f}", "days": p.days,
                 "year_days": p.year_days, "interest": f"{p.interest:.6f}"} for p in current.accrual.periods]


class RecordPaymentSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    received_on = serializers.DateField()
    amount = AmountField()


class BaseRateSerializer(ModelSerializer):
    rate = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=-10, max_value=20)

    class Meta:
        model = BaseRate
        fields = ["id", "valid_from", "rate", "created_at"]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {"valid_from": {"validators": []}}


class CorrectRateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    rate = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=-10, max_value=20)
    reason = serializers.CharField(max_length=2000)
