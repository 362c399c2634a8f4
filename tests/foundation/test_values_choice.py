"""Model choice fields whose options come from one values_list() query (foundation.forms.ValuesChoiceIterator):
the same HTML as Django's own field, a chosen object still found through the queryset, no instance per option."""

from unittest import mock

import pytest
from django import forms

from accounts.models import Municipality
from accounts.selectors import municipalities_for_choice
from applications.forms import PartnerChoiceField
from foundation.forms import NameChoiceField
from tests.factories import LandkreisFactory, MunicipalityFactory

pytestmark = pytest.mark.django_db


class DjangoPartners(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.landkreis.name})" if obj.landkreis_id and obj.landkreis_id != obj.pk else obj.name


@pytest.fixture
def places():
    kreis = LandkreisFactory(name="Kreis <Nord>")
    return [kreis, MunicipalityFactory(name="Au & Berg", landkreis=kreis),
            MunicipalityFactory(name="Au", landkreis=kreis)]


@pytest.mark.parametrize(("ours", "djangos", "chosen"), [
    (NameChoiceField, forms.ModelChoiceField, 1),
    (PartnerChoiceField, DjangoPartners, [1, 2]),
])
def test_the_options_are_djangos_without_an_instance_per_option(places, ours, djangos, chosen):
    value = [places[i].pk for i in chosen] if isinstance(chosen, list) else places[chosen].pk
    widget = forms.CheckboxSelectMultiple if isinstance(chosen, list) else forms.Select
    expected = djangos(queryset=municipalities_for_choice(), widget=widget).widget.render("m", value)
    field = ours(queryset=municipalities_for_choice(), widget=widget)
    with mock.patch.object(Municipality, "from_db", side_effect=AssertionError("an instance per option")):
        html = field.widget.render("m", value)
    assert html == expected
    if widget is forms.CheckboxSelectMultiple:
        assert "Au &amp; Berg (Kreis &lt;Nord&gt;)" in html
        assert " Kreis &lt;Nord&gt;</label>" in html  # a Landkreis is not its own Landkreis
    else:
        assert f'<option value="{places[1].pk}" selected>Au &amp; Berg</option>' in html


def test_a_choice_is_still_checked_against_the_queryset(places):
    field = NameChoiceField(queryset=Municipality.objects.filter(pk=places[1].pk))
    assert field.clean(str(places[1].pk)) == places[1]
    with pytest.raises(forms.ValidationError):
        field.clean(str(places[2].pk))
    partners = PartnerChoiceField(queryset=municipalities_for_choice().exclude(pk=places[0].pk))
    assert list(partners.clean([str(places[1].pk), str(places[2].pk)])) == [places[2], places[1]]
    with pytest.raises(forms.ValidationError):
        partners.clean([str(places[0].pk)])
