"""Decisions on recommended and reserve applications, the grant they create, its notices and amendments.

Writes (one function per use case, keyword-only, each in one transaction):
prepare_decision, discard_decision, confirm_decision (four-eyes, budget commitment under locks),
issue_grant_notice / issue_rejection_notice / issue_amendment_notice (called by the render tasks),
prepare_amendment / confirm_amendment / discard_amendment (Änderungsbescheid, four eyes),
waive_appeal (Rechtsbehelfsverzicht), finalize_due_notices.

Reads used by the pages and the API (budget per year, reserve list for moving up, scoped grants)
are in payments.selectors.decisions.

Locking order, everywhere budget is touched: the Call row first, then its CallBudgetYear rows by
year, then the decision / grant / application. The CheckConstraints on Call.committed and
CallBudgetYear.committed are the last line of defence; an IntegrityError becomes a PaymentsError.
"""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.mfa import has_totp
from accounts.models import User
from accounts.notifications import notify
from accounts.rules import is_approver, is_case_worker
from applications.enums import DECIDABLE_STATES
from applications.models import Application, CostLine
from applications.services import decide_application
from audit.services import record
from foundation.amounts import ZERO, format_eur, to_money
from grants.models import Call, CallBudgetYear
from grants.money import proportional_grant, range_error, retained_instalment
from outbox.services import enqueue

from ..enums import DecisionKind, DecisionState, GrantState, NoticeKind
from ..exceptions import PaymentsError
from ..models import Amendment, Commitment, Decision, Grant, Notice
from ..rules import is_grantee, may_prepare_amendment
from ..schedule import appeal_end, today
from ..selectors.decisions import budget_shortfalls, grant_split
from .common import (
    grantee_addresses,
    lock_grant,
    require,
    role_addresses,
    run_transition,
    store_notice,
)
from .four_eyes import confirm_as_second_person
from .proofs import schedule_proofs

AUDIT_LABELS = {
    "decision.prepared": gettext_lazy("Entscheidung vorbereitet"),
    "decision.confirmed": gettext_lazy("Entscheidung bestätigt (Vier-Augen-Prinzip)"),
    "decision.discarded": gettext_lazy("Entscheidung verworfen"),
    "application.approved": gettext_lazy("Antrag bewilligt"),
    "application.rejected": gettext_lazy("Antrag abgelehnt"),
    "grant.created": gettext_lazy("Zuwendung angelegt, Mittel gebunden"),
    "grant.notice_issued": gettext_lazy("Zuwendungsbescheid erlassen"),
    "grant.amended": gettext_lazy("Zuwendung geändert (Änderungsbescheid, Vier-Augen-Prinzip)"),
    "grant.amendment_prepared": gettext_lazy("Änderung vorbereitet"),
    "grant.amendment_discarded": gettext_lazy("Änderung verworfen"),
    "grant.amendment_notice_issued": gettext_lazy("Änderungsbescheid erlassen"),
    "grant.appeal_waived": gettext_lazy("Rechtsbehelfsverzicht erklärt"),
    "grant.final": gettext_lazy("Bescheid bestandskräftig"),
    "notice.rejection_issued": gettext_lazy("Ablehnungsbescheid erlassen"),
}


def _site(path: str) -> str:
    return f"{getattr(settings, 'SITE_URL', '')}{path}"


# ---------------------------------------------------------------- figures


def eligible_by_year(application: Application) -> dict[int, Decimal]:
    """Eligible costs of the financing plan per budget year (the weights of the split)."""
    rows = (CostLine.objects.filter(application=application, eligible=True).values("budget_year")
            .annotate(total=Sum("amount")).order_by("budget_year"))
    return {row["budget_year"]: row["total"] for row in rows}


def plan_years(application: Application) -> set[int]:
    return set(CostLine.objects.filter(application=application).values_list("budget_year", flat=True))


def _missing_years(call: Call, years) -> list[int]:
    have = set(CallBudgetYear.objects.filter(call=call).values_list("year", flat=True))
    return sorted(int(y) for y in years if int(y) not in have)


