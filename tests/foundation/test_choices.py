"""choice_label: a choice's label as get_<field>_display() gives it, translating only that label."""

from unittest import mock

import pytest
from django.utils import translation

from applications.enums import ApplicationState
from applications.models import Application
from foundation.choices import choice_label
from outbox.models import OutboxMessage


@pytest.mark.parametrize("state", ApplicationState.values)
def test_the_same_label_as_djangos_method_in_both_languages(state):
    application = Application(state=state)
    for language in ("de", "en"):
        with translation.override(language):
            assert choice_label(application, "state") == application.get_state_display()


def test_a_value_outside_the_choices_is_shown_as_it_is():
    message = OutboxMessage()
    message.state = "unknown"
    assert choice_label(message, "state") == message.get_state_display() == "unknown"


def test_labels_are_translated_once_per_language():
    from django.utils.translation import _trans

    from foundation import choices

    application = Application(state=ApplicationState.SUBMITTED)
    choices._LABELS.clear()
    with translation.override("de"):
        _trans.gettext("x")  # the proxy keeps the real function on first use
        with mock.patch.object(_trans, "gettext", wraps=_trans.gettext) as gettext:
            first = choice_label(application, "state")
            once = gettext.call_count
            gettext.reset_mock()
            for state in ApplicationState.values:
                choice_label(Application(state=state), "state")
            again = gettext.call_count
            gettext.reset_mock()
            application.get_state_display()
            djangos = gettext.call_count
    assert once == len(ApplicationState.values) and again == 0  # each label once; then none for any row
    assert djangos >= len(ApplicationState.values)  # Django: every label on every call
    with translation.override("en"):
        assert choice_label(application, "state") == application.get_state_display() != first


def test_the_template_filter_gives_djangos_label_and_nothing_for_no_object():
    from django.template import Context, Template

    application = Application(state=ApplicationState.ELIGIBLE)
    template = Template('{{ a|choice:"state" }}|{{ missing|choice:"state" }}|{{ a.lead|choice:"kind" }}')
    with translation.override("de"):
        assert template.render(Context({"a": application})) == f"{application.get_state_display()}||"


@pytest.mark.parametrize("language", ["de", "en"])
def test_a_proofs_name_uses_the_label_djangos_method_gives(language):
    from payments.enums import ProofKind
    from payments.models import ProofOfUse

    with translation.override(language):
        for kind in ProofKind.values:
            proof = ProofOfUse(kind=kind, budget_year=2027)
            assert str(proof) == f"{proof.get_kind_display()} 2027"
