from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .enums import OpenDataField
from .models import Call, CallBudgetYear, Criterion, FundingProgram, Topic


class TopicInline(admin.TabularInline):
    model = Topic
    extra = 0


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0


class FundingProgramForm(forms.ModelForm):
    open_data_fields = forms.MultipleChoiceField(
        label=_("Felder der offenen Daten"), choices=OpenDataField.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Nur die angekreuzten Angaben erscheinen in CSV, JSON und auf der Seite der geförderten Projekte."))

    class Meta:
        model = FundingProgram
        fields = "__all__"  # noqa: DJ007 (the admin shows every setting of a program)


@admin.register(FundingProgram)
class FundingProgramAdmin(admin.ModelAdmin):
    form = FundingProgramForm
    list_display = ("name", "short_name", "funding_rate", "min_grant", "max_grant", "period_start", "period_end")
    inlines = [TopicInline, CriterionInline]


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
