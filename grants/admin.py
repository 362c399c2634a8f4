from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from foundation.admin import GermanNumbersAdmin

from . import transfer
from .enums import OpenDataField
from .exceptions import GrantsError
from .models import Call, CallBudgetYear, Criterion, FundingProgram, Topic


class TopicInline(admin.TabularInline):
    model = Topic
    extra = 0


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0


class ProgramImportForm(forms.Form):
    file = forms.FileField(label=_("Programmdatei (JSON)"))
    short_name = forms.CharField(label=_("Anderer Kurzname"), max_length=50, required=False,
                                 help_text=_("Nur nötig, wenn es den Kurznamen aus der Datei hier schon gibt."))


class FundingProgramForm(forms.ModelForm):
    open_data_fields = forms.MultipleChoiceField(
        label=_("Felder der offenen Daten"), choices=OpenDataField.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Nur die angekreuzten Angaben erscheinen in CSV, JSON und auf der Seite der geförderten Projekte."))

    class Meta:
        model = FundingProgram
        fields = "__all__"  # noqa: DJ007 (the admin shows every setting of a program)


@admin.register(FundingProgram)
class FundingProgramAdmin(GermanNumbersAdmin):
    form = FundingProgramForm
    change_list_template = "admin/grants/fundingprogram/change_list.html"
    actions = ["export_program"]
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
        (_("Offene Daten"), {"fields": ["open_data_fields"]}),
    ]

    def get_urls(self):
        return [path("einlesen/", self.admin_site.admin_view(self.import_view), name="grants_program_import"),
                *super().get_urls()]

    @admin.action(description=_("Als Programmdatei herunterladen"))
    def export_program(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Bitte wählen Sie genau ein Programm."), level=messages.ERROR)
            return None
        program = queryset.get()
        response = HttpResponse(transfer.export_json(program), content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, f"Foerderprogramm-{program.short_name}.json")
        return response

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ProgramImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                program = transfer.import_program(
                    actor=request.user, data=transfer.parse_file(form.cleaned_data["file"].read(
                        transfer.MAX_BYTES + 1)), short_name=form.cleaned_data["short_name"] or None)
            except GrantsError as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(request, _("Das Programm „%(name)s“ wurde angelegt. Prüfen Sie Texte und "
                                             "Geldregeln, bevor Sie einen Aufruf veröffentlichen.")
                                  % {"name": program.name})
                return redirect("admin:grants_fundingprogram_change", program.pk)
        return render(request, "admin/grants/fundingprogram/import.html", {
            **self.admin_site.each_context(request), "form": form, "opts": self.model._meta,
            "title": _("Förderprogramm aus Datei einlesen")})


class CallBudgetYearInline(admin.TabularInline):
    model = CallBudgetYear
    extra = 0

    def has_delete_permission(self, request, obj=None):
        return not (obj and obj.frozen_at)


@admin.register(Call)
class CallAdmin(GermanNumbersAdmin):
    list_display = ("title", "program", "state", "opens_at", "closes_at", "total_budget", "frozen_at")
    list_filter = ("state", "program")
    readonly_fields = ("state", "frozen_at")
    list_select_related = ("program",)
    inlines = [CallBudgetYearInline]
    actions = ["publish_calls"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj and obj.frozen_at:
            fields += ["program", "opens_at", "closes_at", self.german_column("total_budget")]
        return fields

    @admin.action(description=_("Ausgewählte Aufrufe veröffentlichen"))
    def publish_calls(self, request, queryset):
        from .services import publish_call

        for call in queryset:
            publish_call(actor=request.user, call_id=call.pk)
