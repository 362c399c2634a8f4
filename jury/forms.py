"""Forms of the jury pages. They parse input only; the rules are checked by jury.services."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from applications.forms import CaseSearchForm
from foundation.amounts import AmountError, format_decimal, parse_amount
from foundation.forms import DateInput, KernFormMixin, apply_kern_classes

from .enums import DecisionOutcome
from .exceptions import JuryError
from .selectors import OPEN, SUBMITTED

TENTH = Decimal("0.1")


def add_jury_error(form: forms.BaseForm, error: JuryError) -> None:
    """Show a service's error at the field it names, or above the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def score_steps(criterion) -> list[Decimal]:
    """The values a criterion may take: 0, step, 2·step, …, scale_max."""
    steps, value = [], Decimal("0")
    while value <= criterion.scale_max:
        steps.append(value)
        value += criterion.step
    return steps


def point_key(value) -> str:
    """The form value of a score: one decimal place, as stored ("0.0", "2.5")."""
    return str(Decimal(value).quantize(TENTH))


def format_points(value) -> str:
    """1.5 → "1,5", 2.0 → "2" (German decimal comma, no trailing zeros)."""
    if value is None:
        return ""
    return format_decimal(value, 1, trim=True)


class DeclarationForm(KernFormMixin, forms.Form):
    NO_CONFLICT, CONFLICT = "no_conflict", "conflict"

    decision = forms.ChoiceField(
        label=_("Ihre Erklärung"), widget=forms.RadioSelect,
        choices=[(NO_CONFLICT, _("Keine Befangenheit: Ich habe keine Beziehung zu den beteiligten Kommunen, "
                                 "die meine Unparteilichkeit in Frage stellt.")),
                 (CONFLICT, _("Befangen: Ich nehme an der Bewertung dieses Antrags nicht teil."))],
        error_messages={"required": _("Bitte wählen Sie eine der beiden Erklärungen.")})
    reason = forms.CharField(
        label=_("Begründung der Befangenheit"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Pflicht, wenn Sie „Befangen“ wählen (z. B. Beschäftigung, Ratsmandat, persönliche Nähe)."))

    @property
    def conflict(self) -> bool:
        return self.cleaned_data["decision"] == self.CONFLICT


class ScoreForm(KernFormMixin, forms.Form):
    """One select (allowed steps) and one comment per criterion of the program."""

    DRAFT, NEXT, SUBMIT = "draft", "next", "submit"
    # Drafts may leave fields empty, but submitting needs every score: none of them is "optional".
    hide_optional = True

    confirm = forms.BooleanField(
        label=_("Mir ist bewusst, dass meine Bewertung nach der Abgabe eingefroren ist und nur die "
                "Sachbearbeitung sie mit Begründung wieder öffnen kann."), required=False)

    def __init__(self, *args, criteria, scores=None, **kwargs):
        scores = scores or {}
        initial = {}
        for c in criteria:
            score = scores.get(c.pk)
            if score is not None:
                initial[f"criterion_{c.pk}"] = point_key(score.value) if score.value is not None else ""
                initial[f"comment_{c.pk}"] = score.comment
        super().__init__(*args, initial=initial, **kwargs)
        self.criteria = list(criteria)
        for c in self.criteria:
            self.fields[f"criterion_{c.pk}"] = forms.ChoiceField(
                label=_("Punkte für „%(c)s“") % {"c": c.name}, required=False,
                choices=[("", _("– noch nicht bewertet –")),
                         *((point_key(v), format_points(v)) for v in score_steps(c))])
            self.fields[f"comment_{c.pk}"] = forms.CharField(
                label=_("Kommentar zu „%(c)s“") % {"c": c.name}, required=False, max_length=5000,
                widget=forms.Textarea(attrs={"rows": 3}))
        # KernFormMixin styled the fields present at its __init__; style the added ones too.
        apply_kern_classes(self)

    @property
    def action(self) -> str:
        action = self.data.get("action", self.DRAFT)
        return action if action in (self.DRAFT, self.NEXT, self.SUBMIT) else self.DRAFT

    def clean(self):
        cleaned = super().clean()
        if self.action == self.SUBMIT and not cleaned.get("confirm"):
            self.add_error("confirm", _("Bitte bestätigen Sie, dass Sie Ihre Bewertung endgültig abgeben wollen."))
        return cleaned

    def values(self) -> dict[int, tuple]:
        return {c.pk: (self.cleaned_data.get(f"criterion_{c.pk}") or None, self.cleaned_data.get(f"comment_{c.pk}", ""))
                for c in self.criteria}

    def rows(self):
        """(criterion, value field, comment field) per criterion, for the template."""
        return [(c, self[f"criterion_{c.pk}"], self[f"comment_{c.pk}"]) for c in self.criteria]


class AutoAssignForm(KernFormMixin, forms.Form):
    per_application = forms.IntegerField(
        label=_("Bewertungen je Antrag"), min_value=1, max_value=50,
        help_text=_("So viele unabhängige Mitglieder soll jeder Antrag mindestens haben."))


class AssignForm(KernFormMixin, forms.Form):
    member = forms.ModelChoiceField(label=_("Jurymitglied"), queryset=None)
    # the case number, typed: a select would list every application of the call on the page
    application = forms.ModelChoiceField(
        label=_("Aktenzeichen des Antrags"), queryset=None, to_field_name="case_number",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_("z. B. SHH-2027-0042; der Antrag muss in der Bewertung sein."),
        error_messages={"invalid_choice": _("Kein Antrag dieses Aufrufs in der Bewertung hat dieses Aktenzeichen.")})

    def __init__(self, *args, members, applications, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.fields["member"].label_from_instance = lambda m: m.user.display_name
        self.fields["application"].queryset = applications


class PanelFilterForm(CaseSearchForm):
    mitglied = forms.TypedChoiceField(label=_("Jurymitglied"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mitglied"].choices = [("", _("alle"))] + [(m.pk, m.user.display_name) for m in members]


class WorkspaceFilterForm(CaseSearchForm):
    """The filters of a member's list of assignments (`selectors.narrow_assignments`)."""

    zeigen = forms.ChoiceField(label=_("Bewertung"), required=False, choices=[
        ("", _("alle")), ("offen", _("offen")), ("abgegeben", _("abgegeben"))])

    SHOW = {"offen": OPEN, "abgegeben": SUBMITTED}  # the page's words → the selector's

    def filters(self) -> dict:
        """The selector's arguments: the page's words for what to show in the selector's."""
        given = super().filters()
        if "zeigen" in given:
            given["show"] = self.SHOW[given.pop("zeigen")]
        return given


class ReopenForm(KernFormMixin, forms.Form):
    reason = forms.CharField(label=_("Begründung der Wiederöffnung"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": _("Bitte begründen Sie, warum die Bewertung wieder "
                                                           "geöffnet wird.")})


class WhatIfForm(KernFormMixin, forms.Form):
    budget = forms.CharField(label=_("Anderes Budget in Euro"), max_length=30,
                             widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
                             help_text=_("z. B. 12.000.000,00 – die Tranchen der Haushaltsjahre werden "
                                         "anteilig angepasst."))

    def clean_budget(self):
        try:
            amount = parse_amount(self.cleaned_data["budget"])
        except AmountError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None
        return amount


class OpenSessionForm(KernFormMixin, forms.Form):
    held_on = forms.DateField(label=_("Sitzungstag"), widget=DateInput())


class DecisionForm(KernFormMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("Entscheidung der Jury"), choices=DecisionOutcome.choices)
    justification = forms.CharField(
        label=_("Begründung"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Pflicht, wenn die Entscheidung von der berechneten Liste abweicht."))


class CloseSessionForm(KernFormMixin, forms.Form):
    notes = forms.CharField(label=_("Notizen zum Protokoll"), required=False, max_length=20000,
                            widget=forms.Textarea(attrs={"rows": 6}))
