"""proofs: proof of use (interim and final), the staff check and the reminders.

Settlement lives in proofs_settlement.py, recoveries and base rates in proofs_recovery.py; callers
import them from there (no re-exports, so no module of the three imports another in a circle).
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.notifications import notify
from applications.enums import CostCategory
from audit.services import record
from foundation.amounts import ZERO, AmountError, money_sum, parse_amount

from ..enums import OPEN_PROOF_STATES, PROOF_GRANT_STATES, GrantState, ProofKind, ProofState
from ..exceptions import PaymentsError
from ..models import Grant, ProofCostLine, ProofOfUse
from ..rules import may_check_proof, may_submit_proof
from ..schedule import proof_due_dates
from .common import grantee_addresses, lock_grant, require, role_addresses, run_transition

AUDIT_LABELS = {
    "proof.scheduled": gettext_lazy("Nachweise terminiert"),
    "proof.saved": gettext_lazy("Nachweis (Entwurf) gespeichert"),
    "proof.submitted": gettext_lazy("Nachweis eingereicht"),
    "proof.accepted": gettext_lazy("Nachweis geprüft und angenommen"),
    "proof.returned": gettext_lazy("Nachweis zur Ergänzung zurückgegeben"),
    "grant.final_proof_submitted": gettext_lazy("Verwendungsnachweis eingereicht"),
    "grant.final_proof_returned": gettext_lazy("Verwendungsnachweis zurückgegeben"),
    "settlement.prepared": gettext_lazy("Schlussabrechnung vorbereitet"),
    "settlement.confirmed": gettext_lazy("Schlussabrechnung bestätigt (Vier-Augen-Prinzip)"),
    "settlement.discarded": gettext_lazy("Schlussabrechnung verworfen"),
    "grant.settled": gettext_lazy("Zuwendung abgerechnet"),
    "grant.closed": gettext_lazy("Zuwendung abgeschlossen"),
    "grant.recovery_opened": gettext_lazy("Rückforderung eröffnet"),
    "disbursement.final_payment": gettext_lazy("Schlusszahlung zur Prüfung und Anordnung angelegt"),
    "recovery.created": gettext_lazy("Rückforderung festgesetzt"),
    "recovery.notice_stored": gettext_lazy("Rückforderungsbescheid erstellt"),
    "recovery.payment_recorded": gettext_lazy("Zahlungseingang zur Rückforderung erfasst"),
    "recovery.interest_waived": gettext_lazy("Auf Zinsen verzichtet"),
    "recovery.paid": gettext_lazy("Rückforderung beglichen"),
    "base_rate.added": gettext_lazy("Basiszinssatz erfasst"),
    "base_rate.corrected": gettext_lazy("Basiszinssatz korrigiert"),
    "base_rate.seeded": gettext_lazy("Basiszinssätze der Bundesbank übernommen"),
}


def _url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


# ---------------------------------------------------------------- scheduling


def schedule_proofs(grant: Grant) -> list[ProofOfUse]:
    """Create the missing proofs of a grant from its notice's dates, with lines pre-filled from the plan.

    Idempotent; runs in the caller's transaction, which holds the lock on the grant (the decisions area
    calls it when a notice or an amendment is issued). A proof still due moves to the date an amendment
    set. Returns all proofs of the grant.
    """
    dues = proof_due_dates(project_start=grant.project_start, project_end=grant.project_end,
                           interim_months=grant.interim_proof_months, final_months=grant.final_proof_months)
    stored = {(p.kind, p.budget_year): p for p in ProofOfUse.objects.filter(grant=grant)}
    for kind, year, due_on in dues:
        proof = stored.get((kind, year))
        if proof is not None and proof.state == ProofState.DUE and proof.due_on != due_on:
            ProofOfUse.objects.filter(pk=proof.pk).update(due_on=due_on)
            proof.due_on = due_on
    missing = [ProofOfUse(grant=grant, kind=kind, budget_year=year, due_on=due_on)
               for kind, year, due_on in dues if (kind, year) not in stored]
    if missing:
        # Nobody else creates them meanwhile: the caller holds the lock on the grant (the unique constraint
        # per grant, kind and year would refuse a second one).
        ProofOfUse.objects.bulk_create(missing)
        if any(p.pk is None for p in missing):  # a database that does not return the new ids
            missing = list(ProofOfUse.objects.filter(grant=grant).exclude(pk__in=[p.pk for p in stored.values()]))
        _prefill(grant.application, missing)
        record(actor=None, action="proof.scheduled", obj=grant,
               data={"proofs": [f"{kind}:{year or ''}:{due_on.isoformat()}" for kind, year, due_on in dues
                                if (kind, year) not in stored]})
    return sorted([*stored.values(), *missing], key=lambda p: (p.due_on, p.pk))  # the model's order


def prefill_lines(proof: ProofOfUse) -> int:
    """Lines laid out like the financing plan, with the planned amount and actual 0 (once per proof).

    An interim proof covers its budget year; the final proof covers the whole project.
    """
    if proof.cost_lines.exists():
        return 0
    return _prefill(proof.grant.application, [proof])


def _prefill(application, proofs: list[ProofOfUse]) -> int:
    """prefill_lines for several proofs of one application (none has lines yet), in at most four queries."""
    if not proofs:
        return 0
    finals = [p for p in proofs if p.kind == ProofKind.FINAL and not p.third_party_funds]
    if finals:
        # The final proof starts from the third-party funds the financing plan declared (the
        # municipality corrects them to what actually came in); before, it showed 0,00 €.
        declared = money_sum(application.third_party.values_list("amount", flat=True))
        if declared:
            ProofOfUse.objects.filter(pk__in=[p.pk for p in finals]).update(third_party_funds=declared)
            for proof in finals:
                proof.third_party_funds = declared
    plan = list(application.cost_lines.order_by("budget_year", "position", "pk"))
    lines = [ProofCostLine(proof=proof, position=i, category=c.category, description=c.description,
                           budget_year=c.budget_year, planned=c.amount, amount=ZERO, eligible=c.eligible)
             for proof in proofs
             for i, c in enumerate(c for c in plan
                                   if proof.kind != ProofKind.INTERIM or c.budget_year == proof.budget_year)]
    ProofCostLine.objects.bulk_create(lines)
    return len(lines)


def planned_third_party(proof: ProofOfUse) -> Decimal:
    """The third-party funds the application's financing plan declared (the whole project)."""
    return money_sum(proof.grant.application.third_party.values_list("amount", flat=True))


