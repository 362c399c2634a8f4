from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.selectors import municipalities_for_choice
from foundation.forms import (
    AmountField,
    DateInput,
    FilterForm,
    KernFormMixin,
    NameChoiceField,
    ValuesChoiceMixin,
    apply_kern_classes,
)
from foundation.params import SEARCH_MAX_LENGTH

from .enums import ApplicationState, AttachmentKind, CostCategory


class NewApplicationForm(KernFormMixin, forms.Form):
    call = forms.ModelChoiceField(label=_("Förderaufruf"), queryset=None)
    lead = NameChoiceField(label=_("Antragstellende Kommune"), queryset=None,
                                  help_text=_("Sie können nur für Kommunen handeln, für die Sie bestätigt sind."))
    title = forms.CharField(label=_("Projekttitel"), max_length=300)

    def __init__(self, *args, calls, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["call"].queryset = calls
        self.fields["lead"].queryset = municipalities


class PartnerChoiceField(ValuesChoiceMixin, forms.ModelMultipleChoiceField):
    """Municipalities as checkboxes (templates/applications/_partners.html; static/js/partners.js adds
    the filter box and the list of the chosen ones). The Landkreis tells places of the same name apart."""

    label_fields = ("name", "landkreis_id", "landkreis__name")

    def label_from_values(self, pk, name, landkreis_id, landkreis_name) -> str:
        return f"{name} ({landkreis_name})" if landkreis_id is not None and landkreis_id != pk else name

    def label_from_instance(self, obj):
        landkreis = getattr(obj, "landkreis", None)
        return self.label_from_values(obj.pk, obj.name, obj.landkreis_id, landkreis.name if landkreis else None)


class ApplicationForm(KernFormMixin, forms.Form):
    # Drafts may be saved incomplete; what submission needs is listed on the case page.
    hide_optional = True
    title = forms.CharField(label=_("Projekttitel"), max_length=300)
    topics = forms.ModelMultipleChoiceField(label=_("Themenbereiche"), queryset=None, required=False,
                                            widget=forms.CheckboxSelectMultiple)
    partners = PartnerChoiceField(
        label=_("Partnerkommunen (Gemeinschaftsvorhaben)"), queryset=None, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Kreuzen Sie alle beteiligten Kommunen an. Gemeinschaftsvorhaben werden bevorzugt."))
    summary = forms.CharField(label=_("Kurzbeschreibung"), required=False,
                              widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    objectives = forms.CharField(label=_("Ziele"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    benefit = forms.CharField(label=_("Nutzen für Bürgerinnen und Bürger"), required=False,
                              widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    transferability = forms.CharField(label=_("Übertragbarkeit auf andere Kommunen"), required=False,
                                      widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    start_date = forms.DateField(label=_("Projektbeginn"), required=False, widget=DateInput())
    end_date = forms.DateField(label=_("Projektende"), required=False, widget=DateInput())
    declaration_not_started = forms.BooleanField(
        label=_("Das Vorhaben hat noch nicht begonnen (kein vorzeitiger Maßnahmenbeginn)."), required=False)
    declaration_own_share = forms.BooleanField(label=_("Der Eigenanteil ist gesichert."), required=False)

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topics"].queryset = application.call.program.topics.all()
        self.fields["partners"].queryset = municipalities_for_choice().exclude(pk=application.lead_id)
        program = application.call.program
        self.fields["start_date"].help_text = _("Im Förderzeitraum %(a)s – %(b)s, höchstens %(n)d Monate.") % {
            "a": program.period_start.strftime("%d.%m.%Y"), "b": program.period_end.strftime("%d.%m.%Y"),
            "n": program.max_duration_months}


class CostLineForm(KernFormMixin, forms.Form):
    hide_optional = True
    category = forms.ChoiceField(label=_("Kategorie"), choices=[("", "—")] + CostCategory.choices)
    description = forms.CharField(label=_("Bezeichnung"), max_length=300)
    budget_year = forms.IntegerField(label=_("Haushaltsjahr"), min_value=2000, max_value=2100)
    amount = AmountField(label=_("Betrag (€)"))
    eligible = forms.BooleanField(label=_("zuwendungsfähig"), required=False, initial=True)


class ThirdPartyForm(KernFormMixin, forms.Form):
    hide_optional = True
    source = forms.CharField(label=_("Geldgeber"), max_length=300)
    amount = AmountField(label=_("Betrag (€)"))


class _RowFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Zeile entfernen")
            apply_kern_classes(form)


CostLineFormSet = forms.formset_factory(CostLineForm, formset=_RowFormSet, extra=3, can_delete=True,
                                        max_num=200, validate_max=True)
ThirdPartyFormSet = forms.formset_factory(ThirdPartyForm, formset=_RowFormSet, extra=1, can_delete=True,
                                          max_num=50, validate_max=True)


class AttachmentForm(KernFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Art der Anlage"), choices=AttachmentKind.choices)
    file = forms.FileField(label=_("Datei (PDF)"), widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}))


class ReasonForm(KernFormMixin, forms.Form):
    reason = forms.CharField(label=_("Begründung"), widget=forms.Textarea(attrs={"rows": 3}),
                             max_length=5000, required=False)


class FormalCheckForm(KernFormMixin, forms.Form):
    """The result of the formal check: the judgement items of the checklist, a reason and, for a
    return for revision, a deadline. Which decision is taken is the button (the URL's step)."""

    hide_optional = True
    reason = forms.CharField(
        label=_("Begründung bzw. was nachzubessern ist"), widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000, required=False,
        help_text=_("Pflicht bei einer Nachforderung und bei Unzulässigkeit; wird der Kommune mitgeteilt."))
    deadline = forms.DateField(label=_("Frist der Nachforderung"), widget=DateInput(), required=False,
                               help_text=_("Nur bei einer Nachforderung."))

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.manual_keys = []
        for item in items:
            if item.manual:
                self.fields[f"confirm_{item.key}"] = forms.BooleanField(label=item.label, required=False)
                self.manual_keys.append(item.key)
        apply_kern_classes(self)

    def confirmation_fields(self):
        return [self[f"confirm_{key}"] for key in self.manual_keys]

    def confirmed(self) -> list[str]:
        return [key for key in self.manual_keys if self.cleaned_data.get(f"confirm_{key}")]

    def require_for(self, step: str) -> bool:
        """The fields this decision needs (errors at the fields); True when all are there."""
        if step in ("return", "ineligible") and not (self.cleaned_data.get("reason") or "").strip():
            self.add_error("reason", _("Bitte geben Sie an, was nachzubessern ist.") if step == "return"
                           else _("Bitte begründen Sie die Unzulässigkeit."))
        if step == "return" and not self.cleaned_data.get("deadline") and "deadline" not in self.errors:
            self.add_error("deadline", _("Bitte geben Sie eine Frist an."))
        if step == "eligible":
            for key in self.manual_keys:
                if not self.cleaned_data.get(f"confirm_{key}"):
                    self.add_error(f"confirm_{key}", _("Bitte bestätigen Sie diesen Punkt."))
        return not self.errors


class CaseSearchForm(FilterForm):
    """The search of every list of cases (applications, or rows about them: grants, requests for money, proofs,
    settlements, recoveries, jury assignments): one text, matched by `selectors.search_applications` against the
    case number, the title and the lead municipality's name. The lists' filter forms extend it."""

    q = forms.CharField(label=_("Suche"), required=False, max_length=SEARCH_MAX_LENGTH,
                        help_text=_("Aktenzeichen, Titel oder Kommune"))


class ApplicantFilterForm(CaseSearchForm):
    """The filters of a municipality's own list of applications (`selectors.applications_for_user`)."""

    state = forms.ChoiceField(label=_("Status"), required=False,
                              choices=[("", _("alle")), *ApplicationState.choices])


class StaffFilterForm(CaseSearchForm):
    state = forms.ChoiceField(label=_("Status"), required=False)
    topic = forms.ChoiceField(label=_("Themenbereich"), required=False)
    landkreis = forms.ChoiceField(label=_("Landkreis / kreisfreie Stadt"), required=False)
    joint = forms.ChoiceField(label=_("Art des Vorhabens"), required=False, choices=[
        ("", _("alle")), ("joint", _("Gemeinschaftsvorhaben")), ("single", _("Einzelvorhaben"))])
    order = forms.ChoiceField(label=_("Sortierung"), required=False, choices=[
        ("submitted", _("Eingang, älteste zuerst")), ("-submitted", _("Eingang, neueste zuerst")),
        ("-grant", _("Zuwendung, höchste zuerst")), ("grant", _("Zuwendung, niedrigste zuerst")),
        ("case", _("Aktenzeichen")), ("lead", _("Kommune")), ("state", _("Status"))])
