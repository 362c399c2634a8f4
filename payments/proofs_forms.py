"""Forms of the proofs area. They parse input only; the rules are checked by payments.services.proofs."""


from django import forms
from django.utils.translation import gettext_lazy as _

from applications.enums import CostCategory
from foundation.amounts import parse_amount
from foundation.forms import AmountField, DateInput, KernFormMixin, apply_kern_classes

from .exceptions import PaymentsError


def add_payments_error(form: forms.BaseForm, error: PaymentsError) -> None:
    """Show a service's error at the field it names, or above the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


class ActualAmountField(AmountField):
    """An actual amount in German format; empty means 0,00; 0 is allowed."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(blank_as_zero=True, **kwargs)


class ProofForm(KernFormMixin, forms.Form):
    hide_optional = True
    report = forms.CharField(
        label=_("Sachbericht"), required=False, max_length=50000, widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Was wurde umgesetzt, welche Ziele wurden erreicht, was wich vom Plan ab und warum?"))
    third_party_funds = ActualAmountField(label=_("Drittmittel (€)"),
                                          help_text=_("Zuwendungen und Zuschüsse Dritter für das Vorhaben."))


class PlannedLineForm(KernFormMixin, forms.Form):
    """The actual amount of a line of the financing plan."""

    amount = ActualAmountField(label=_("Tatsächliche Ausgaben (€)"))


class AddedLineForm(KernFormMixin, forms.Form):
    hide_optional = True
    line_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    category = forms.ChoiceField(label=_("Kategorie"), choices=[("", "—")] + CostCategory.choices)
    description = forms.CharField(label=_("Bezeichnung"), max_length=300)
    budget_year = forms.TypedChoiceField(label=_("Haushaltsjahr"), coerce=int, choices=[])
    amount = ActualAmountField(label=_("Tatsächliche Ausgaben (€)"))
    eligible = forms.BooleanField(label=_("zuwendungsfähig"), required=False, initial=True)

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["budget_year"].choices = [(y, str(y)) for y in years]
        if years:  # the browser sends the first year of an untouched line; it is its initial value
            self.fields["budget_year"].initial = years[0]


class _AddedLineFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Zeile entfernen")
            apply_kern_classes(form)


AddedLineFormSet = forms.formset_factory(AddedLineForm, formset=_AddedLineFormSet, extra=1, can_delete=True,
                                         max_num=100, validate_max=True)


class AcceptForm(KernFormMixin, forms.Form):
    note = forms.CharField(label=_("Prüfvermerk"), required=False, max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 4}))


class ReturnForm(KernFormMixin, forms.Form):
    reason = forms.CharField(label=_("Was ist zu ergänzen?"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}),
                             error_messages={"required": _("Bitte geben Sie an, was zu ergänzen ist.")})


class PrepareSettlementForm(KernFormMixin, forms.Form):
    ineffective_from = forms.DateField(
        label=_("Bescheid unwirksam ab (Zinsbeginn)"), required=False, widget=DateInput(),
        help_text=_("Nur bei Rückforderung: der Tag, ab dem der Bescheid (teilweise) unwirksam ist. Bei einem "
                    "teilweisen Widerruf mit Wirkung für die Vergangenheit ist das der Tag der Auszahlung "
                    "(§ 49a Abs. 3 HVwVfG). Nicht in der Zukunft."))
    note = forms.CharField(label=_("Vermerk"), required=False, max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(KernFormMixin, forms.Form):
    reason = forms.CharField(label=_("Begründung"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _("Bitte geben Sie eine Begründung an.")})


class RecoveryPaymentForm(KernFormMixin, forms.Form):
    received_on = forms.DateField(label=_("Eingegangen am"), widget=DateInput())
    amount = AmountField(label=_("Betrag (€)"))


class InterestDateForm(KernFormMixin, forms.Form):
    am = forms.DateField(label=_("Zinsen berechnen bis (ausschließlich)"), required=False, widget=DateInput())


class RateField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return parse_amount(str(value).replace("%", ""), allow_negative=True)
        except ValueError:
            raise forms.ValidationError(_("Bitte geben Sie den Zinssatz in Prozent an, z. B. 3,37 oder -0,88."),
                                        code="invalid") from None


class BaseRateForm(KernFormMixin, forms.Form):
    valid_from = forms.DateField(label=_("Gültig ab"), widget=DateInput(),
                                 help_text=_("Der 1. Januar oder der 1. Juli."))
    rate = RateField(label=_("Basiszinssatz (%)"), help_text=_("Wie von der Deutschen Bundesbank bekannt gegeben, "
                                                                "z. B. 1,27 oder -0,88."),
                     widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))


class CorrectRateForm(KernFormMixin, forms.Form):
    rate = RateField(label=_("Richtiger Basiszinssatz (%)"),
                     widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
    reason = forms.CharField(label=_("Begründung der Korrektur"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _("Bitte begründen Sie die Korrektur.")})