def _require_years_exist(call: Call, years) -> None:
    missing = _missing_years(call, years)
    if missing:
        raise PaymentsError(
            _("Der Förderaufruf hat für das Haushaltsjahr %(years)s keine Mittel (keine Tranche). "
              "Die Entscheidung ist so nicht möglich.") % {"years": ", ".join(str(y) for y in missing)})


# ---------------------------------------------------------------- prepare / discard


def prepare_decision(*, actor: User, application_id: int, kind: str, reasons: str = "") -> Decision:
    """A case worker prepares approval (figures of the financing plan) or rejection (with reasons)."""
    require(is_case_worker(actor), _("Nur die Sachbearbeitung bereitet Förderentscheidungen vor."))
    if kind not in DecisionKind.values:
        raise PaymentsError(_("Bitte wählen Sie Bewilligung oder Ablehnung."), field="kind")
    reasons = (reasons or "").strip()
    if kind == DecisionKind.REJECT and not reasons:
        raise PaymentsError(_("Eine Ablehnung muss begründet werden."), field="reasons")
    with transaction.atomic():
        try:
            application = (Application.objects.select_for_update(of=("self",))
                           .select_related("call__program", "lead").get(pk=application_id))
        except Application.DoesNotExist:
            raise PaymentsError(_("Dieser Antrag existiert nicht.")) from None
        live = Decision.objects.filter(application=application,
                                       state__in=[DecisionState.PREPARED, DecisionState.CONFIRMED]).first()
        if live is not None:
            if live.state == DecisionState.PREPARED and live.kind == kind and live.prepared_by_id == actor.pk:
                return live  # a second click
            raise PaymentsError(_("Für diesen Antrag liegt bereits eine Entscheidung vor (%(state)s).")
                                % {"state": live.get_state_display()})
        if application.state not in DECIDABLE_STATES:
            raise PaymentsError(
                _("Über diesen Antrag kann im Status „%(state)s“ nicht entschieden werden; nur empfohlene "
                  "Anträge und Anträge der Nachrückliste.") % {"state": application.get_state_display()})
        program = application.call.program
        years: dict[str, str] = {}
        if kind == DecisionKind.APPROVE:
            grant = application.grant_amount
            require(grant > 0, _("Der Finanzierungsplan ergibt keine Zuwendung."))
            out_of_range = range_error(grant, minimum=program.min_grant, maximum=program.max_grant)
            if out_of_range:
                raise PaymentsError(out_of_range)
            _require_years_exist(application.call, plan_years(application))
            split = grant_split(grant, eligible_by_year(application))
            require(bool(split), _("Der Finanzierungsplan enthält keine zuwendungsfähigen Ausgaben."))
            years = {str(y): str(a) for y, a in split.items()}
        decision = Decision.objects.create(
            application=application, kind=kind, funding_rate=program.funding_rate,
            eligible_costs=application.eligible_costs,
            grant_amount=application.grant_amount if kind == DecisionKind.APPROVE else ZERO,
            years=years, reasons=reasons, prepared_by=actor)
        record(actor=actor, action="decision.prepared", obj=application, to_state=decision.state, reason=reasons,
               states_of=decision,
               data={"decision": decision.pk, "kind": kind, "grant": str(decision.grant_amount), "years": years})
        notify(recipients=role_addresses("approver"),
               subject=lambda: _("%(case)s: Entscheidung zur Bestätigung") % {"case": application.case_number},
               template="payments/mail/decisions_to_confirm.txt",
               context={"application": application, "decision": decision,
                        "url": _site(f"/zuwendungen/bewilligung/antraege/{application.pk}/")})
    return decision