# ---------------------------------------------------------------- figures


@dataclass(frozen=True)
class LineFlag:
    line: ProofCostLine
    limit: Decimal
    over_by: Decimal


@dataclass(frozen=True)
class ProofFigures:
    total: Decimal
    eligible: Decimal
    planned_total: Decimal
    planned_eligible: Decimal
    third_party: Decimal
    overruns: list  # LineFlag of lines above their plan amount plus the allowed overrun


def line_limit(planned: Decimal, percent: Decimal) -> Decimal:
    return (Decimal(planned) * (100 + Decimal(percent)) / 100).quantize(Decimal("0.01"))


def proof_figures(proof: ProofOfUse, lines=None) -> ProofFigures:
    """Totals and the lines above plan + program.line_overrun_percent (a warning for the checker;
    the binding figure is the total)."""
    lines = list(proof.cost_lines.all()) if lines is None else lines
    percent = proof.grant.call.program.line_overrun_percent
    overruns = []
    for line in lines:
        limit = line_limit(line.planned, percent)
        if line.amount > limit:
            overruns.append(LineFlag(line, limit, line.amount - limit))
    return ProofFigures(
        total=money_sum(line.amount for line in lines),
        eligible=money_sum(line.amount for line in lines if line.eligible),
        planned_total=money_sum(line.planned for line in lines),
        planned_eligible=money_sum(line.planned for line in lines if line.eligible),
        third_party=proof.third_party_funds, overruns=overruns)


# ---------------------------------------------------------------- the municipality


@dataclass(frozen=True)
class ProofLineInput:
    """One line as entered: an existing line (line_id) gets its actual amount; a new line (no id)
    needs category, description and budget year. Added lines left out are removed."""

    amount: Decimal
    line_id: int | None = None
    category: str = ""
    description: str = ""
    budget_year: int | None = None
    eligible: bool = True


def _lock_proof(proof_id: int) -> tuple[ProofOfUse, Grant]:
    grant_id = ProofOfUse.objects.filter(pk=proof_id).values_list("grant_id", flat=True).first()
    if grant_id is None:
        raise PaymentsError(_("Diesen Nachweis gibt es nicht."))
    grant = lock_grant(grant_id)
    proof = ProofOfUse.objects.select_for_update().get(pk=proof_id)
    proof.grant = grant
    return proof, grant


def _check_amount(amount, field: str) -> Decimal:
    try:
        return parse_amount(amount, decimal_point=True)
    except AmountError as exc:
        raise PaymentsError(exc.message, field=field) from None


