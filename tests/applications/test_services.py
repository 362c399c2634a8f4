import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from applications import services
from applications.checklist import judgement_keys
from applications.enums import ApplicationState as S
from applications.exceptions import ApplicationError
from applications.models import Application
from audit.models import AuditEntry
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    MunicipalityFactory,
    UserFactory,
    complete_draft,
    member_of,
    staff_user,
)

BERLIN = ZoneInfo("Europe/Berlin")
pytestmark = pytest.mark.django_db


def test_submit_assigns_case_number_freezes_call_and_audits(complete, applicant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        app = services.submit_application(actor=applicant, application_id=complete.pk)
    assert app.state == S.SUBMITTED
    year = timezone.localtime(app.submitted_at, BERLIN).year
    assert app.case_number == f"SHH2-{year}-0001"
    assert app.grant_amount == Decimal("180000.00")
    app.call.refresh_from_db()
    assert app.call.frozen_at is not None
    entry = AuditEntry.objects.get(action="application.submitted", object_id=app.pk)
    assert (entry.actor, entry.from_state, entry.to_state) == (applicant, "draft", "submitted")
    assert app.receipts.count() == 1  # rendered by the (eager) Celery task after commit


def test_case_numbers_count_up_per_program(call, applicant, lead):
    numbers = []
    for _ in range(3):
        app = complete_draft(ApplicationFactory(call=call, lead=lead, created_by=applicant), user=applicant)
        numbers.append(services.submit_application(actor=applicant, application_id=app.pk).case_number)
    assert [n[-4:] for n in numbers] == ["0001", "0002", "0003"]


def test_second_submit_is_refused_and_changes_nothing(complete, applicant):
    services.submit_application(actor=applicant, application_id=complete.pk)
    before = AuditEntry.objects.count()
    with pytest.raises(ApplicationError, match="bereits eingereicht"):
        services.submit_application(actor=applicant, application_id=complete.pk)
    assert AuditEntry.objects.count() == before
    assert Application.objects.get(pk=complete.pk).case_number.endswith("0001")


def test_incomplete_draft_cannot_be_submitted(draft, applicant):
    with pytest.raises(ApplicationError) as exc:
        services.submit_application(actor=applicant, application_id=draft.pk)
    assert "Ratsbeschluss" in exc.value.message and "Kurzbeschreibung" in exc.value.message
    draft.refresh_from_db()
    assert draft.state == S.DRAFT and draft.case_number is None


def test_grant_below_minimum_blocks_submission_with_the_shortfall(draft, applicant):
    app = complete_draft(draft, user=applicant, eligible_amount=Decimal("100000.00"))
    with pytest.raises(ApplicationError, match="um 10.000,00\u00a0€ unter der Mindestzuwendung von 100.000,00\u00a0€"):
        services.submit_application(actor=applicant, application_id=app.pk)


def test_costs_above_cap_are_accepted_with_grant_capped(draft, applicant):
    app = complete_draft(draft, user=applicant, eligible_amount=Decimal("3000000.00"))
    app = services.submit_application(actor=applicant, application_id=app.pk)
    assert app.grant_amount == Decimal("2500000.00")
    assert app.own_share == Decimal("501000.00")  # 3,001,000 total − 2,500,000


# ---- the submission window, to the second, in Europe/Berlin

def _window_call(opens, closes):
    return CallFactory(opens_at=opens, closes_at=closes)


@pytest.mark.parametrize(("offset", "accepted"), [
    (dt.timedelta(seconds=-1), True),
    (dt.timedelta(0), False),
    (dt.timedelta(seconds=1), False),
])
def test_deadline_to_the_second(offset, accepted, lead, applicant):
    closes = dt.datetime(2026, 12, 15, 12, 0, 0, tzinfo=BERLIN)
    call = _window_call(closes - dt.timedelta(days=30), closes)
    app = complete_draft(ApplicationFactory(call=call, lead=lead, created_by=applicant), user=applicant)
    now = closes + offset
    if accepted:
        assert services.submit_application(actor=applicant, application_id=app.pk, now=now).state == S.SUBMITTED
    else:
        expected = "Einreichungsfrist dieses Aufrufs endete am 15.12.2026 um 12:00:00 Uhr"
        with pytest.raises(ApplicationError, match=expected):
            services.submit_application(actor=applicant, application_id=app.pk, now=now)
        app.refresh_from_db()
        assert app.state == S.DRAFT


def test_deadline_across_daylight_saving_change(lead, applicant):
    # Summer time ends 25.10.2026 03:00 CEST → 02:00 CET. A deadline of 26.10.2026 00:00 Berlin
    # is 25.10.2026 23:00 UTC (CET, +1), not 22:00 UTC (as it would be in summer time).
    closes = dt.datetime(2026, 10, 26, 0, 0, tzinfo=BERLIN)
    assert closes.astimezone(dt.UTC) == dt.datetime(2026, 10, 25, 23, 0, tzinfo=dt.UTC)
    call = _window_call(dt.datetime(2026, 9, 1, tzinfo=BERLIN), closes)
    app = complete_draft(ApplicationFactory(call=call, lead=lead, created_by=applicant), user=applicant)
    with pytest.raises(ApplicationError):
        services.submit_application(actor=applicant, application_id=app.pk,
                                    now=dt.datetime(2026, 10, 25, 23, 0, 0, tzinfo=dt.UTC))
    ok = services.submit_application(actor=applicant, application_id=app.pk,
                                     now=dt.datetime(2026, 10, 25, 22, 59, 59, tzinfo=dt.UTC))
    assert ok.state == S.SUBMITTED


def test_not_yet_open_call_refuses(lead, applicant):
    opens = timezone.now() + dt.timedelta(days=1)
    call = _window_call(timezone.now() - dt.timedelta(days=5), timezone.now() + dt.timedelta(days=5))
    app = complete_draft(ApplicationFactory(call=call, lead=lead, created_by=applicant), user=applicant)
    with pytest.raises(ApplicationError, match="nimmt derzeit keine Anträge an"):
        services.submit_application(actor=applicant, application_id=app.pk, now=opens - dt.timedelta(days=7))


# ---- input validation changes nothing

def test_invalid_update_changes_nothing(complete, applicant):
    before = (complete.title, list(complete.cost_lines.values_list("amount", flat=True)))
    with pytest.raises(ApplicationError, match="Haushaltsjahr 2031"):
        services.update_application(
            actor=applicant, application_id=complete.pk, data={"title": "Neu"},
            cost_lines=[services.CostLineInput("investment", "x", 2031, Decimal("5"), True)])
    complete.refresh_from_db()
    assert (complete.title, list(complete.cost_lines.values_list("amount", flat=True))) == before


@pytest.mark.parametrize(("data", "message"), [
    ({"start_date": dt.date(2027, 1, 1), "end_date": dt.date(2029, 2, 1)}, "höchstens 24 Monate"),
    ({"start_date": dt.date(2027, 5, 1), "end_date": dt.date(2027, 4, 1)}, "nach dem Projektbeginn"),
    ({"start_date": dt.date(2025, 5, 1), "end_date": dt.date(2026, 4, 1)}, "im Förderzeitraum"),
    ({"title": "  "}, "Projekttitel"),
])
def test_date_and_text_rules(draft, applicant, data, message):
    with pytest.raises(ApplicationError, match=message):
        services.update_application(actor=applicant, application_id=draft.pk, data=data)


@pytest.mark.parametrize("amount", ["-5", "0", "1.234", "abc", "NaN", "1e20"])
def test_bad_amounts(draft, applicant, amount):
    with pytest.raises(ApplicationError):
        services.update_application(actor=applicant, application_id=draft.pk, data={},
                                    cost_lines=[services.CostLineInput("investment", "x", 2027, amount, True)])
    assert not draft.cost_lines.exists()


def test_lead_cannot_be_its_own_partner(draft, applicant, lead):
    with pytest.raises(ApplicationError, match="zugleich Partnerkommune"):
        services.update_application(actor=applicant, application_id=draft.pk, data={}, partner_ids=[lead.pk])


# ---- formal check lifecycle

def test_formal_check_return_resubmit_eligible(complete, applicant, django_capture_on_commit_callbacks):
    worker = staff_user("case_worker")
    services.submit_application(actor=applicant, application_id=complete.pk)
    services.start_formal_check(actor=worker, application_id=complete.pk)
    today = timezone.localdate()
    app = services.return_for_revision(actor=worker, application_id=complete.pk, reason="Ratsbeschluss unsigniert",
                                       deadline=today + dt.timedelta(days=14))
    assert app.state == S.RETURNED
    services.update_application(actor=applicant, application_id=complete.pk, data={"summary": "Besser"})
    with django_capture_on_commit_callbacks(execute=True):
        app = services.resubmit_application(actor=applicant, application_id=complete.pk)
    assert app.state == S.RESUBMITTED
    assert list(app.receipts.values_list("version", flat=True)) == [2]  # v1 ran outside on_commit capture
    services.start_formal_check(actor=worker, application_id=complete.pk)
    app = services.decide_eligibility(actor=worker, application_id=complete.pk, eligible=True,
                                      confirmed=judgement_keys(complete))
    assert app.state == S.ELIGIBLE
    actions = list(AuditEntry.objects.filter(object_id=complete.pk, action__startswith="application.")
                   .values_list("action", flat=True))
    assert actions[-7:] == ["application.submitted", "application.check_started", "application.returned",
                            "application.updated", "application.resubmitted", "application.check_started",
                            "application.eligible"]


def test_resubmission_after_revision_deadline_is_refused(complete, applicant):
    worker = staff_user("case_worker")
    services.submit_application(actor=applicant, application_id=complete.pk)
    services.start_formal_check(actor=worker, application_id=complete.pk)
    deadline = timezone.localdate() + dt.timedelta(days=3)
    services.return_for_revision(actor=worker, application_id=complete.pk, reason="x", deadline=deadline)
    late = dt.datetime.combine(deadline + dt.timedelta(days=1), dt.time(0, 0, 1), tzinfo=BERLIN)
    with pytest.raises(ApplicationError, match="Frist zur Nachbesserung endete"):
        services.resubmit_application(actor=applicant, application_id=complete.pk, now=late)
    last_minute = dt.datetime.combine(deadline, dt.time(23, 59, 59), tzinfo=BERLIN)
    assert services.resubmit_application(actor=applicant, application_id=complete.pk,
                                         now=last_minute).state == S.RESUBMITTED


@pytest.mark.parametrize(("reason", "deadline_days", "message"), [
    ("", 14, "nachzubessern"), ("x", 0, "in der Zukunft"), ("x", 400, "180 Tage")])
def test_return_needs_reason_and_future_deadline(complete, applicant, reason, deadline_days, message):
    worker = staff_user("case_worker")
    services.submit_application(actor=applicant, application_id=complete.pk)
    services.start_formal_check(actor=worker, application_id=complete.pk)
    with pytest.raises(ApplicationError, match=message):
        services.return_for_revision(actor=worker, application_id=complete.pk, reason=reason,
                                     deadline=timezone.localdate() + dt.timedelta(days=deadline_days))
    complete.refresh_from_db()
    assert complete.state == S.IN_FORMAL_CHECK


def test_ineligible_needs_reason(complete, applicant):
    worker = staff_user("case_worker")
    services.submit_application(actor=applicant, application_id=complete.pk)
    services.start_formal_check(actor=worker, application_id=complete.pk)
    with pytest.raises(ApplicationError, match="begründen"):
        services.decide_eligibility(actor=worker, application_id=complete.pk, eligible=False, reason=" ")
    app = services.decide_eligibility(actor=worker, application_id=complete.pk, eligible=False,
                                      reason="Kein Kommunalbezug")
    assert app.state == S.INELIGIBLE and app.decision_reason == "Kein Kommunalbezug"


def test_withdraw_before_decision_only(complete, applicant):
    worker = staff_user("case_worker")
    services.submit_application(actor=applicant, application_id=complete.pk)
    services.start_formal_check(actor=worker, application_id=complete.pk)
    services.decide_eligibility(actor=worker, application_id=complete.pk, eligible=False, reason="nein")
    with pytest.raises(ApplicationError):
        services.withdraw_application(actor=applicant, application_id=complete.pk)


def test_notifications_after_commit(complete, applicant, mailoutbox, django_capture_on_commit_callbacks):
    staff_user("case_worker", email="pruefung@land.example")
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_application(actor=applicant, application_id=complete.pk)
    recipients = sorted(m.to[0] for m in mailoutbox)
    assert recipients == sorted([applicant.email, "pruefung@land.example"])
    assert complete.title in mailoutbox[0].body


def test_no_mail_when_transaction_fails(complete, applicant, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ApplicationError):
        services.withdraw_application(actor=UserFactory(), application_id=complete.pk)
    assert mailoutbox == []


def test_partner_member_can_read_but_not_edit(draft):
    partner = MunicipalityFactory()
    draft.partners.add(partner)
    partner_user = member_of(partner)
    from applications import rules as r
    assert r.may_view(partner_user, draft) and not r.may_edit(partner_user, draft)
    with pytest.raises(ApplicationError):
        services.update_application(actor=partner_user, application_id=draft.pk, data={"title": "gekapert"})


def test_mails_are_german_whatever_the_senders_language(complete, applicant, mailoutbox,
                                                        django_capture_on_commit_callbacks):
    from django.utils import translation

    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        services.submit_application(actor=applicant, application_id=complete.pk)
    assert mailoutbox and all(m.subject.endswith(": Eingereicht") for m in mailoutbox)
    assert "hat jetzt den Status: Eingereicht" in mailoutbox[0].body