def discard_decision(*, actor: User, decision_id: int, reason: str) -> Decision:
    reason = (reason or "").strip()
    if not reason:
        raise PaymentsError(_("Bitte begründen Sie, warum die Entscheidung verworfen wird."), field="reason")
    with transaction.atomic():
        decision = _lock_decision(decision_id)
        if decision.state == DecisionState.DISCARDED:
            return decision
        if decision.state == DecisionState.CONFIRMED:
            raise PaymentsError(_("Eine bestätigte Entscheidung kann nicht verworfen werden; ändern Sie die "
                                  "Zuwendung mit einem Änderungsbescheid."))
        source, target = run_transition(decision, "discard", actor)
        decision.discard_reason = reason
        decision.save(update_fields=["state", "discard_reason"])
        record(actor=actor, action="decision.discarded", obj=decision.application, from_state=source,
               to_state=target, reason=reason, data={"decision": decision.pk}, states_of=decision)
    return decision


def _lock_decision(decision_id: int) -> Decision:
    try:
        return (Decision.objects.select_for_update(of=("self",)).select_related("application")
                .get(pk=decision_id))
    except Decision.DoesNotExist:
        raise PaymentsError(_("Diese Entscheidung existiert nicht.")) from None


# ---------------------------------------------------------------- confirm (four eyes, budget)


def _lock_budget(call_id: int) -> tuple[Call, dict[int, CallBudgetYear]]:
    """Lock the call, then its budget years in year order (the fixed order of every budget change)."""
    call = Call.objects.select_for_update().select_related("program").get(pk=call_id)
    years = {y.year: y for y in CallBudgetYear.objects.select_for_update().filter(call=call).order_by("year")}
    return call, years


def _commit(call: Call, budget_years: dict[int, CallBudgetYear], by_year: dict[int, Decimal]) -> None:
    """Change the committed counters by the given (possibly negative) amounts; the DB refuses overshoot."""
    total = sum(by_year.values(), ZERO)
    try:
        with transaction.atomic():
            if total:
                Call.objects.filter(pk=call.pk).update(committed=F("committed") + total)
            for year, amount in by_year.items():
                if amount:
                    CallBudgetYear.objects.filter(pk=budget_years[year].pk).update(committed=F("committed") + amount)
    except IntegrityError:
        raise PaymentsError(_("Die Mittel reichen nicht: der Aufruf oder eine Tranche wäre überbunden. "
                              "Nichts wurde gebunden.")) from None


def confirm_decision(*, actor: User, decision_id: int) -> Decision:
    """An approver (not the preparer, with MFA) confirms; approval commits the budget and creates the grant.

    A second confirmation of a confirmed decision changes nothing.
    """
    require(is_approver(actor), _("Nur die Rolle „Bewilligung/Anordnung“ bestätigt Entscheidungen."))
    require(has_totp(actor), _("Zum Bestätigen ist die Zwei-Faktor-Anmeldung (TOTP) Pflicht."))
    try:
        call_id = Decision.objects.values_list("application__call_id", flat=True).get(pk=decision_id)
    except Decision.DoesNotExist:
        raise PaymentsError(_("Diese Entscheidung existiert nicht.")) from None
    with transaction.atomic():
        call, budget_years = _lock_budget(call_id)
        decision = _lock_decision(decision_id)
        if decision.state == DecisionState.CONFIRMED:
            return decision
        require(decision.state == DecisionState.PREPARED, _("Diese Entscheidung wurde verworfen."))
        application = (Application.objects.select_for_update(of=("self",)).select_related("lead")
                       .get(pk=decision.application_id))
        if application.state not in DECIDABLE_STATES:
            raise PaymentsError(_("Der Antrag ist im Status „%(state)s“; die Entscheidung kann nicht mehr bestätigt "
                                  "werden. Bitte verwerfen Sie sie.") % {"state": application.get_state_display()})
        source, target = confirm_as_second_person(
            decision, actor=actor,
            message=_("Vier-Augen-Prinzip: Wer eine Entscheidung vorbereitet hat, kann sie nicht selbst bestätigen."))
        grant = None
        if decision.kind == DecisionKind.APPROVE:
            grant = _approve(actor=actor, call=call, budget_years=budget_years, decision=decision,
                             application=application)
        else:
            decide_application(actor=actor, application_id=application.pk, approve=False, reason=decision.reasons)
        record(actor=actor, action="decision.confirmed", obj=application, from_state=source, to_state=target,
               states_of=decision,
               data={"decision": decision.pk, "kind": decision.kind, "prepared_by": decision.prepared_by_id,
                     "grant": grant.pk if grant else None})
        _dispatch_notice(decision, grant)
    return decision


