from django import forms
from django.utils.translation import gettext_lazy as _

from foundation.forms import FilterForm, KernFormMixin, NameChoiceField
from foundation.params import SEARCH_MAX_LENGTH

from .selectors import municipalities_for_choice


class MembershipRequestForm(KernFormMixin, forms.Form):
    municipality = NameChoiceField(
        label=_("Kommune"), queryset=municipalities_for_choice(),
        help_text=_("Die Kommune, für die Sie Anträge stellen möchten."))
    function = forms.CharField(label=_("Funktion oder Dienststelle"), max_length=200, required=False)


class RefuseForm(KernFormMixin, forms.Form):
    reason = forms.CharField(label=_("Begründung"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class InvitationForm(KernFormMixin, forms.Form):
    email = forms.EmailField(label=_("E-Mail-Adresse"))
    municipality = NameChoiceField(label=_("Kommune"), queryset=municipalities_for_choice())


class ApiTokenForm(KernFormMixin, forms.Form):
    name = forms.CharField(label=_("Bezeichnung"), max_length=100,
                           help_text=_("Wofür der Schlüssel ist, z. B. „civento-Anbindung Kreis Fulda“."))
    scope = forms.ChoiceField(label=_("Berechtigung"), choices=(), widget=forms.RadioSelect)
    days = forms.TypedChoiceField(label=_("Gültigkeit"), coerce=int, choices=())

    def __init__(self, *args, max_days: int, **kwargs):
        from .models import ApiToken
        from .services import TOKEN_LIFETIMES_DAYS

        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = ApiToken.Scope.choices
        self.fields["scope"].initial = ApiToken.Scope.READ
        self.fields["days"].choices = [(d, _("%(days)s Tage") % {"days": d})
                                       for d in TOKEN_LIFETIMES_DAYS if d <= max_days]
        self.fields["days"].initial = min(90, max_days)


class MembershipSearchForm(FilterForm):
    """The search of the open membership requests (`selectors.pending_memberships`)."""

    q = forms.CharField(label=_("Suche"), required=False, max_length=SEARCH_MAX_LENGTH,
                        help_text=_("Name oder E-Mail-Adresse der Person, Name der Kommune"))
