"""Defect 10: state labels on timelines are looked up by (model, value), not by the value alone.

Before: an approved application showed "Bestätigt" (the membership's label), a paid recovery
"Ausgezahlt" (the disbursement's), a submitted score sheet "Eingereicht" (the application's).
"""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.template.loader import render_to_string

from accounts.models import Membership
from applications.enums import ApplicationState
from audit.labels import state_label
from audit.models import AuditEntry
from audit.selectors import timeline_for
from audit.services import record
from jury.enums import Declaration, SheetState
from jury.models import Assignment, PanelMember
from jury.services import save_scores
from payments.enums import RecoveryState
from payments.models import Recovery
from tests.factories import MunicipalityFactory, UserFactory, member_of
from tests.jury.factories import application_in_evaluation, evaluated_call

pytestmark = pytest.mark.django_db


def test_an_approved_application_is_bewilligt_not_the_memberships_bestaetigt():
    call, _panel = evaluated_call()
    application = application_in_evaluation(call, grant="200000.00")
    record(actor=None, action="application.approved", obj=application, from_state=ApplicationState.RECOMMENDED,
           to_state=ApplicationState.APPROVED)
    (entry,) = timeline_for(application)
    assert (entry.from_state_label, entry.to_state_label) == ("Zur Förderung empfohlen", "Bewilligt")
    html = render_to_string("includes/timeline.html", {"timeline": [entry]})
    assert "Zur Förderung empfohlen → Bewilligt" in html and "Bestätigt" not in html


def test_a_membership_keeps_its_own_label():
    user = member_of(MunicipalityFactory())
    membership = Membership.objects.get(user=user)
    record(actor=None, action="membership.approved", obj=membership, from_state="requested", to_state="approved")
    entry = AuditEntry.objects.get(action="membership.approved")
    assert entry.to_state_label == "Bestätigt"


def test_a_paid_recovery_is_beglichen_not_ausgezahlt():
    entry = AuditEntry(content_type=ContentType.objects.get_for_model(Recovery), object_id=1,
                       action="recovery.paid", from_state=RecoveryState.OPEN, to_state=RecoveryState.PAID)
    assert (entry.from_state_label, entry.to_state_label) == ("Offen", "Beglichen")
    assert state_label("payments.recovery", "paid") == "Beglichen"
    assert state_label("payments.disbursementrequest", "paid") == "Ausgezahlt"


def test_a_submitted_score_sheet_on_the_application_timeline_is_abgegeben_not_eingereicht():
    call, panel = evaluated_call()
    application = application_in_evaluation(call, grant="200000.00")
    user = UserFactory(roles=["jury"])
    member = PanelMember.objects.create(panel=panel, user=user)
    Assignment.objects.create(member=member, application=application, assigned=True,
                              declaration=Declaration.NO_CONFLICT)
    criteria = call.program.criteria.all()
    save_scores(user=user, application_id=application.pk, values={c.pk: ("4", "") for c in criteria}, submit=True)
    entry = next(e for e in timeline_for(application) if e.action == "jury.scores_submitted")
    assert entry.state_model == "jury.scoresheet"
    assert (entry.from_state_label, entry.to_state_label) == (SheetState.DRAFT.label, "Abgegeben")
    assert ApplicationState.SUBMITTED.label == "Eingereicht"  # what it used to show
    html = render_to_string("includes/timeline.html", {"timeline": [entry]})
    assert "Entwurf → Abgegeben" in html


def test_an_unknown_model_or_value_shows_the_value():
    assert state_label("nosuch.model", "x") == "x"
    assert state_label("applications.application", "nosuchstate") == "nosuchstate"