def _approve(*, actor, call, budget_years, decision, application) -> Grant:
    by_year = {int(y): Decimal(a) for y, a in decision.years.items()}
    total = decision.grant_amount
    if sum(by_year.values(), ZERO) != total:
        raise PaymentsError(_("Die Aufteilung auf Haushaltsjahre ergibt nicht die Zuwendung; bitte verwerfen Sie die "
                              "Entscheidung und bereiten Sie sie neu vor."))
    missing = _missing_years(call, set(by_year) | plan_years(application))
    if missing:
        _require_years_exist(call, missing)
    problems = budget_shortfalls(call, budget_years, total, by_year)
    if problems:
        raise PaymentsError(" ".join(problems))
    _commit(call, budget_years, by_year)
    program = call.program
    retained = retained_instalment(grant=total, percent=program.retained_instalment_percent)
    grant = Grant.objects.create(
        application=application, call=call, decision=decision, funding_rate=decision.funding_rate,
        eligible_costs=decision.eligible_costs, amount=total, retained_amount=retained,
        project_start=application.start_date, project_end=application.end_date,
        disbursement_window_months=program.disbursement_window_months,
        appeal_period_months=program.appeal_period_months, interim_proof_months=program.interim_proof_months,
        final_proof_months=program.final_proof_months,
        general_conditions_edition=program.general_conditions_edition)
    Commitment.objects.bulk_create(
        Commitment(grant=grant, budget_year=budget_years[year], year=year, amount=amount)
        for year, amount in sorted(by_year.items()))
    decide_application(actor=actor, application_id=application.pk, approve=True, data={"grant": str(total)})
    record(actor=actor, action="grant.created", obj=grant, to_state=grant.state,
           data={"amount": str(total), "retained": str(retained), "years": decision.years})
    return grant


def _dispatch_notice(decision: Decision, grant: Grant | None) -> None:
    enqueue(**(grant_notice_promise(grant) if grant is not None else rejection_notice_promise(decision)))


def grant_notice_promise(grant: Grant) -> dict:
    """The outbox entries of notices (also used by reconciliation, payments/services/reconcile.py)."""
    return {"task": "payments.render_grant_notice", "key": Notice.grant_outbox_key(grant.pk),
            "kwargs": {"grant_id": grant.pk}, "obj": grant, "label": f"Zuwendungsbescheid {grant.case_number}"}


def rejection_notice_promise(decision: Decision) -> dict:
    return {"task": "payments.render_rejection_notice", "key": f"notice:rejection:{decision.pk}",
            "kwargs": {"decision_id": decision.pk}, "obj": decision.application,
            "label": f"Ablehnungsbescheid {decision.application.case_number}"}


def amendment_notice_promise(grant: Grant, *, number: int, reason: str, old: dict) -> dict:
    return {"task": "payments.render_amendment_notice", "key": f"notice:amendment:{grant.pk}:{number}",
            "kwargs": {"grant_id": grant.pk, "amendment": number, "reason": reason, "old_amount": old["amount"],
                       "old_project_end": old["project_end"], "old_eligible_costs": old.get("eligible_costs")},
            "obj": grant, "label": f"Änderungsbescheid {number} zu {grant.case_number}"}


# ---------------------------------------------------------------- notices (called by the render tasks)


