from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Call, CallBudgetYear, Criterion, FundingProgram, Topic


class TopicInline(admin.TabularInline):
    model = Topic
    extra = 0


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0


@admin.register(FundingProgram)
class FundingProgramAdmin(admin.ModelAdmin):
    list_display = ("name", "short_name", "funding_rate", "min_grant", "max_grant", "period_start", "period_end")
    inlines = [TopicInline, CriterionInline]
    fieldsets = [
        (None, {"fields": ["name", "short_name", "legal_basis", "general_conditions_edition"]}),
        (_("Geldregeln"), {"fields": ["funding_rate", "min_grant", "max_grant", "retained_instalment_percent",
                                       "line_overrun_percent", "disbursement_window_months"]}),
        (_("Zeiten und Fristen"), {"fields": ["period_start", "period_end", "max_duration_months",
                                              "interim_proof_months", "final_proof_months",
                                              "appeal_period_months"]}),
        (_("Aktenzeichen"), {"fields": ["case_number_prefix", "case_number_template"]}),
        (_("Öffentliche Seite der Aufrufe"), {
            "description": _("Was die öffentliche Seite jedes Aufrufs (Hessenfinder, Verwaltungsportal) sagt."),
            "fields": ["summary", "eligible_applicants", "required_documents", "contact_name", "contact_email",
                       "contact_phone"]}),
    ]


class CallBudgetYearInline(admin.TabularInline):
    model = CallBudgetYear
    extra = 0

    def has_delete_permission(self, request, obj=None):
        return not (obj and obj.frozen_at)


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ("title", "program", "state", "opens_at", "closes_at", "total_budget", "frozen_at")
    list_filter = ("state", "program")
    readonly_fields = ("state", "frozen_at")
    list_select_related = ("program",)
    inlines = [CallBudgetYearInline]
    actions = ["publish_calls"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj and obj.frozen_at:
            fields += ["program", "opens_at", "closes_at", "total_budget"]
        return fields

    @admin.action(description=_("Ausgewählte Aufrufe veröffentlichen"))
    def publish_calls(self, request, queryset):
        from .services import publish_call

        for call in queryset:
            publish_call(actor=request.user, call_id=call.pk)