def _years(proof: ProofOfUse, grant: Grant) -> range:
    if proof.kind == ProofKind.INTERIM:
        return range(proof.budget_year, proof.budget_year + 1)
    return range(grant.project_start.year, grant.project_end.year + 1)


def _check_added(item: "ProofLineInput", i: int, years: range) -> None:
    if item.category not in CostCategory.values:
        raise PaymentsError(_("Bitte wählen Sie eine Kategorie."), field=f"lines.{i}.category")
    if not item.description.strip():
        raise PaymentsError(_("Bitte geben Sie eine Bezeichnung an."), field=f"lines.{i}.description")
    if item.budget_year not in years:
        raise PaymentsError(_("Das Haushaltsjahr muss zwischen %(a)d und %(b)d liegen.")
                            % {"a": years[0], "b": years[-1]}, field=f"lines.{i}.budget_year")


def save_proof_draft(*, actor: User, proof_id: int, report: str, third_party_funds, lines: list[ProofLineInput]
                     ) -> ProofOfUse:
    """Save the narrative report and the actual figures (the proof stays a draft)."""
    with transaction.atomic():
        proof, grant = _lock_proof(proof_id)
        require(may_submit_proof(actor, grant), _("Nur Mitglieder der antragstellenden Kommune erstellen den "
                                                  "Nachweis."))
        require(proof.state in OPEN_PROOF_STATES,
                _("Der Nachweis ist eingereicht und kann nicht mehr geändert werden."))
        require(not proof.superseded, SUPERSEDED)
        prefill_lines(proof)
        third_party = _check_amount(third_party_funds or 0, "third_party_funds")
        existing = {line.pk: line for line in proof.cost_lines.all()}
        years = _years(proof, grant)
        kept, new = set(), []
        next_position = (max((line.position for line in existing.values()), default=-1)) + 1
        for i, item in enumerate(lines):
            amount = _check_amount(item.amount, f"lines.{i}.amount")
            if item.line_id is not None:
                line = existing.get(item.line_id)
                if line is None:
                    raise PaymentsError(_("Diese Zeile gehört nicht zu diesem Nachweis."), field=f"lines.{i}")
                line.amount = amount
                if line.planned == 0 and (item.category or item.description or item.budget_year):
                    # an added line: everything may change, with the same checks as a new one
                    _check_added(item, i, years)
                    line.category, line.budget_year = item.category, item.budget_year
                    line.description, line.eligible = item.description.strip()[:300], item.eligible
                kept.add(line.pk)
                continue
            _check_added(item, i, years)
            new.append(ProofCostLine(proof=proof, position=next_position + len(new), category=item.category,
                                     description=item.description.strip()[:300], budget_year=item.budget_year,
                                     planned=ZERO, amount=amount, eligible=item.eligible))
        for line in existing.values():
            if line.pk in kept:
                line.save(update_fields=["amount", "category", "budget_year", "description", "eligible"])
            elif line.planned == 0:
                line.delete()  # an added line that was removed
        ProofCostLine.objects.bulk_create(new)
        lines_now = list(proof.cost_lines.all())
        figures = proof_figures(proof, lines_now)
        proof.report = (report or "").strip()
        proof.third_party_funds = third_party
        proof.total_costs, proof.eligible_costs = figures.total, figures.eligible
        proof.save(update_fields=["report", "third_party_funds", "total_costs", "eligible_costs"])
        record(actor=actor, action="proof.saved", obj=proof,
               data={"total": str(figures.total), "eligible": str(figures.eligible)})
    return proof


SUPERSEDED = gettext_lazy("Dieser Nachweis wird nicht mehr benötigt: Die Zuwendung ist abgerechnet.")


def submission_problems(proof: ProofOfUse, *, today: dt.date | None = None) -> list[str]:
    """What stops the proof from being submitted now (empty: it can be submitted)."""
    today = today or timezone.localdate()
    grant = proof.grant
    problems = []
    if proof.state not in OPEN_PROOF_STATES:
        problems.append(_("Der Nachweis ist bereits eingereicht."))
    elif proof.superseded:
        return [str(SUPERSEDED)]
    if not proof.report.strip():
        problems.append(_("Bitte schreiben Sie den Sachbericht."))
    if proof.kind == ProofKind.INTERIM:
        if today <= dt.date(proof.budget_year, 12, 31):
            problems.append(_("Der Zwischennachweis für %(y)d kann erst nach Ablauf des Haushaltsjahres "
                              "eingereicht werden.") % {"y": proof.budget_year})
        if grant.state not in PROOF_GRANT_STATES:
            problems.append(_("Für diese Zuwendung werden keine Zwischennachweise mehr angenommen."))
    else:
        if today <= grant.project_end:
            problems.append(_("Der Verwendungsnachweis kann erst nach dem Ende des Bewilligungszeitraums "
                              "(%(end)s) eingereicht werden.") % {"end": grant.project_end.strftime("%d.%m.%Y")})
        if grant.state not in (GrantState.FINAL, GrantState.IN_IMPLEMENTATION):
            problems.append(_("Die Zuwendung ist im Status „%(s)s“; ein Verwendungsnachweis ist jetzt nicht "
                              "möglich.") % {"s": grant.get_state_display()})
    return problems