def issue_grant_notice(*, grant_id: int, pdf_bytes: bytes, figures: dict, issued_on: dt.date) -> Notice:
    """Store the Zuwendungsbescheid, approved → notice issued, set the appeal end, create the proof rows.

    Idempotent: when the grant already has its notice, that notice is returned and nothing changes.
    """
    with transaction.atomic():
        grant = lock_grant(grant_id)
        notices = list(Notice.objects.filter(application_id=grant.application_id).only(
            "pk", "grant_id", "kind", "version", "file", "sha256", "issued_on"))  # a few versions at most
        existing = next((n for n in notices if n.grant_id == grant.pk and n.kind == NoticeKind.GRANT), None)
        if existing is not None:
            return existing
        notice = store_notice(application=grant.application, grant=grant, kind=NoticeKind.GRANT,
                              pdf_bytes=pdf_bytes, figures=figures, issued_on=issued_on,
                              version=max((n.version for n in notices), default=0) + 1)
        source = grant.state
        grant.issue_notice()
        grant.notice_issued_on = issued_on
        grant.appeal_ends_on = appeal_end(issued_on, grant.appeal_period_months)
        grant.save(update_fields=["state", "notice_issued_on", "appeal_ends_on"])
        schedule_proofs(grant)
        record(actor=None, action="grant.notice_issued", obj=grant, from_state=source, to_state=grant.state,
               data={"notice": notice.pk, "version": notice.version, "sha256": notice.sha256,
                     "appeal_ends_on": grant.appeal_ends_on.isoformat()})
        _notify_grantee(grant.application, notice, "payments/mail/decisions_notice_issued.txt",
                        _("%(case)s: Zuwendungsbescheid erlassen"), grant=grant)
    return notice


def issue_rejection_notice(*, decision_id: int, pdf_bytes: bytes, figures: dict, issued_on: dt.date) -> Notice:
    with transaction.atomic():
        decision = _lock_decision(decision_id)
        application = decision.application
        existing = Notice.objects.filter(application=application, kind=NoticeKind.REJECTION).first()
        if existing is not None:
            return existing
        notice = store_notice(application=application, grant=None, kind=NoticeKind.REJECTION, pdf_bytes=pdf_bytes,
                              figures=figures, issued_on=issued_on)
        record(actor=None, action="notice.rejection_issued", obj=application,
               data={"notice": notice.pk, "version": notice.version, "sha256": notice.sha256})
        _notify_grantee(application, notice, "payments/mail/decisions_rejected.txt",
                        _("%(case)s: Ablehnungsbescheid"))
    return notice


def issue_amendment_notice(*, grant_id: int, amendment: int, pdf_bytes: bytes, figures: dict,
                           issued_on: dt.date) -> Notice:
    with transaction.atomic():
        grant = lock_grant(grant_id)
        existing = amendment_notice(grant, amendment)
        if existing is not None:
            return existing
        notice = store_notice(application=grant.application, grant=grant, kind=NoticeKind.AMENDMENT,
                              pdf_bytes=pdf_bytes, figures=figures, issued_on=issued_on)
        record(actor=None, action="grant.amendment_notice_issued", obj=grant,
               data={"notice": notice.pk, "version": notice.version, "sha256": notice.sha256,
                     "amendment": amendment})
        _notify_grantee(grant.application, notice, "payments/mail/decisions_amended.txt",
                        _("%(case)s: Änderungsbescheid"), grant=grant)
    return notice


def amendment_notice(grant: Grant, amendment: int) -> Notice | None:
    return Notice.objects.filter(grant=grant, kind=NoticeKind.AMENDMENT, figures__amendment=amendment).first()


def _notify_grantee(application, notice, template, subject, grant=None) -> None:
    notify(recipients=grantee_addresses(application),
           subject=lambda: subject % {"case": application.case_number}, template=template,
           context={"application": application, "notice": notice, "grant": grant,
                    "url": _site(f"/zuwendungen/{grant.pk}/" if grant else "/zuwendungen/")})


# ---------------------------------------------------------------- amendment (Änderungsbescheid)

AMENDABLE_STATES = frozenset({GrantState.NOTICE_ISSUED, GrantState.FINAL, GrantState.IN_IMPLEMENTATION})


