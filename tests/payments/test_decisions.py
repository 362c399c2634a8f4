"""Decisions, grants and notices through the services (payments.services.decisions) and the tasks."""

import datetime as dt
import hashlib
import io
import re
from decimal import Decimal
from unittest import mock

import pytest
from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction

from applications.enums import ApplicationState as AS
from applications.models import Application
from audit.models import AuditEntry
from grants.models import Call, CallBudgetYear
from payments import tasks
from payments.enums import DecisionKind, DecisionState, GrantState, NoticeKind, ProofKind, ProofState
from payments.exceptions import PaymentsError
from payments.models import Amendment, Commitment, Decision, Grant, Notice, ProofOfUse
from payments.pdf import grant_notice_html
from payments.selectors import decisions as selectors
from payments.services import decisions as services
from tests.factories import CallFactory, MunicipalityFactory, UserFactory, member_of, staff_user
from tests.payments.factories import approved, decidable


def pdf_text(field_file) -> str:
    from pypdf import PdfReader

    with field_file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages).replace("\xa0", " ")


@pytest.fixture
def no_render():
    with mock.patch("payments.services.decisions._dispatch_notice") as dispatch:
        yield dispatch


# ---------------------------------------------------------------- prepare


@pytest.mark.django_db
def test_prepare_takes_figures_of_the_plan_and_splits_exactly(no_render):
    call = CallFactory()
    app = decidable(call, grant="100000.01", years={2027: "2", 2028: "1"})
    decision = services.prepare_decision(actor=staff_user("case_worker"), application_id=app.pk,
                                         kind=DecisionKind.APPROVE)
    years = {int(y): Decimal(a) for y, a in decision.years.items()}
    assert decision.grant_amount == Decimal("100000.01")
    assert decision.eligible_costs == app.eligible_costs and decision.funding_rate == Decimal("0.9000")
    assert sum(years.values()) == Decimal("100000.01")
    # eligible 74.074,09 : 37.037,04 — cents by largest remainder
    assert years[2027] == Decimal("66666.68") and years[2028] == Decimal("33333.33")
    assert AuditEntry.objects.filter(action="decision.prepared", object_id=app.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("state", [AS.IN_EVALUATION, AS.NOT_RECOMMENDED, AS.WITHDRAWN, AS.ELIGIBLE, AS.SUBMITTED])
def test_prepare_only_for_recommended_or_reserve(state):
    app = decidable(CallFactory(), state=state)
    with pytest.raises(PaymentsError, match="nicht entschieden"):
        services.prepare_decision(actor=staff_user("case_worker"), application_id=app.pk, kind=DecisionKind.APPROVE)
    assert not Decision.objects.exists()


@pytest.mark.django_db
def test_reject_needs_reasons_and_only_case_workers_prepare():
    app = decidable(CallFactory())
    with pytest.raises(PaymentsError, match="begründet"):
        services.prepare_decision(actor=staff_user("case_worker"), application_id=app.pk, kind=DecisionKind.REJECT,
                                  reasons="  ")
    with pytest.raises(PaymentsError, match="Sachbearbeitung"):
        services.prepare_decision(actor=staff_user("approver"), application_id=app.pk, kind=DecisionKind.APPROVE)
    with pytest.raises(PaymentsError):
        services.prepare_decision(actor=member_of(app.lead), application_id=app.pk, kind=DecisionKind.APPROVE)
    assert not Decision.objects.exists()


@pytest.mark.django_db
def test_one_live_decision_per_application(no_render):
    app = decidable(CallFactory())
    worker = staff_user("case_worker")
    first = services.prepare_decision(actor=worker, application_id=app.pk, kind=DecisionKind.APPROVE)
    assert services.prepare_decision(actor=worker, application_id=app.pk, kind=DecisionKind.APPROVE) == first
    with pytest.raises(PaymentsError, match="bereits eine Entscheidung"):
        services.prepare_decision(actor=staff_user("case_worker"), application_id=app.pk, kind=DecisionKind.REJECT,
                                  reasons="Nein")
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.create(application=app, kind=DecisionKind.APPROVE, funding_rate=1, eligible_costs=1,
                                grant_amount=1, prepared_by=worker)
    services.discard_decision(actor=worker, decision_id=first.pk, reason="Zahlen falsch")
    first.refresh_from_db()
    assert first.state == DecisionState.DISCARDED and first.discard_reason == "Zahlen falsch"
    second = services.prepare_decision(actor=worker, application_id=app.pk, kind=DecisionKind.APPROVE)
    assert second.pk != first.pk


@pytest.mark.django_db
def test_discard_needs_reason():
    app = decidable(CallFactory())
    worker = staff_user("case_worker")
    decision = services.prepare_decision(actor=worker, application_id=app.pk, kind=DecisionKind.APPROVE)
    with pytest.raises(PaymentsError, match="begründen"):
        services.discard_decision(actor=worker, decision_id=decision.pk, reason="")
    decision.refresh_from_db()
    assert decision.state == DecisionState.PREPARED


# ---------------------------------------------------------------- four eyes


@pytest.mark.django_db
def test_same_person_cannot_prepare_and_confirm(no_render):
    call = CallFactory()
    app = decidable(call)
    both = staff_user("case_worker")
    from django.contrib.auth.models import Group

    both.groups.add(Group.objects.get_or_create(name="approver")[0])
    decision = services.prepare_decision(actor=both, application_id=app.pk, kind=DecisionKind.APPROVE)
    with pytest.raises(PaymentsError, match="Vier-Augen"):
        services.confirm_decision(actor=both, decision_id=decision.pk)
    decision.refresh_from_db()
    call.refresh_from_db()
    assert decision.state == DecisionState.PREPARED and call.committed == 0 and not Grant.objects.exists()
    # The database refuses it too.
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.filter(pk=decision.pk).update(confirmed_by=both)


@pytest.mark.django_db
def test_confirm_needs_approver_with_totp(no_render):
    app = decidable(CallFactory())
    decision = services.prepare_decision(actor=staff_user("case_worker"), application_id=app.pk,
                                         kind=DecisionKind.APPROVE)
    with pytest.raises(PaymentsError, match="Bewilligung/Anordnung"):
        services.confirm_decision(actor=staff_user("case_worker"), decision_id=decision.pk)
    with pytest.raises(PaymentsError, match="TOTP"):
        services.confirm_decision(actor=UserFactory(roles=["approver"]), decision_id=decision.pk)
    decision.refresh_from_db()
    assert decision.state == DecisionState.PREPARED


# ---------------------------------------------------------------- confirm: commitment, grant, notice


@pytest.mark.django_db
def test_confirm_commits_budget_creates_grant_and_issues_notice(django_capture_on_commit_callbacks, mailoutbox):
    call = CallFactory()
    program = call.program
    program.retained_instalment_percent = Decimal("10")
    program.general_conditions_edition = "ANBest-GK, Fassung vom 1. Januar 2024"
    program.save()
    app = decidable(call, grant="150000.05", years={2027: "1", 2028: "1"})
    member_of(app.lead, email="kommune@example.org")
    worker, approver = staff_user("case_worker"), staff_user("approver")
    decision = services.prepare_decision(actor=worker, application_id=app.pk, kind=DecisionKind.APPROVE)
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_decision(actor=approver, decision_id=decision.pk)
    call.refresh_from_db()
    app.refresh_from_db()
    grant = Grant.objects.get(application=app)
    commitments = {c.year: c.amount for c in grant.commitments.all()}
    assert app.state == AS.APPROVED
    assert call.committed == Decimal("150000.05") == sum(commitments.values())
    assert {y.year: y.committed for y in call.budget_years.all()} == commitments
    # eligible 83.333,36 : 83.333,37 — the odd cent goes to the larger year
    assert commitments == {2027: Decimal("75000.02"), 2028: Decimal("75000.03")}
    assert grant.amount == Decimal("150000.05") and grant.retained_amount == Decimal("15000.00")
    assert grant.funding_rate == Decimal("0.9") and grant.eligible_costs == app.eligible_costs
    assert (grant.project_start, grant.project_end) == (app.start_date, app.end_date)
    assert grant.general_conditions_edition == "ANBest-GK, Fassung vom 1. Januar 2024"
    assert grant.disbursement_window_months == program.disbursement_window_months
    # The notice was rendered after commit: the grant is issued, the appeal period runs, proofs are due.
    assert grant.state == GrantState.NOTICE_ISSUED
    assert grant.notice_issued_on == services.today()
    assert grant.appeal_ends_on == services.today() + relativedelta(months=1)
    notice = Notice.objects.get(grant=grant)
    assert notice.kind == NoticeKind.GRANT and notice.version == 1
    with notice.file.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == notice.sha256
    proofs = list(ProofOfUse.objects.filter(grant=grant).order_by("due_on"))
    assert [(p.kind, p.budget_year, p.due_on, p.state) for p in proofs] == [
        (ProofKind.INTERIM, 2027, dt.date(2028, 4, 30), ProofState.DUE),
        (ProofKind.FINAL, None, dt.date(2029, 6, 30), ProofState.DUE)]
    assert any("kommune@example.org" in m.to for m in mailoutbox)
    # A second confirmation and a second render change nothing.
    services.confirm_decision(actor=approver, decision_id=decision.pk)
    assert tasks.render_grant_notice(grant_id=grant.pk) == notice.pk
    call.refresh_from_db()
    assert call.committed == Decimal("150000.05") and Notice.objects.count() == 1 and ProofOfUse.objects.count() == 2


@pytest.mark.django_db
def test_refusal_names_year_and_shortfall(no_render):
    call = CallFactory()
    CallBudgetYear.objects.filter(call=call, year=2028).update(amount=Decimal("50000.00"))
    app = decidable(call, grant="150000.00", years={2027: "1", 2028: "1"})
    decision = services.prepare_decision(actor=staff_user("case_worker"), application_id=app.pk,
                                         kind=DecisionKind.APPROVE)
    with pytest.raises(PaymentsError) as exc:
        services.confirm_decision(actor=staff_user("approver"), decision_id=decision.pk)
    assert "Haushaltsjahres 2028" in exc.value.message and "25.000,00" in exc.value.message
    assert "2027" not in exc.value.message
    call.refresh_from_db()
    assert call.committed == 0 and not Grant.objects.exists() and not Commitment.objects.exists()
    assert Application.objects.get(pk=app.pk).state == AS.RECOMMENDED


@pytest.mark.django_db
def test_refusal_names_call_shortfall(no_render):
    call = CallFactory(total_budget=Decimal("100000.00"))
    app = decidable(call, grant="130000.00")
    decision = services.prepare_decision(actor=staff_user("case_worker"), application_id=app.pk,
                                         kind=DecisionKind.APPROVE)
    with pytest.raises(PaymentsError, match=r"ungebundene Budget.*es fehlen 30\.000,00"):
        services.confirm_decision(actor=staff_user("approver"), decision_id=decision.pk)


@pytest.mark.django_db
def test_year_without_tranche_is_refused(no_render):
    call = CallFactory()
    app = decidable(call, years={2027: "1", 2029: "1"}, end=dt.date(2029, 2, 28))
    with pytest.raises(PaymentsError, match="2029"):
        services.prepare_decision(actor=staff_user("case_worker"), application_id=app.pk, kind=DecisionKind.APPROVE)
    app2 = decidable(call, years={2027: "1", 2028: "1"})
    decision = services.prepare_decision(actor=staff_user("case_worker"), application_id=app2.pk,
                                         kind=DecisionKind.APPROVE)
    CallBudgetYear.objects.filter(call=call, year=2028).delete()
    with pytest.raises(PaymentsError, match="2028"):
        services.confirm_decision(actor=staff_user("approver"), decision_id=decision.pk)
    assert not Grant.objects.exists()


@pytest.mark.django_db
def test_database_constraint_is_the_last_line(no_render):
    """Even when the Python check is bypassed, the counters never exceed the tranche."""
    call = CallFactory()
    app = decidable(call, grant="150000.00")
    decision = services.prepare_decision(actor=staff_user("case_worker"), application_id=app.pk,
                                         kind=DecisionKind.APPROVE)
    CallBudgetYear.objects.filter(call=call, year=2027).update(amount=Decimal("100000.00"))
    with mock.patch("payments.services.decisions.budget_shortfalls", return_value=[]), \
            pytest.raises(PaymentsError, match="überbunden"):
        services.confirm_decision(actor=staff_user("approver"), decision_id=decision.pk)
    assert Call.objects.get(pk=call.pk).committed == 0 and not Grant.objects.exists()


@pytest.mark.django_db
def test_rejection_issues_a_rejection_notice_with_reasons(django_capture_on_commit_callbacks):
    app = decidable(CallFactory())
    decision = services.prepare_decision(actor=staff_user("case_worker"), application_id=app.pk,
                                         kind=DecisionKind.REJECT, reasons="Das Vorhaben ist nicht übertragbar.")
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_decision(actor=staff_user("approver"), decision_id=decision.pk)
    app.refresh_from_db()
    assert app.state == AS.REJECTED and not Grant.objects.exists()
    notice = Notice.objects.get(application=app)
    assert notice.kind == NoticeKind.REJECTION and notice.figures["reasons"] == "Das Vorhaben ist nicht übertragbar."
    text = pdf_text(notice.file)
    assert "Ablehnungsbescheid" in text and app.case_number in text and "nicht übertragbar" in text
    assert "Klage beim Verwaltungsgericht" in text and "innerhalb eines Monats" in text
    assert tasks.render_rejection_notice(decision_id=decision.pk) == notice.pk and Notice.objects.count() == 1


# ---------------------------------------------------------------- the notice


@pytest.mark.django_db
def test_grant_notice_pdf_shows_the_figures():
    call = CallFactory()
    call.program.retained_instalment_percent = Decimal("10")
    call.program.general_conditions_edition = "Fassung vom 1. Januar 2024"
    call.program.disbursement_window_months = 3
    call.program.save()
    grant, ctx = approved(call, render=True, grant="200000.00", years={2027: "3", 2028: "1"})
    notice = Notice.objects.get(grant=grant)
    text = re.sub(r"\s", "", pdf_text(notice.file))  # table cells are extracted without spaces

    def shows(*phrases):
        return all(re.sub(r"\s", "", p) in text for p in phrases)

    assert shows("Zuwendungsbescheid", grant.case_number)
    assert shows(grant.application.lead.name, grant.application.title)
    assert shows("Anteilfinanzierung", "90 %")
    assert shows("Zuwendungsfähige Ausgaben 222.222,23 €")
    assert shows("Höchstbetrag der Zuwendung 200.000,00 €")
    assert shows("01.03.2027 bis 31.12.2028")
    assert shows("Haushaltsjahr 2027", "Haushaltsjahr 2028")
    assert shows("Haushaltsjahr 2027 166.666,67 € 166.666,67 € 150.000,00 €",  # costs, eligible, commitment
                 "Haushaltsjahr 2028 55.555,56 € 55.555,56 € 50.000,00 €")
    assert shows("ANBest-GK", "Fassung vom 1. Januar 2024")
    assert shows("innerhalb von 3 Monaten nach der Auszahlung")
    assert shows("30.04.2028", "30.06.2029")  # interim 2027, final proof
    assert shows("20.000,00 €", "Schlussrate")
    assert shows("Rechtsbehelfsbelehrung", "Klage beim Verwaltungsgericht Wiesbaden")
    assert shows("innerhalb eines Monats")
    # The stored figures are the figures shown.
    figures = notice.figures
    assert figures["amount"] == "200000.00" and figures["eligible_costs"] == "222222.23"
    assert [(y["year"], y["grant"]) for y in figures["years"]] == [(2027, "150000.00"), (2028, "50000.00")]
    assert figures["retained_amount"] == "20000.00" and figures["disbursement_window_months"] == 3
    assert [p["due_on"] for p in figures["proofs"]] == ["2028-04-30", "2029-06-30"]
    assert figures["general_conditions_edition"] == "Fassung vom 1. Januar 2024"


@pytest.mark.django_db
def test_no_retained_instalment_sentence_when_none(no_render):
    grant, _ctx = approved(grant="150000.00")
    html = grant_notice_html(grant)
    assert "Schlussrate" not in html and "Zuwendungsbescheid" in html


# ---------------------------------------------------------------- amendment; a notice is never overwritten


def _amend(grant, *, approver, preparer=None, **kwargs):
    """Prepare (a case worker) and confirm (``approver``) a change; a refused confirmation is discarded."""
    preparer = preparer or staff_user("case_worker")
    amendment = services.prepare_amendment(actor=preparer, grant_id=grant.pk, **kwargs)
    try:
        return services.confirm_amendment(actor=approver, amendment_id=amendment.pk)
    except PaymentsError:
        services.discard_amendment(actor=preparer, amendment_id=amendment.pk, reason="abgelehnt")
        raise


@pytest.mark.django_db
def test_amendment_is_a_new_version_and_never_overwrites(django_capture_on_commit_callbacks):
    call = CallFactory()
    grant, ctx = approved(call, render=True, grant="150000.00", years={2027: "1", 2028: "1"})
    first = Notice.objects.get(grant=grant)
    with first.file.open("rb") as handle:
        old_bytes = handle.read()
    old_sha, old_name = first.sha256, first.file.name
    with django_capture_on_commit_callbacks(execute=True):
        _amend(grant, approver=ctx["approver"], amount=Decimal("180000.00"), eligible_costs=Decimal("200000.00"),
               project_end=dt.date(2029, 6, 30), reason="Mehrkosten Sensorik")
    grant.refresh_from_db()
    call.refresh_from_db()
    assert grant.amount == Decimal("180000.00") and grant.project_end == dt.date(2029, 6, 30)
    assert call.committed == Decimal("180000.00") == sum(c.amount for c in grant.commitments.all())
    assert {c.year: c.amount for c in grant.commitments.all()} == {2027: Decimal("90000.00"),
                                                                    2028: Decimal("90000.00")}
    notices = list(Notice.objects.filter(application=grant.application).order_by("version"))
    assert [(n.kind, n.version) for n in notices] == [(NoticeKind.GRANT, 1), (NoticeKind.AMENDMENT, 2)]
    first.refresh_from_db()
    assert first.sha256 == old_sha and first.file.name == old_name
    with first.file.open("rb") as handle:
        assert handle.read() == old_bytes
    text = pdf_text(notices[1].file)
    assert "Änderungsbescheid" in text and "bisher 150.000,00 €, neu 180.000,00 €" in text
    assert "Mehrkosten Sensorik" in text and "30.06.2029" in text
    # The new final proof date moved; an interim proof for 2028 was added.
    assert ProofOfUse.objects.get(grant=grant, kind=ProofKind.FINAL).due_on == dt.date(2029, 12, 30)
    assert ProofOfUse.objects.filter(grant=grant, kind=ProofKind.INTERIM, budget_year=2028).exists()
    # Notice rows are immutable.
    first.figures = {"amount": "1"}
    with pytest.raises(PaymentsError):
        first.save()
    with pytest.raises(PaymentsError):
        first.delete()
    assert Notice.objects.get(pk=first.pk).figures["amount"] == "150000.00"
    # The task for the same amendment does nothing the second time.
    assert tasks.render_amendment_notice(grant_id=grant.pk, amendment=1, reason="x", old_amount="150000.00",
                                         old_project_end="2028-12-31") == notices[1].pk
    assert Notice.objects.count() == 2


@pytest.mark.django_db
def test_amendment_rules(no_render):
    call = CallFactory()
    CallBudgetYear.objects.filter(call=call, year=2027).update(amount=Decimal("160000.00"))
    grant = Grant.objects.get(pk=approved(call, grant="150000.00")[0].pk)
    Grant.objects.filter(pk=grant.pk).update(state=GrantState.FINAL, requested_amount=Decimal("120000.00"))
    approver = staff_user("approver")
    with pytest.raises(PaymentsError, match="begründen"):
        _amend(grant, approver=approver, amount=Decimal("100000"), reason="")
    with pytest.raises(PaymentsError, match="bereits abgerufenen 120.000,00"):
        _amend(grant, approver=approver, amount=Decimal("110000"), reason="weniger")
    with pytest.raises(PaymentsError, match="Fördersatz"):
        _amend(grant, approver=approver, amount=Decimal("165000"), reason="mehr")
    with pytest.raises(PaymentsError, match=r"Haushaltsjahres 2027.*es fehlen 5\.000,00"):
        _amend(grant, approver=approver, amount=Decimal("165000"), eligible_costs=Decimal("200000"), reason="mehr")
    with pytest.raises(PaymentsError, match="Bewilligung/Anordnung"):
        _amend(grant, approver=staff_user("case_worker"), amount=Decimal("140000"), reason="x")
    assert Call.objects.get(pk=call.pk).committed == Decimal("150000.00")
    _amend(grant, approver=approver, amount=Decimal("130000"), reason="Minderkosten")
    assert Call.objects.get(pk=call.pk).committed == Decimal("130000.00")
    assert CallBudgetYear.objects.get(call=call, year=2027).committed == Decimal("130000.00")
    assert Grant.objects.get(pk=grant.pk).amendment_count == 1


@pytest.mark.django_db
def test_amendment_needs_a_second_person(no_render):
    grant = Grant.objects.get(pk=approved(CallFactory(), grant="150000.00")[0].pk)
    Grant.objects.filter(pk=grant.pk).update(state=GrantState.FINAL)
    approver = staff_user("approver")
    amendment = services.prepare_amendment(actor=approver, grant_id=grant.pk, amount=Decimal("140000"),
                                           reason="Minderkosten")
    assert services.prepare_amendment(actor=approver, grant_id=grant.pk, amount=Decimal("140000"),
                                      reason="Minderkosten").pk == amendment.pk  # a second click
    with pytest.raises(PaymentsError, match="Vier-Augen-Prinzip"):
        services.confirm_amendment(actor=approver, amendment_id=amendment.pk)
    assert Grant.objects.get(pk=grant.pk).amount == Decimal("150000.00")  # nothing changed yet
    with pytest.raises(IntegrityError), transaction.atomic():
        Amendment.objects.filter(pk=amendment.pk).update(confirmed_by=approver)
    second = staff_user("approver")
    services.confirm_amendment(actor=second, amendment_id=amendment.pk)
    amendment.refresh_from_db()
    assert (amendment.state, amendment.prepared_by, amendment.confirmed_by, amendment.number) == (
        DecisionState.CONFIRMED, approver, second, 1)
    assert Grant.objects.get(pk=grant.pk).amount == Decimal("140000.00")
    services.confirm_amendment(actor=second, amendment_id=amendment.pk)  # a second confirmation: nothing
    assert Grant.objects.get(pk=grant.pk).amendment_count == 1


# ---------------------------------------------------------------- finality


@pytest.mark.django_db
def test_waiver_makes_the_notice_final_today(no_render):
    grant, _ctx = approved()
    Grant.objects.filter(pk=grant.pk).update(state=GrantState.NOTICE_ISSUED, notice_issued_on=services.today(),
                                             appeal_ends_on=services.today() + dt.timedelta(days=30))
    stranger = member_of(MunicipalityFactory())
    with pytest.raises(PaymentsError, match="antragstellenden Kommune"):
        services.waive_appeal(actor=stranger, grant_id=grant.pk)
    member = member_of(grant.application.lead)
    services.waive_appeal(actor=member, grant_id=grant.pk)
    grant.refresh_from_db()
    assert grant.state == GrantState.FINAL and grant.final_on == services.today()
    assert grant.appeal_waived_by == member and grant.appeal_waived_at is not None
    services.waive_appeal(actor=member, grant_id=grant.pk)  # a second click: harmless
    assert AuditEntry.objects.filter(action="grant.appeal_waived").count() == 1


@pytest.mark.django_db
def test_finalize_at_the_edge(no_render):
    today = dt.date(2027, 5, 10)
    ends_today, _ = approved()
    ended_yesterday, _ = approved()
    Grant.objects.filter(pk=ends_today.pk).update(state=GrantState.NOTICE_ISSUED, appeal_ends_on=today)
    Grant.objects.filter(pk=ended_yesterday.pk).update(state=GrantState.NOTICE_ISSUED,
                                                       appeal_ends_on=today - dt.timedelta(days=1))
    assert services.finalize_due_notices(on=today) == 1
    assert Grant.objects.get(pk=ends_today.pk).state == GrantState.NOTICE_ISSUED
    final = Grant.objects.get(pk=ended_yesterday.pk)
    assert final.state == GrantState.FINAL and final.final_on == today
    assert services.finalize_due_notices(on=today) == 0  # idempotent
    with mock.patch("payments.services.decisions.today", return_value=today + dt.timedelta(days=1)):
        assert tasks.finalize_due_notices() == 1
    assert Grant.objects.get(pk=ends_today.pk).state == GrantState.FINAL


# ---------------------------------------------------------------- moving up from the reserve list


@pytest.mark.django_db
def test_reserve_moves_up_in_ranking_order_when_budget_is_freed(no_render):
    from tests.jury.factories import evaluated_call, score

    call, panel = evaluated_call(budget="300000.00", years={2027: "300000.00"})
    first = decidable(call, grant="200000.00")
    second = decidable(call, grant="150000.00", state=AS.RESERVE)
    third = decidable(call, grant="100000.00", state=AS.RESERVE)
    score(panel, first, [[5, 5]])
    score(panel, second, [[4, 4]])
    score(panel, third, [[3, 3]])
    worker, approver = staff_user("case_worker"), staff_user("approver")

    reserve = selectors.reserve_candidates(call)
    assert [c.application.pk for c in reserve] == [second.pk, third.pk]
    assert reserve[0].fits and reserve[0].next_up and not reserve[1].next_up

    decision = services.prepare_decision(actor=worker, application_id=first.pk, kind=DecisionKind.APPROVE)
    services.confirm_decision(actor=approver, decision_id=decision.pk)
    reserve = selectors.reserve_candidates(call)
    assert not reserve[0].fits and "es fehlen 50.000,00" in " ".join(reserve[0].problems)
    assert reserve[1].fits and reserve[1].next_up

    # Preparing for the reserve application is allowed; the budget check at confirmation guards.
    early = services.prepare_decision(actor=worker, application_id=second.pk, kind=DecisionKind.APPROVE)
    with pytest.raises(PaymentsError, match="es fehlen 50.000,00"):
        services.confirm_decision(actor=approver, decision_id=early.pk)
    services.discard_decision(actor=worker, decision_id=early.pk, reason="Budget reicht nicht")

    # The recommended one is approved; a recommended one rejected instead frees the budget for the next.
    call2, panel2 = evaluated_call(budget="300000.00", years={2027: "300000.00"})
    a = decidable(call2, grant="200000.00")
    b = decidable(call2, grant="150000.00", state=AS.RESERVE)
    score(panel2, a, [[5, 5]])
    score(panel2, b, [[4, 4]])
    d = services.prepare_decision(actor=worker, application_id=a.pk, kind=DecisionKind.REJECT, reasons="Doppelt")
    services.confirm_decision(actor=approver, decision_id=d.pk)
    assert selectors.reserve_candidates(call2)[0].next_up
    d = services.prepare_decision(actor=worker, application_id=b.pk, kind=DecisionKind.APPROVE)
    services.confirm_decision(actor=approver, decision_id=d.pk)
    assert Application.objects.get(pk=b.pk).state == AS.APPROVED
    assert Call.objects.get(pk=call2.pk).committed == Decimal("150000.00")


@pytest.mark.django_db
def test_withdrawal_after_approval_is_not_possible(no_render):
    from applications.exceptions import ApplicationError
    from applications.services import withdraw_application

    grant, _ctx = approved()
    member = member_of(grant.application.lead)
    with pytest.raises(ApplicationError):
        withdraw_application(actor=member, application_id=grant.application_id, reason="doch nicht")
    assert Application.objects.get(pk=grant.application_id).state == AS.APPROVED


def test_audit_labels_are_german():
    assert all(re.search(r"[a-zäöü]", str(label)) for label in services.AUDIT_LABELS.values())
