"""Disbursements through the services: bank accounts, the N-month rule, the ceiling, four-eyes, runs, SEPA."""

import datetime as dt
import os
from decimal import Decimal
from xml.etree import ElementTree as ET

import pytest
import sepaxml
import xmlschema
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import AuditEntry
from payments import schedule
from payments.enums import DisbursementKind, DisbursementState, GrantState, PaymentRunState
from payments.exceptions import PaymentsError
from payments.models import BankAccount, DisbursementRequest, Grant, PaymentRun
from payments.selectors import disbursements as selectors
from payments.services import disbursements as svc
from tests.factories import MunicipalityFactory, member_of, staff_user
from tests.payments.factories import make_grant

pytestmark = pytest.mark.django_db

TODAY = dt.date(2027, 4, 1)
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
XSD = os.path.join(os.path.dirname(sepaxml.__file__), "schemas", "pain.001.001.03.xsd")


def request(grant, amount="1000.00", *, needed_on=None, today=TODAY, actor=None, own="0"):
    return svc.request_disbursement(actor=actor or grant.grantee, grant_id=grant.pk, amount=Decimal(amount),
                                    purpose="Rechnung Sensoren", needed_on=needed_on or today + dt.timedelta(days=10),
                                    own_spending=Decimal(own), today=today)


def released(grant, amount="1000.00", checker=None, approver=None):
    d = request(grant, amount)
    checker = checker or staff_user("case_worker")
    approver = approver or staff_user("approver")
    svc.check_disbursement(actor=checker, disbursement_id=d.pk)
    return svc.release_disbursement(actor=approver, disbursement_id=d.pk)


# ---------------------------------------------------------------- bank accounts


def test_bank_account_change_keeps_history_audits_and_mails(django_capture_on_commit_callbacks):
    grant = make_grant()
    municipality = grant.application.lead
    staff_user("case_worker", email="sachbearbeitung@example.org")
    old = BankAccount.objects.get(municipality=municipality)
    with django_capture_on_commit_callbacks(execute=True):
        new = svc.change_bank_account(actor=grant.grantee, municipality_id=municipality.pk,
                                      holder="Gemeindekasse Musterhausen", iban="de12 5001 0517 0648 4898 90",
                                      bic="ingddeffxxx")
    assert new.iban == "DE12500105170648489890" and new.bic == "INGDDEFFXXX"
    old.refresh_from_db()
    assert old.replaced_at is not None and new.replaced_at is None
    assert selectors.current_bank_account(municipality.pk) == new
    entry = AuditEntry.objects.get(action="bank_account.changed")
    assert entry.data["old_iban"] == "DE89370400440532013000" and entry.data["new_iban"] == new.iban
    assert any("sachbearbeitung@example.org" in m.to for m in mail.outbox)
    assert "DE89370400440532013000" in mail.outbox[-1].body
    # the same details again: no new row
    again = svc.change_bank_account(actor=grant.grantee, municipality_id=municipality.pk,
                                    holder="Gemeindekasse Musterhausen", iban="DE12500105170648489890",
                                    bic="INGDDEFFXXX")
    assert again.pk == new.pk and BankAccount.objects.filter(municipality=municipality).count() == 2


@pytest.mark.parametrize(("iban", "fragment"), [
    ("DE89370400440532013001", "Prüfziffer"),
    ("DE8937040044053201300", "22 Zeichen"),
    ("XX89370400440532013000", "Ländercode"),
    ("", "IBAN an"),
])
def test_invalid_iban_is_refused_with_a_clear_message(iban, fragment):
    grant = make_grant()
    with pytest.raises(PaymentsError) as exc:
        svc.change_bank_account(actor=grant.grantee, municipality_id=grant.application.lead_id, holder="Kasse",
                                iban=iban)
    assert fragment in exc.value.message and exc.value.field == "iban"
    assert BankAccount.objects.filter(municipality=grant.application.lead).count() == 1


def test_only_members_change_a_bank_account():
    grant = make_grant()
    outsider = member_of(MunicipalityFactory())
    for actor in (outsider, staff_user("case_worker")):
        with pytest.raises(PaymentsError):
            svc.change_bank_account(actor=actor, municipality_id=grant.application.lead_id, holder="Betrüger",
                                    iban="DE12500105170648489890")
    assert BankAccount.objects.filter(municipality=grant.application.lead).count() == 1


# ---------------------------------------------------------------- requests