def _amendment_figures(grant: Grant, program, *, amount, project_end, eligible_costs):
    """The grant's figures after the change (amount, end, eligible costs, retained); refuses what the money
    rules do not allow, with the reason."""
    new_amount = grant.amount if amount is None else amount
    new_end = grant.project_end if project_end is None else project_end
    new_eligible = grant.eligible_costs if eligible_costs is None else eligible_costs
    if new_amount == grant.amount and new_end == grant.project_end and new_eligible == grant.eligible_costs:
        raise PaymentsError(_("Es wurde nichts geändert."))
    if new_amount <= 0:
        raise PaymentsError(_("Der Höchstbetrag muss größer als 0 sein."), field="amount")
    if new_eligible <= 0:
        raise PaymentsError(_("Die zuwendungsfähigen Ausgaben müssen größer als 0 sein."), field="eligible_costs")
    ceiling = proportional_grant(rate=grant.funding_rate, eligible_costs=new_eligible, maximum=program.max_grant)
    if new_amount > ceiling:
        raise PaymentsError(
            _("Der Höchstbetrag darf %(c)s (Fördersatz × zuwendungsfähige Ausgaben, höchstens die "
              "Höchstzuwendung des Programms) nicht übersteigen; es sind %(d)s zu viel.")
            % {"c": format_eur(ceiling), "d": format_eur(new_amount - ceiling)}, field="amount")
    new_retained = retained_instalment(grant=new_amount, percent=program.retained_instalment_percent)
    if grant.requested_amount > new_amount - new_retained:
        raise PaymentsError(
            _("Der Höchstbetrag kann nicht unter die bereits abgerufenen %(r)s (zuzüglich der einbehaltenen "
              "Schlussrate %(k)s) sinken.") % {"r": format_eur(grant.requested_amount),
                                                 "k": format_eur(new_retained)}, field="amount")
    if new_end <= grant.project_start:
        raise PaymentsError(_("Das Projektende muss nach dem Projektbeginn liegen."), field="project_end")
    if new_end > program.period_end:
        raise PaymentsError(_("Das Projektende muss im Förderzeitraum liegen (bis %(d)s).")
                            % {"d": program.period_end.strftime("%d.%m.%Y")}, field="project_end")
    return new_amount, new_end, new_eligible, new_retained


def prepare_amendment(*, actor: User, grant_id: int, reason: str, amount: Decimal | None = None,
                      project_end: dt.date | None = None, eligible_costs: Decimal | None = None) -> Amendment:
    """A case worker or approver prepares a change of the maximum grant, the eligible costs and/or the
    project end, with a reason; a second person (approver) confirms it (``confirm_amendment``).

    Anteilfinanzierung: the maximum grant stays at most rate × eligible costs (and the program's maximum),
    so a higher grant needs higher eligible costs. Never below what the municipality has already requested
    (plus the retained instalment). A second click with the same figures returns the same amendment.
    """
    require(may_prepare_amendment(actor), _("Änderungen bereiten Sachbearbeitung und Bewilligungsbehörde vor."))
    reason = (reason or "").strip()
    if not reason:
        raise PaymentsError(_("Bitte begründen Sie die Änderung."), field="reason")
    amount = to_money(amount) if amount is not None else None
    eligible_costs = to_money(eligible_costs) if eligible_costs is not None else None
    with transaction.atomic():
        grant = lock_grant(grant_id)
        if grant.state not in AMENDABLE_STATES:
            raise PaymentsError(_("Im Status „%(state)s“ ist keine Änderung möglich.")
                                % {"state": grant.get_state_display()})
        _amendment_figures(grant, grant.call.program, amount=amount, project_end=project_end,
                           eligible_costs=eligible_costs)
        live = Amendment.objects.select_for_update().filter(grant=grant, state=DecisionState.PREPARED).first()
        if live is not None:
            if (live.amount, live.project_end, live.eligible_costs, live.reason) == (
                    amount, project_end, eligible_costs, reason):
                return live  # a second click
            raise PaymentsError(_("Für diese Zuwendung liegt bereits eine vorbereitete Änderung vor. Bestätigen oder "
                                  "verwerfen Sie sie zuerst."))
        amendment = Amendment.objects.create(grant=grant, amount=amount, project_end=project_end,
                                             eligible_costs=eligible_costs, reason=reason, prepared_by=actor)
        record(actor=actor, action="grant.amendment_prepared", obj=grant, reason=reason,
               data={"amendment": amendment.pk, "amount": str(amount) if amount is not None else None,
                     "eligible_costs": str(eligible_costs) if eligible_costs is not None else None,
                     "project_end": project_end.isoformat() if project_end else None})
    return amendment