def submit_proof(*, actor: User, proof_id: int) -> ProofOfUse:
    """Submit the proof (after the confirmation step). Submitting the final proof moves the grant to
    'Verwendungsnachweis eingereicht'. A second submission does nothing."""
    with transaction.atomic():
        proof, grant = _lock_proof(proof_id)
        require(may_submit_proof(actor, grant), _("Nur Mitglieder der antragstellenden Kommune reichen den "
                                                  "Nachweis ein."))
        if proof.state == ProofState.SUBMITTED:
            return proof
        problems = submission_problems(proof)
        if problems:
            raise PaymentsError(" ".join(problems))
        figures = proof_figures(proof)
        proof.total_costs, proof.eligible_costs = figures.total, figures.eligible
        source, target = run_transition(proof, "submit", actor)
        proof.submitted_by, proof.submitted_at = actor, timezone.now()
        proof.save(update_fields=["state", "submitted_by", "submitted_at", "total_costs", "eligible_costs"])
        record(actor=actor, action="proof.submitted", obj=proof, from_state=source, to_state=target,
               data={"kind": proof.kind, "total": str(figures.total), "eligible": str(figures.eligible),
                     "third_party": str(proof.third_party_funds),
                     "overruns": [line.line.pk for line in figures.overruns]})
        if proof.kind == ProofKind.FINAL:
            g_source, g_target = run_transition(grant, "submit_final_proof", actor)
            grant.save(update_fields=["state"])
            record(actor=actor, action="grant.final_proof_submitted", obj=grant, from_state=g_source,
                   to_state=g_target)
        notify(recipients=role_addresses("case_worker"),
               subject=lambda: _("%(case)s: %(kind)s eingereicht") % {"case": grant.case_number,
                                                                      "kind": proof.get_kind_display()},
               template="payments/mail/proofs_submitted.txt",
               context={"proof": proof, "grant": grant, "figures": figures,
                        "url": _url(f"/zuwendungen/sachbearbeitung/nachweise/{proof.pk}/")})
    return proof


# ---------------------------------------------------------------- the staff check


def accept_proof(*, actor: User, proof_id: int, note: str = "") -> ProofOfUse:
    require(may_check_proof(actor), _("Nur die Sachbearbeitung prüft Nachweise."))
    with transaction.atomic():
        proof, grant = _lock_proof(proof_id)
        if proof.state == ProofState.ACCEPTED:
            return proof
        source, target = run_transition(proof, "accept", actor)
        proof.checked_by, proof.checked_at, proof.check_note = actor, timezone.now(), (note or "").strip()
        proof.save(update_fields=["state", "checked_by", "checked_at", "check_note"])
        record(actor=actor, action="proof.accepted", obj=proof, from_state=source, to_state=target,
               reason=proof.check_note)
        notify(recipients=grantee_addresses(grant.application),
               subject=lambda: _("%(case)s: %(kind)s geprüft") % {"case": grant.case_number,
                                                                  "kind": proof.get_kind_display()},
               template="payments/mail/proofs_accepted.txt",
               context={"proof": proof, "grant": grant, "url": _url(f"/zuwendungen/nachweise/{proof.pk}/")})
    return proof