def test_first_request_moves_grant_into_implementation_and_counts(django_capture_on_commit_callbacks):
    grant = make_grant()
    staff_user("case_worker", email="cw@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        d = request(grant, "12500.50", own="3000")
    grant.refresh_from_db()
    assert (d.number, d.state, d.amount) == (1, DisbursementState.REQUESTED, Decimal("12500.50"))
    assert grant.state == GrantState.IN_IMPLEMENTATION and grant.requested_amount == Decimal("12500.50")
    assert request(grant, "1.00").number == 2
    assert AuditEntry.objects.filter(action="disbursement.requested").count() == 2
    assert AuditEntry.objects.filter(action="grant.implementation_started").count() == 1
    assert any("cw@example.org" in m.to for m in mail.outbox)


@pytest.mark.parametrize("state", [GrantState.APPROVED, GrantState.NOTICE_ISSUED, GrantState.PROOF_SUBMITTED,
                                   GrantState.SETTLED, GrantState.CLOSED])
def test_request_refused_unless_payable(state):
    grant = make_grant(state=state)
    with pytest.raises(PaymentsError, match="bestandskräftig"):
        request(grant)
    assert not DisbursementRequest.objects.exists()


@pytest.mark.parametrize(("today", "months", "last_ok"), [
    (dt.date(2027, 4, 1), 2, dt.date(2027, 6, 1)),
    (dt.date(2027, 1, 31), 1, dt.date(2027, 2, 28)),   # month end: 31 Jan + 1 month = 28 Feb
    (dt.date(2028, 1, 31), 1, dt.date(2028, 2, 29)),   # leap year
    (dt.date(2027, 12, 31), 2, dt.date(2028, 2, 29)),
])
def test_n_month_rule_at_its_edge(today, months, last_ok):
    grant = make_grant(window_months=months, start=dt.date(2027, 1, 1), years={2027: "1", 2028: "1"})
    assert request(grant, needed_on=last_ok, today=today).needed_on == last_ok
    with pytest.raises(PaymentsError) as exc:
        request(grant, needed_on=last_ok + dt.timedelta(days=1), today=today)
    assert exc.value.field == "needed_on" and last_ok.strftime("%d.%m.%Y") in exc.value.message
    assert DisbursementRequest.objects.filter(grant=grant).count() == 1


def test_past_needed_on_refused_today_allowed():
    grant = make_grant()
    assert request(grant, needed_on=TODAY).needed_on == TODAY
    with pytest.raises(PaymentsError, match="Vergangenheit"):
        request(grant, needed_on=TODAY - dt.timedelta(days=1))


def test_retained_instalment_cannot_be_requested():
    grant = make_grant(eligible="200000.00", retained_percent="10")  # 180,000 grant, 18,000 retained
    assert grant.retained_amount == Decimal("18000.00")
    request(grant, "160000.00")
    with pytest.raises(PaymentsError) as exc:
        request(grant, "2000.01")
    assert "2.000,00" in exc.value.message and exc.value.field == "amount"
    request(grant, "2000.00")
    grant.refresh_from_db()
    assert grant.requested_amount == Decimal("162000.00") and grant.available_amount == 0
    with pytest.raises(PaymentsError):
        request(grant, "0.01")


@pytest.mark.parametrize("amount", ["0", "-5.00"])
def test_non_positive_amount_refused(amount):
    grant = make_grant()
    with pytest.raises(PaymentsError) as exc:
        request(grant, amount)
    assert exc.value.field == "amount"


def test_request_needs_a_current_bank_account():
    grant = make_grant(with_bank_account=False)
    with pytest.raises(PaymentsError, match="Bankverbindung"):
        request(grant)


def test_only_the_lead_municipality_requests():
    grant = make_grant()
    for actor in (member_of(MunicipalityFactory()), staff_user("case_worker")):
        with pytest.raises(PaymentsError):
            request(grant, actor=actor)


def test_database_constraint_is_the_last_defence(monkeypatch):
    grant = make_grant(eligible="200000.00")
    monkeypatch.setattr(Grant, "available_amount", property(lambda self: Decimal("99999999.00")))
    with pytest.raises(PaymentsError):
        request(grant, "180000.01")
    grant.refresh_from_db()
    assert grant.requested_amount == 0 and not DisbursementRequest.objects.exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        Grant.objects.filter(pk=grant.pk).update(requested_amount=Decimal("180000.01"))


# ---------------------------------------------------------------- four-eyes


def test_same_person_cannot_check_and_release():
    grant = make_grant()
    both = staff_user("case_worker")
    both.groups.add(staff_user("approver").groups.get())  # one person with both roles
    d = request(grant)
    svc.check_disbursement(actor=both, disbursement_id=d.pk)
    with pytest.raises(PaymentsError, match="Vier-Augen"):
        svc.release_disbursement(actor=both, disbursement_id=d.pk)
    d.refresh_from_db()
    assert d.state == DisbursementState.CHECKED and d.released_by is None
    other = staff_user("approver")
    svc.release_disbursement(actor=other, disbursement_id=d.pk)
    d.refresh_from_db()
    assert d.state == DisbursementState.RELEASED and d.released_by == other and d.checked_by == both


def test_four_eyes_database_constraint():
    grant = make_grant()
    d = request(grant)
    cw = staff_user("case_worker")
    with pytest.raises(IntegrityError), transaction.atomic():
        DisbursementRequest.objects.filter(pk=d.pk).update(checked_by=cw, released_by=cw)


def test_roles_for_check_and_release():
    grant = make_grant()
    d = request(grant)
    with pytest.raises(PaymentsError):
        svc.check_disbursement(actor=staff_user("approver"), disbursement_id=d.pk)
    with pytest.raises(PaymentsError):
        svc.release_disbursement(actor=staff_user("approver"), disbursement_id=d.pk)  # not yet checked
    with pytest.raises(PaymentsError):
        svc.check_disbursement(actor=grant.grantee, disbursement_id=d.pk)
    cw = staff_user("case_worker")
    svc.check_disbursement(actor=cw, disbursement_id=d.pk)
    svc.check_disbursement(actor=cw, disbursement_id=d.pk)  # second click harmless
    with pytest.raises(PaymentsError):
        svc.release_disbursement(actor=staff_user("case_worker"), disbursement_id=d.pk)
    assert AuditEntry.objects.filter(action="disbursement.checked").count() == 1


def test_reject_gives_the_money_back(django_capture_on_commit_callbacks):
    grant = make_grant(eligible="200000.00")
    d = request(grant, "180000.00")
    with pytest.raises(PaymentsError, match="begründen"):
        svc.reject_disbursement(actor=staff_user("case_worker"), disbursement_id=d.pk, reason=" ")
    with django_capture_on_commit_callbacks(execute=True):
        svc.reject_disbursement(actor=staff_user("case_worker"), disbursement_id=d.pk, reason="Kein Bedarf belegt")
    grant.refresh_from_db()
    d.refresh_from_db()
    assert d.state == DisbursementState.REJECTED and grant.requested_amount == 0
    assert grant.available_amount == Decimal("180000.00")
    assert any(grant.grantee.email in m.to and "Kein Bedarf belegt" in m.body for m in mail.outbox)
    svc.reject_disbursement(actor=staff_user("approver"), disbursement_id=d.pk, reason="noch mal")  # harmless
    grant.refresh_from_db()
    assert grant.requested_amount == 0
    request(grant, "180000.00")


def test_released_request_cannot_be_rejected():
    grant = make_grant()
    d = released(grant)
    with pytest.raises(PaymentsError):
        svc.reject_disbursement(actor=staff_user("approver"), disbursement_id=d.pk, reason="zu spät")
    grant.refresh_from_db()
    assert grant.requested_amount == Decimal("1000.00")


# ---------------------------------------------------------------- payment runs and SEPA


def _run_with_two_grants():
    a = make_grant(eligible="200000.00")
    b = make_grant(eligible="300000.00")
    BankAccount.objects.filter(municipality=b.application.lead).delete()
    account = svc.change_bank_account(actor=b.grantee, municipality_id=b.application.lead_id,
                                      holder="Stadtkasse Groß-Umstadt – Kämmerei", iban="DE12500105170648489890")
    svc.confirm_bank_account(actor=staff_user("case_worker"), account_id=account.pk)
    Grant.objects.filter(pk=a.pk).update()
    a.application.title = "Smarte Straßenbeleuchtung für Bürgerinnen & Bürger " * 5
    a.application.save(update_fields=["title"])
    d1 = released(a, "1234.56")
    d2 = released(b, "10000.00")
    d3 = released(a, "0.44")
    run = svc.create_payment_run(actor=staff_user("case_worker"), execution_date=schedule.today())
    return run, (a, b), (d1, d2, d3)


def test_sepa_file_is_valid_pain001():
    run, (a, b), items = _run_with_two_grants()
    assert run.state == PaymentRunState.EXPORTED and run.count == 3 and run.total == Decimal("11235.00")
    xml = run.file.open("rb").read()
    import hashlib

    assert hashlib.sha256(xml).hexdigest() == run.sha256
    xmlschema.XMLSchema(XSD).validate(xml.decode())  # independently of sepaxml's own check
    root = ET.fromstring(xml)
    assert root.find("p:CstmrCdtTrfInitn/p:GrpHdr/p:MsgId", NS).text == run.message_id
    assert len(run.message_id) <= 35
    assert Decimal(root.find("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", NS).text) == run.total
    assert root.find("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", NS).text == "3"
    assert root.find(".//p:DbtrAcct/p:Id/p:IBAN", NS).text == "DE02500105170137075030"
    txs = root.findall(".//p:CdtTrfTxInf", NS)
    assert sum(Decimal(t.find("p:Amt/p:InstdAmt", NS).text) for t in txs) == run.total
    e2e = [t.find("p:PmtId/p:EndToEndId", NS).text for t in txs]
    assert len(set(e2e)) == 3 and all(len(x) <= 35 for x in e2e)
    by_e2e = {t.find("p:PmtId/p:EndToEndId", NS).text: t for t in txs}
    for d in items:
        d.refresh_from_db()
        assert d.state == DisbursementState.IN_PAYMENT_RUN and d.payment_run == run
        tx = by_e2e[d.end_to_end_id]
        ustrd = tx.find("p:RmtInf/p:Ustrd", NS).text
        assert ustrd.startswith(d.grant.application.case_number) and len(ustrd) <= 140
        assert tx.find("p:CdtrAcct/p:Id/p:IBAN", NS).text == d.bank_account.iban
        assert Decimal(tx.find("p:Amt/p:InstdAmt", NS).text) == d.amount
    name = by_e2e[items[1].end_to_end_id].find("p:Cdtr/p:Nm", NS).text
    assert name == "Stadtkasse Gross-Umstadt - Kaemmerei"
    assert by_e2e[items[1].end_to_end_id].find("p:CdtrAcct/p:Id/p:IBAN", NS).text == "DE12500105170648489890"


def test_run_refuses_when_a_request_is_no_longer_released():
    grant = make_grant()
    d1, d2 = released(grant, "100.00"), released(grant, "200.00")
    cw = staff_user("case_worker")
    svc.create_payment_run(actor=cw, execution_date=schedule.today(), disbursement_ids=[d1.pk])
    with pytest.raises(PaymentsError, match="Nicht"):
        svc.create_payment_run(actor=cw, execution_date=schedule.today(), disbursement_ids=[d1.pk, d2.pk])
    d2.refresh_from_db()
    assert d2.state == DisbursementState.RELEASED and PaymentRun.objects.count() == 1
    with pytest.raises(PaymentsError):
        svc.create_payment_run(actor=cw, execution_date=schedule.today() - dt.timedelta(days=1))
    with pytest.raises(PaymentsError):
        svc.create_payment_run(actor=grant.grantee, execution_date=schedule.today())


def test_confirm_marks_paid_and_second_confirm_is_harmless(django_capture_on_commit_callbacks):
    run, (a, b), items = _run_with_two_grants()
    approver = staff_user("approver")
    with django_capture_on_commit_callbacks(execute=True):
        svc.confirm_payment_run(actor=approver, run_id=run.pk, paid_on=schedule.today())
    svc.confirm_payment_run(actor=staff_user("case_worker"), run_id=run.pk, paid_on=schedule.today())
    run.refresh_from_db()
    a.refresh_from_db()
    b.refresh_from_db()
    assert run.state == PaymentRunState.CONFIRMED and run.confirmed_by == approver
    assert a.paid_amount == Decimal("1235.00") and b.paid_amount == Decimal("10000.00")
    for d in items:
        d.refresh_from_db()
        assert d.state == DisbursementState.PAID and d.paid_on == schedule.today()
    assert any(a.grantee.email in m.to for m in mail.outbox)
    with pytest.raises(PaymentsError):
        svc.cancel_payment_run(actor=approver, run_id=run.pk, reason="zu spät")
    with pytest.raises(PaymentsError):
        svc.confirm_payment_run(actor=approver, run_id=run.pk + 999, paid_on=schedule.today())


def test_confirm_refuses_a_future_date():
    run, (a, b), items = _run_with_two_grants()
    with pytest.raises(PaymentsError, match="Zukunft"):
        svc.confirm_payment_run(actor=staff_user("approver"), run_id=run.pk,
                                paid_on=schedule.today() + dt.timedelta(days=1))
    a.refresh_from_db()
    assert a.paid_amount == 0


def test_cancel_puts_items_back_and_a_new_run_gets_new_ids():
    run, (a, b), items = _run_with_two_grants()
    old_ids = {d.pk: DisbursementRequest.objects.get(pk=d.pk).end_to_end_id for d in items}
    cw = staff_user("case_worker")
    svc.cancel_payment_run(actor=cw, run_id=run.pk, reason="Bank hat die Datei zurückgewiesen")
    svc.cancel_payment_run(actor=cw, run_id=run.pk, reason="doppelt")  # harmless
    run.refresh_from_db()
    assert run.state == PaymentRunState.CANCELLED
    for d in items:
        d.refresh_from_db()
        assert d.state == DisbursementState.RELEASED and d.payment_run is None and d.end_to_end_id is None
    with pytest.raises(PaymentsError):
        svc.confirm_payment_run(actor=cw, run_id=run.pk, paid_on=schedule.today())
    second = svc.create_payment_run(actor=cw, execution_date=schedule.today())
    assert second.number == run.number + 1 and second.count == 3
    for d in items:
        d.refresh_from_db()
        assert d.end_to_end_id != old_ids[d.pk]


def test_final_payment_closes_a_settled_grant():
    grant = make_grant(eligible="200000.00", state=GrantState.SETTLED)
    Grant.objects.filter(pk=grant.pk).update(final_amount=Decimal("150000.00"), requested_amount=Decimal("150000.00"),
                                             paid_amount=Decimal("100000.00"))
    cw, ap = staff_user("case_worker"), staff_user("approver")
    final = DisbursementRequest.objects.create(
        grant=grant, number=1, kind=DisbursementKind.FINAL_PAYMENT, state=DisbursementState.RELEASED,
        amount=Decimal("50000.00"), purpose="Schlusszahlung", needed_on=schedule.today(), requested_by=cw,
        checked_by=cw, released_by=ap, released_at=timezone.now())
    run = svc.create_payment_run(actor=cw, execution_date=schedule.today())
    final.refresh_from_db()
    assert final.remittance.startswith(grant.case_number + " Schlusszahlung")
    svc.confirm_payment_run(actor=ap, run_id=run.pk, paid_on=schedule.today())
    grant.refresh_from_db()
    assert grant.paid_amount == Decimal("150000.00") and grant.state == GrantState.CLOSED
    assert AuditEntry.objects.filter(action="grant.closed").count() == 1


# ---------------------------------------------------------------- reminders


def test_reminder_once_per_day(django_capture_on_commit_callbacks):
    grant = make_grant()
    staff_user("approver", email="anordnung@example.org")
    d = released(grant)
    fresh = released(grant, "5.00")
    DisbursementRequest.objects.filter(pk=d.pk).update(released_at=timezone.now() - dt.timedelta(days=4))
    today = schedule.today()
    with django_capture_on_commit_callbacks(execute=True):
        assert svc.remind_unpaid(today=today) == 1
    assert svc.remind_unpaid(today=today) == 0
    reminder = [m for m in mail.outbox if "anordnung@example.org" in m.to]
    assert len(reminder) == 1 and f"{grant.case_number} / {d.number}" in reminder[0].body
    assert f"/ {fresh.number}," not in reminder[0].body
    assert svc.remind_unpaid(today=today + dt.timedelta(days=1)) == 1
    # in an exported run for more than 5 days
    run = svc.create_payment_run(actor=staff_user("case_worker"), execution_date=today)
    PaymentRun.objects.filter(pk=run.pk).update(prepared_at=timezone.now() - dt.timedelta(days=6))
    with django_capture_on_commit_callbacks(execute=True):
        assert svc.remind_unpaid(today=today + dt.timedelta(days=2)) == 2
    # Real plural forms (issue 11), not "Zahlung(en)".
    subjects = [m.subject for m in mail.outbox if "anordnung@example.org" in m.to]
    assert subjects[0].endswith("Erinnerung: 1 angeordnete Zahlung noch nicht ausgezahlt")
    assert subjects[-1].endswith("Erinnerung: 2 angeordnete Zahlungen noch nicht ausgezahlt")


def test_reminder_task_is_registered():
    from payments import tasks

    assert tasks.remind_unpaid_disbursements.name == "payments.remind_unpaid_disbursements"
    assert tasks.remind_unpaid_disbursements.delay().get() == 0


# ---------------------------------------------------------------- defect 4: four eyes and bank days


@pytest.mark.parametrize(("day", "next_day"), [
    (dt.date(2027, 3, 27), dt.date(2027, 3, 30)),  # Saturday before Easter → Sunday, Easter Monday → Tuesday
    (dt.date(2027, 3, 26), dt.date(2027, 3, 30)),  # Good Friday
    (dt.date(2026, 12, 25), dt.date(2026, 12, 28)),  # Christmas Day, Boxing Day, weekend
    (dt.date(2027, 1, 1), dt.date(2027, 1, 4)),  # New Year's Day (a Friday)
    (dt.date(2028, 5, 1), dt.date(2028, 5, 2)),  # Labour Day (a Monday)
])
def test_execution_date_must_be_a_target2_business_day(day, next_day):
    grant = make_grant()
    released(grant, "100.00")
    today = day - dt.timedelta(days=10)
    with pytest.raises(PaymentsError) as exc:
        svc.create_payment_run(actor=staff_user("case_worker"), execution_date=day, today=today)
    assert exc.value.field == "execution_date" and "kein Bankarbeitstag" in exc.value.message
    assert next_day.strftime("%d.%m.%Y") in exc.value.message
    assert not PaymentRun.objects.exists()
    run = svc.create_payment_run(actor=staff_user("case_worker"), execution_date=next_day, today=today)
    assert run.execution_date == next_day


def test_payment_run_needs_a_second_person_and_its_execution_date():
    grant = make_grant()
    released(grant, "100.00")
    creator = staff_user("case_worker")
    run = svc.create_payment_run(actor=creator, execution_date=dt.date(2027, 4, 6), today=dt.date(2027, 4, 1))
    assert run.prepared_by == creator
    with pytest.raises(PaymentsError, match="Vier-Augen-Prinzip"):
        svc.confirm_payment_run(actor=creator, run_id=run.pk, paid_on=dt.date(2027, 4, 6), today=dt.date(2027, 4, 6))
    second = staff_user("case_worker")
    with pytest.raises(PaymentsError) as exc:
        svc.confirm_payment_run(actor=second, run_id=run.pk, paid_on=dt.date(2027, 4, 5), today=dt.date(2027, 4, 7))
    assert exc.value.field == "paid_on" and "06.04.2027" in exc.value.message
    run = svc.confirm_payment_run(actor=second, run_id=run.pk, paid_on=dt.date(2027, 4, 6), today=dt.date(2027, 4, 7))
    assert (run.state, run.prepared_by, run.confirmed_by) == (PaymentRunState.CONFIRMED, creator, second)
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentRun.objects.filter(pk=run.pk).update(confirmed_by=creator)


# ---------------------------------------------------------------- defect 6: a changed bank account


def test_a_changed_account_gets_money_only_after_a_second_person_confirmed_it():
    grant = make_grant()
    lead = grant.application.lead
    old = BankAccount.objects.get(municipality=lead)
    new = svc.change_bank_account(actor=grant.grantee, municipality_id=lead.pk, holder="Neuer Inhaber GmbH",
                                  iban="DE12500105170648489890")
    assert new.confirmed_at is None and selectors.current_bank_account(lead.pk) == new
    d = released(grant, "100.00")
    run = svc.create_payment_run(actor=staff_user("case_worker"), execution_date=schedule.today())
    d.refresh_from_db()
    assert d.bank_account == old  # the last confirmed account, not the unconfirmed new one
    svc.cancel_payment_run(actor=staff_user("case_worker"), run_id=run.pk, reason="Neue Bankverbindung")
    # the municipality cannot confirm its own change; staff can
    with pytest.raises(PaymentsError):
        svc.confirm_bank_account(actor=grant.grantee, account_id=new.pk)
    confirmed = svc.confirm_bank_account(actor=staff_user("case_worker"), account_id=new.pk)
    assert confirmed.confirmed_at is not None
    assert AuditEntry.objects.filter(action="bank_account.confirmed").count() == 1
    svc.create_payment_run(actor=staff_user("case_worker"), execution_date=schedule.today())
    d.refresh_from_db()
    assert d.bank_account == new


def test_no_release_without_a_confirmed_account():
    grant = make_grant(with_bank_account=False)
    svc.change_bank_account(actor=grant.grantee, municipality_id=grant.application.lead_id, holder="Kasse",
                            iban="DE12500105170648489890")
    d = svc.request_disbursement(actor=grant.grantee, grant_id=grant.pk, amount=Decimal("10.00"), purpose="x",
                                 needed_on=TODAY + dt.timedelta(days=3), own_spending=0, today=TODAY)
    svc.check_disbursement(actor=staff_user("case_worker"), disbursement_id=d.pk)
    with pytest.raises(PaymentsError, match="bestätigte Bankverbindung"):
        svc.release_disbursement(actor=staff_user("approver"), disbursement_id=d.pk)
    assert DisbursementRequest.objects.get(pk=d.pk).state == DisbursementState.CHECKED


def test_the_lands_own_account_and_blocked_accounts_are_refused(settings):
    from payments.models import BlockedIban

    grant = make_grant()
    lead = grant.application.lead
    with pytest.raises(PaymentsError) as exc:
        svc.change_bank_account(actor=grant.grantee, municipality_id=lead.pk, holder="Land Hessen",
                                iban=settings.PAYMENTS_DEBTOR_IBAN)
    assert exc.value.field == "iban" and "Konto des Landes" in exc.value.message
    settings.PAYMENTS_BLOCKED_IBANS = ["DE39 5001 0517 5407 3249 24"]
    with pytest.raises(PaymentsError, match="gesperrt"):
        svc.change_bank_account(actor=grant.grantee, municipality_id=lead.pk, holder="X",
                                iban="DE39500105175407324924")
    BlockedIban.objects.create(iban="DE12500105170648489890", reason="Betrugsversuch")
    with pytest.raises(PaymentsError, match="gesperrt"):
        svc.change_bank_account(actor=grant.grantee, municipality_id=lead.pk, holder="X",
                                iban="DE12500105170648489890")
    assert BankAccount.objects.filter(municipality=lead).count() == 1


# ---------------------------------------------------------------- defect 5: funding period and budget years


@pytest.mark.parametrize(("today", "needed_on", "fragment"), [
    (dt.date(2027, 2, 15), dt.date(2027, 2, 26), "01.03.2027 bis 31.12.2028"),  # before the period starts
    (dt.date(2028, 12, 20), dt.date(2029, 1, 5), "01.03.2027 bis 31.12.2028"),  # after it ends
])
def test_money_outside_the_funding_period_is_refused(today, needed_on, fragment):
    grant = make_grant(years={2027: "1", 2028: "1", 2029: "1"})
    with pytest.raises(PaymentsError) as exc:
        request(grant, needed_on=needed_on, today=today)
    assert exc.value.field == "needed_on" and "Bewilligungszeitraum" in exc.value.message
    assert fragment in exc.value.message
    assert not DisbursementRequest.objects.exists()


def test_money_only_for_a_budget_year_with_a_commitment_and_within_it():
    grant = make_grant(years={2027: "1"})  # 180.000 € committed in 2027 only, period until 2028
    with pytest.raises(PaymentsError) as exc:
        request(grant, needed_on=dt.date(2028, 1, 10), today=dt.date(2027, 12, 20))
    assert "Haushaltsjahr 2028" in exc.value.message and "2027: 180.000,00\xa0€" in exc.value.message
    split = make_grant(years={2027: "1", 2028: "1"})  # 90.000 € a year
    first = request(split, "80000.00", needed_on=dt.date(2027, 12, 30), today=dt.date(2027, 12, 20))
    assert first.budget_year == 2027
    with pytest.raises(PaymentsError) as exc:
        request(split, "20000.00", needed_on=dt.date(2027, 12, 30), today=dt.date(2027, 12, 20))
    assert exc.value.field == "amount" and "höchstens noch 10.000,00\xa0€" in exc.value.message
    assert request(split, "20000.00", needed_on=dt.date(2028, 1, 5), today=dt.date(2027, 12, 20)).budget_year == 2028
    # a rejected request frees its year again
    svc.reject_disbursement(actor=staff_user("case_worker"), disbursement_id=first.pk, reason="falsch")
    assert request(split, "90000.00", needed_on=dt.date(2027, 12, 30), today=dt.date(2027, 12, 20)).amount == \
        Decimal("90000.00")