def discard_amendment(*, actor: User, amendment_id: int, reason: str) -> Amendment:
    reason = (reason or "").strip()
    if not reason:
        raise PaymentsError(_("Bitte begründen Sie das Verwerfen."), field="reason")
    with transaction.atomic():
        amendment = Amendment.objects.select_for_update().filter(pk=amendment_id).first()
        require(amendment is not None, _("Diese Änderung gibt es nicht."))
        if amendment.state == DecisionState.DISCARDED:
            return amendment
        source, target = run_transition(amendment, "discard", actor)
        amendment.discard_reason = reason
        amendment.save(update_fields=["state", "discard_reason"])
        record(actor=actor, action="grant.amendment_discarded", obj=amendment.grant, from_state=source,
               to_state=target, reason=reason, data={"amendment": amendment.pk})
    return amendment


def confirm_amendment(*, actor: User, amendment_id: int) -> Grant:
    """An approver — never the person who prepared it, with TOTP — confirms the change: more money is committed
    against the call and the tranches under the same locks as an approval, less is released. The change is
    issued as a new notice version (kind amendment) by a task. A second confirmation changes nothing.
    """
    require(is_approver(actor),
            _("Nur die Bewilligungsbehörde (Rolle „Bewilligung/Anordnung“) erlässt Änderungsbescheide."))
    require(has_totp(actor), _("Für diesen Schritt ist die Zwei-Faktor-Anmeldung (TOTP) Pflicht."))
    ids = Amendment.objects.filter(pk=amendment_id).values_list("grant_id", "grant__call_id").first()
    if ids is None:
        raise PaymentsError(_("Diese Änderung gibt es nicht."))
    grant_id, call_id = ids
    with transaction.atomic():
        call, budget_years = _lock_budget(call_id)
        grant = lock_grant(grant_id)
        amendment = Amendment.objects.select_for_update().get(pk=amendment_id)
        if amendment.state == DecisionState.CONFIRMED:
            return grant
        require(amendment.state == DecisionState.PREPARED, _("Diese Änderung wurde verworfen."))
        if grant.state not in AMENDABLE_STATES:
            raise PaymentsError(_("Im Status „%(state)s“ ist keine Änderung möglich.")
                                % {"state": grant.get_state_display()})
        confirm_as_second_person(
            amendment, actor=actor,
            message=_("Vier-Augen-Prinzip: Wer die Änderung vorbereitet hat, kann sie nicht selbst bestätigen."))
        amount, project_end, eligible_costs, reason = (amendment.amount, amendment.project_end,
                                                       amendment.eligible_costs, amendment.reason)
        program = call.program
        new_amount, new_end, new_eligible, new_retained = _amendment_figures(
            grant, program, amount=amount, project_end=project_end, eligible_costs=eligible_costs)
        commitments = {c.year: c for c in grant.commitments.select_for_update()}
        old_split = {y: c.amount for y, c in commitments.items()}
        delta: dict[int, Decimal] = {}
        if new_amount != grant.amount:
            new_split = grant_split(new_amount, old_split)
            delta = {y: new_split[y] - old_split[y] for y in new_split}
            increases = {y: d for y, d in delta.items() if d > 0}
            problems = budget_shortfalls(call, budget_years, max(new_amount - grant.amount, ZERO), increases)
            if problems:
                raise PaymentsError(" ".join(problems), field="amount")
            _commit(call, budget_years, delta)
            for year, change in delta.items():
                if change:
                    Commitment.objects.filter(pk=commitments[year].pk).update(amount=F("amount") + change)
        old = {"amount": str(grant.amount), "project_end": grant.project_end.isoformat(),
               "retained": str(grant.retained_amount), "eligible_costs": str(grant.eligible_costs)}
        grant.amount, grant.retained_amount, grant.project_end = new_amount, new_retained, new_end
        grant.eligible_costs = new_eligible
        grant.amendment_count += 1
        try:
            with transaction.atomic():
                grant.save(update_fields=["amount", "retained_amount", "project_end", "eligible_costs",
                                          "amendment_count"])
        except IntegrityError:
            raise PaymentsError(_("Die Änderung verletzt eine Geldregel der Zuwendung; nichts wurde geändert.")) \
                from None
        schedule_proofs(grant)
        number = grant.amendment_count
        amendment.number = number
        amendment.save(update_fields=["number"])
        record(actor=actor, action="grant.amended", obj=grant, reason=reason,
               data={"amendment": number, "prepared_by": amendment.prepared_by_id, "old": old,
                     "new": {"amount": str(new_amount), "project_end": new_end.isoformat(),
                             "retained": str(new_retained), "eligible_costs": str(new_eligible)},
                     "delta_by_year": {str(y): str(d) for y, d in delta.items()}})
        enqueue(**amendment_notice_promise(grant, number=number, reason=reason, old=old))
    return grant