def return_proof(*, actor: User, proof_id: int, reason: str) -> ProofOfUse:
    """Return for completion with a reason; a returned final proof moves the grant back to implementation."""
    require(may_check_proof(actor), _("Nur die Sachbearbeitung prüft Nachweise."))
    reason = (reason or "").strip()
    if not reason:
        raise PaymentsError(_("Bitte geben Sie an, was zu ergänzen ist."), field="reason")
    with transaction.atomic():
        proof, grant = _lock_proof(proof_id)
        if proof.state == ProofState.RETURNED and proof.return_reason == reason:
            return proof
        source, target = run_transition(proof, "return_for_revision", actor)
        proof.checked_by, proof.checked_at, proof.return_reason = actor, timezone.now(), reason
        proof.save(update_fields=["state", "checked_by", "checked_at", "return_reason"])
        record(actor=actor, action="proof.returned", obj=proof, from_state=source, to_state=target, reason=reason)
        if proof.kind == ProofKind.FINAL and grant.state == GrantState.PROOF_SUBMITTED:
            g_source, g_target = run_transition(grant, "return_final_proof", actor)
            grant.save(update_fields=["state"])
            record(actor=actor, action="grant.final_proof_returned", obj=grant, from_state=g_source,
                   to_state=g_target, reason=reason)
        notify(recipients=grantee_addresses(grant.application),
               subject=lambda: _("%(case)s: %(kind)s bitte ergänzen") % {"case": grant.case_number,
                                                                         "kind": proof.get_kind_display()},
               template="payments/mail/proofs_returned.txt",
               context={"proof": proof, "grant": grant, "reason": reason,
                        "url": _url(f"/zuwendungen/nachweise/{proof.pk}/")})
    return proof


# ---------------------------------------------------------------- reminders

REMIND_DAYS_BEFORE = 30
OVERDUE_EVERY_DAYS = 7


def remind_proofs(*, today: dt.date | None = None) -> dict:
    """Mail the municipality 30 days before a proof is due (once) and when it is overdue (at most once a
    week), and tell the case workers which proofs are overdue. Safe to run twice (each mail is claimed
    by a conditional update first)."""
    today = today or timezone.localdate()
    base = (ProofOfUse.objects.filter(state__in=OPEN_PROOF_STATES, grant__state__in=PROOF_GRANT_STATES)
            .select_related("grant__application__lead"))
    sent = {"upcoming": [], "overdue": []}
    upcoming = base.filter(reminder_sent_on__isnull=True, due_on__gte=today,
                           due_on__lte=today + dt.timedelta(days=REMIND_DAYS_BEFORE))
    for proof in upcoming:
        with transaction.atomic():
            if not ProofOfUse.objects.filter(pk=proof.pk, reminder_sent_on__isnull=True).update(
                    reminder_sent_on=today):
                continue
            _mail_grantee(proof, "payments/mail/proofs_reminder.txt",
                          lambda p=proof: _("%(case)s: %(kind)s fällig am %(due)s") % {
                              "case": p.grant.case_number, "kind": p.get_kind_display(),
                              "due": p.due_on.strftime("%d.%m.%Y")}, today)
        sent["upcoming"].append(proof.pk)
    week_ago = today - dt.timedelta(days=OVERDUE_EVERY_DAYS)
    overdue = base.filter(due_on__lt=today).exclude(overdue_reminder_sent_on__gt=week_ago)
    staff_rows = []
    for proof in overdue:
        with transaction.atomic():
            claimed = (ProofOfUse.objects.filter(pk=proof.pk, due_on__lt=today)
                       .exclude(overdue_reminder_sent_on__gt=week_ago).update(overdue_reminder_sent_on=today))
            if not claimed:
                continue
            _mail_grantee(proof, "payments/mail/proofs_overdue.txt",
                          lambda p=proof: _("%(case)s: %(kind)s überfällig seit %(due)s") % {
                              "case": p.grant.case_number, "kind": p.get_kind_display(),
                              "due": p.due_on.strftime("%d.%m.%Y")}, today)
        sent["overdue"].append(proof.pk)
        staff_rows.append(proof)
    if staff_rows:
        with transaction.atomic():
            notify(recipients=role_addresses("case_worker"),
                   subject=lambda: _("Überfällige Nachweise (%(n)d)") % {"n": len(staff_rows)},
                   template="payments/mail/proofs_overdue_staff.txt",
                   context={"proofs": staff_rows, "today": today,
                            "url": _url("/zuwendungen/sachbearbeitung/nachweise/?ansicht=ueberfaellig")})
    return sent


def _mail_grantee(proof: ProofOfUse, template: str, subject, today: dt.date) -> None:
    notify(recipients=grantee_addresses(proof.grant.application), subject=subject, template=template,
           context={"proof": proof, "grant": proof.grant, "today": today,
                    "days_overdue": (today - proof.due_on).days,
                    "url": _url(f"/zuwendungen/nachweise/{proof.pk}/")})

__all__ = [
    "AUDIT_LABELS", "ProofLineInput", "accept_proof", "prefill_lines", "proof_figures", "remind_proofs", "return_proof",
    "save_proof_draft", "schedule_proofs", "submission_problems", "submit_proof",
]
