"""Django forms rendered with the KERN design system's markup, and the form fields every app shares."""

from decimal import Decimal
from urllib.parse import urlencode

from django import forms
from django.forms.renderers import TemplatesSetting

from .amounts import AmountError, format_amount_input, parse_amount


class KernFormRenderer(TemplatesSetting):
    form_template_name = "forms/kern_form.html"
    field_template_name = "forms/kern_field.html"


# Order matters: CheckboxSelectMultiple is a subclass of RadioSelect.
_CLASSES = {
    forms.CheckboxInput: "kern-form-check__checkbox",
    forms.CheckboxSelectMultiple: "kern-form-check__checkbox",
    forms.RadioSelect: "kern-form-check__radio",
    forms.Select: "kern-form-input__select",
    forms.SelectMultiple: "kern-form-input__select",
}


def apply_kern_classes(form: forms.BaseForm, *, with_errors: bool = False) -> None:
    """Give every widget the KERN class of its kind (and the error class when invalid)."""
    for name, field in form.fields.items():
        widget = field.widget
        css = next((c for cls, c in _CLASSES.items() if isinstance(widget, cls)), "kern-form-input__input")
        if with_errors and name in form.errors:
            css += f" {css}--error"
        own = [c for c in widget.attrs.get("class", "").split() if not c.startswith("kern-form")]
        widget.attrs["class"] = " ".join([*own, css])


class KernFormMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        apply_kern_classes(self)

    def full_clean(self):
        super().full_clean()
        if self.is_bound:
            apply_kern_classes(self, with_errors=True)


class FilterForm(KernFormMixin, forms.Form):
    """The filters of a list, from the query string: `filters()` gives what was given, for the list's selector."""

    def filters(self) -> dict:
        """The given values of a valid form (the empty ones left out); nothing of an invalid or unbound one, whose
        errors the page shows at their fields."""
        if not self.is_bound or not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value}

    @property
    def text(self) -> str:
        """The given search text (field `q`), "" for none or an invalid form."""
        return self.filters().get("q", "")


def filter_context(form: FilterForm | None, url: str, **keep: str) -> dict:
    """What a list's page gives its template for `templates/foundation/_list_filters.html`: the `form`, whether
    a filter narrows the list (`filtered`, for the list's empty message), `keep`, what the page shows beside its
    filters (a tab, one of its lists: ``?ansicht=``, ``?liste=``), sent along with them, and `reset`, the list's
    address `url` with those but without the filters. Empty values of `keep` are left out."""
    keep = {name: value for name, value in keep.items() if value}
    return {"form": form, "filtered": bool(form and form.filters()), "keep": keep,
            "reset": f"{url}?{urlencode(keep)}" if keep else url}


class AmountField(forms.CharField):
    """Euro amount, typed in German format; cleaned to Decimal by foundation.amounts.parse_amount.

    allow_zero: 0,00 is a valid amount (e.g. own funds spent so far); blank_as_zero: an empty field
    means 0,00 (actual costs of a line nobody filled in) instead of "no value".
    """

    def __init__(self, *, allow_zero: bool = False, blank_as_zero: bool = False, **kwargs):
        self.allow_zero = allow_zero or blank_as_zero
        self.blank_as_zero = blank_as_zero
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, str) or value is None:
            return value
        return format_amount_input(value)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return Decimal("0.00") if self.blank_as_zero else None
        try:
            return parse_amount(value, allow_zero=self.allow_zero)
        except AmountError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None

    def has_changed(self, initial, data):
        # Compare amounts, not texts: "0,00", "" (with blank_as_zero) and an empty initial value agree,
        # so an untouched extra formset line counts as unchanged.
        try:
            return self.to_python(initial if initial is not None else "") != self.to_python(data)
        except forms.ValidationError:
            return True


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ValuesChoiceIterator(forms.models.ModelChoiceIterator):
    """The options of a model choice field read with one ``values_list()``: no model instance per option.

    A select or a list of checkboxes of every municipality (about 450) built 900 instances (each with its
    Landkreis) to write a name per option: 13 of the 21 ms of the membership review (bench/scale.py). The field
    names the columns its label needs (``label_fields``) and writes the label from them (``label_from_values``).
    What the user chose is still looked up through the field's queryset, as Django does.
    """

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for pk, *values in self.queryset.values_list("pk", *self.field.label_fields):
            yield forms.models.ModelChoiceIteratorValue(pk, None), self.field.label_from_values(pk, *values)


class ValuesChoiceMixin:
    """For ModelChoiceField and ModelMultipleChoiceField: options from ``ValuesChoiceIterator``. The label is the
    first of ``label_fields`` unless ``label_from_values(pk, *values)`` says otherwise; it must say what
    ``label_from_instance`` says, as the field's label for one object still comes from there."""

    iterator = ValuesChoiceIterator
    label_fields = ("name",)

    def label_from_values(self, pk, *values) -> str:
        return values[0]


class NameChoiceField(ValuesChoiceMixin, forms.ModelChoiceField):
    """A select of objects shown by their ``name`` (``str()`` of the model must be the name)."""