# ---------------------------------------------------------------- finality


def waive_appeal(*, actor: User, grant_id: int) -> Grant:
    """A member of the lead municipality waives the appeal: the notice becomes final today."""
    with transaction.atomic():
        grant = lock_grant(grant_id)
        require(is_grantee(actor, grant),
                _("Nur Mitglieder der antragstellenden Kommune können auf Rechtsbehelfe verzichten."))
        if grant.appeal_waived_at is not None:
            return grant
        if grant.state != GrantState.NOTICE_ISSUED:
            raise PaymentsError(_("Ein Rechtsbehelfsverzicht ist nur nach Erlass und vor Bestandskraft des "
                                  "Bescheids möglich (Status: „%(state)s“).") % {"state": grant.get_state_display()})
        source = grant.state
        grant.become_final()
        grant.appeal_waived_at = timezone.now()
        grant.appeal_waived_by = actor
        grant.final_on = today()
        grant.save(update_fields=["state", "appeal_waived_at", "appeal_waived_by", "final_on"])
        record(actor=actor, action="grant.appeal_waived", obj=grant, from_state=source, to_state=grant.state,
               data={"final_on": grant.final_on.isoformat()})
        notify(recipients=role_addresses("case_worker"),
               subject=lambda: _("%(case)s: Rechtsbehelfsverzicht erklärt") % {"case": grant.case_number},
               template="payments/mail/decisions_waived.txt",
               context={"grant": grant, "url": _site(f"/zuwendungen/bewilligung/antraege/{grant.application_id}/")})
    return grant


def finalize_due_notices(*, on: dt.date | None = None) -> int:
    """Every issued notice whose appeal period ended before ``on`` becomes final (the day after its end).

    Idempotent; returns the number of grants made final.
    """
    on = on or today()
    ids = list(Grant.objects.filter(state=GrantState.NOTICE_ISSUED, appeal_ends_on__lt=on)
               .values_list("pk", flat=True))
    done = 0
    for grant_id in ids:
        with transaction.atomic():
            grant = lock_grant(grant_id)
            if grant.state != GrantState.NOTICE_ISSUED or grant.appeal_ends_on is None or grant.appeal_ends_on >= on:
                continue
            grant.become_final()
            grant.final_on = grant.appeal_ends_on + dt.timedelta(days=1)
            grant.save(update_fields=["state", "final_on"])
            record(actor=None, action="grant.final", obj=grant, from_state=GrantState.NOTICE_ISSUED,
                   to_state=grant.state, data={"final_on": grant.final_on.isoformat()})
            done += 1
    return done
