"""Every write of the jury procedure: panel, conflicts, assignments, scores, session."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.enums import Role
from accounts.models import User
from applications import services as application_services
from applications.enums import ApplicationState
from applications.models import Application
from audit.services import record
from foundation.amounts import format_decimal
from outbox.services import enqueue

from .enums import AffiliationKind, DecisionOutcome, Declaration, ExclusionKind, SessionState, SheetState
from .exceptions import JuryError
from .models import (
    Affiliation,
    Assignment,
    Decision,
    Panel,
    PanelMember,
    Score,
    ScoreSheet,
    Session,
    SessionDocument,
)


def _require(allowed, message):
    if not allowed:
        raise JuryError(message)


def closed_session(panel_id: int) -> Session | None:
    """The closed session of a panel, if any: once a session is closed the evaluation is frozen."""
    return Session.objects.filter(panel_id=panel_id, state=SessionState.CLOSED).order_by("-closed_at").first()


def lock_open_evaluation(panel_id: int) -> Panel:
    """The one guard of every write of the evaluation (sheet, declaration, score, assignment, decision).

    Locks the panel (lock order: panel, then session, assignment, sheet) and refuses once a session of
    the panel is closed: closing freezes the whole evaluation, not only the sheets that exist.
    """
    panel = Panel.objects.select_for_update().get(pk=panel_id)
    closed = closed_session(panel_id)
    if closed is not None:
        raise JuryError(_("Die Jurysitzung vom %(d)s ist geschlossen; die Bewertung dieses Aufrufs ist "
                          "abgeschlossen und kann nicht mehr geändert werden.") % {"d": f"{closed.held_on:%d.%m.%Y}"})
    return panel


def _evaluation_applications(panel: Panel):
    return Application.objects.filter(call_id=panel.call_id, state=ApplicationState.IN_EVALUATION)


# ---------------------------------------------------------------- panel and conflicts

def add_member(*, actor: User, panel: Panel, user: User) -> PanelMember:
    _require(actor.has_perm("jury.manage_panel", panel), _("Nur die Sachbearbeitung stellt die Jury zusammen."))
    _require(user.has_role(Role.JURY), _("Die Person hat nicht die Rolle „Jurymitglied“."))
    with transaction.atomic():
        member, created = PanelMember.objects.get_or_create(panel=panel, user=user)
        if created:
            record(actor=actor, action="jury.member_added", obj=panel, data={"user": user.email})
    return member


def add_affiliation(*, actor: User, member: PanelMember, kind: str, municipality=None, organisation: str = "",
                    function: str = "") -> Affiliation:
    _require(actor.has_perm("jury.manage_panel", member.panel), _("Nur die Sachbearbeitung pflegt Zugehörigkeiten."))
    if kind == AffiliationKind.MUNICIPALITY and municipality is None:
        raise JuryError(_("Bitte nennen Sie die Kommune."), field="municipality")
    with transaction.atomic():
        affiliation = Affiliation.objects.create(member=member, kind=kind, municipality=municipality,
                                                 organisation=organisation.strip(), function=function.strip())
        sync_exclusions(actor=actor, panel=member.panel)
    return affiliation


def _exclude(assignment: Assignment, *, kind: str, reason: str, actor) -> None:
    """Exclude in the caller's transaction; drops an unsubmitted sheet, keeps a submitted one out of the ranking."""
    assignment.excluded = True
    assignment.exclusion_kind = kind
    assignment.exclusion_reason = reason
    assignment.excluded_at = timezone.now()
    assignment.assigned = False
    assignment.save(update_fields=["excluded", "exclusion_kind", "exclusion_reason", "excluded_at", "assigned"])
    sheet = ScoreSheet.objects.filter(assignment=assignment).first()
    if sheet is not None and sheet.state != SheetState.SUBMITTED:
        sheet.scores.all().delete()
        sheet.delete()
    record(actor=actor, action="jury.excluded", obj=assignment.application, reason=reason,
           data={"member": assignment.member.user.email, "kind": kind})


def sync_exclusions(*, actor, panel: Panel) -> int:
    """Exclude every member affiliated with the lead or a partner municipality of an application.

    Idempotent; returns the number of new exclusions. Runs in the caller's transaction.
    """
    affiliated: dict[int, set[int]] = {}
    for member_id, municipality_id in Affiliation.objects.filter(
            member__panel=panel, kind=AffiliationKind.MUNICIPALITY).values_list("member_id", "municipality_id"):
        affiliated.setdefault(member_id, set()).add(municipality_id)
    if not affiliated:
        return 0
    new = 0
    applications = (Application.objects.filter(call_id=panel.call_id, state__in=[
        ApplicationState.ELIGIBLE, ApplicationState.IN_EVALUATION]).prefetch_related("partners"))
    members = {m.pk: m for m in panel.members.select_related("user").filter(pk__in=affiliated)}
    for application in applications:
        involved = {application.lead_id, *(p.pk for p in application.partners.all())}
        for member_id, municipalities in affiliated.items():
            shared = involved & municipalities
            if not shared:
                continue
            assignment, _created = Assignment.objects.select_for_update().get_or_create(
                member=members[member_id], application=application)
            if assignment.excluded:
                continue
            _exclude(assignment, kind=ExclusionKind.AUTOMATIC, actor=actor,
                     reason=_("Zugehörigkeit zu einer beteiligten Kommune (§ 20 HVwVfG)"))
            new += 1
    return new


def declare(*, user: User, application_id: int, conflict: bool, reason: str = "") -> Assignment:
    """The member declares, before seeing the content, whether they are biased (§ 21 HVwVfG)."""
    reason = (reason or "").strip()
    if conflict and not reason:
        raise JuryError(_("Bitte begründen Sie die Befangenheit."), field="reason")
    with transaction.atomic():
        panel_id = (Assignment.objects.filter(member__user=user, application_id=application_id)
                    .values_list("member__panel_id", flat=True).first())
        if panel_id is None:
            raise JuryError(_("Dieser Antrag ist Ihnen nicht zugewiesen."))
        lock_open_evaluation(panel_id)
        assignment = (Assignment.objects.select_for_update().select_related("member__user", "application")
                      .get(member__user=user, application_id=application_id))
        if assignment.excluded:
            raise JuryError(_("Sie sind von diesem Antrag ausgeschlossen."))
        if assignment.declaration != Declaration.PENDING:
            raise JuryError(_("Sie haben für diesen Antrag bereits eine Erklärung abgegeben."))
        assignment.declaration = Declaration.CONFLICT if conflict else Declaration.NO_CONFLICT
        assignment.declaration_reason = reason
        assignment.declared_at = timezone.now()
        if conflict:
            assignment.excluded = True
            assignment.exclusion_kind = ExclusionKind.DECLARED
            assignment.exclusion_reason = reason
            assignment.excluded_at = assignment.declared_at
            assignment.assigned = False
        assignment.save()
        record(actor=user, action="jury.declared", obj=assignment.application, reason=reason,
               data={"member": user.email, "conflict": conflict})
        if conflict:
            record(actor=user, action="jury.excluded", obj=assignment.application, reason=reason,
                   data={"member": user.email, "kind": ExclusionKind.DECLARED})
    return assignment


# ---------------------------------------------------------------- assignments

def start_evaluation(*, actor: User, panel: Panel) -> int:
    """Move every eligible application of the call into the jury's evaluation."""
    _require(actor.has_perm("jury.manage_panel", panel), _("Nur die Sachbearbeitung startet die Bewertung."))
    with transaction.atomic():
        lock_open_evaluation(panel.pk)
        ids = list(Application.objects.filter(call_id=panel.call_id, state=ApplicationState.ELIGIBLE)
                   .values_list("pk", flat=True))
        for application_id in ids:
            application_services.start_evaluation(actor=actor, application_id=application_id)
        sync_exclusions(actor=actor, panel=panel)
    return len(ids)


def assign(*, actor: User, member: PanelMember, application_id: int) -> Assignment:
    _require(actor.has_perm("jury.manage_panel", member.panel), _("Nur die Sachbearbeitung weist Anträge zu."))
    with transaction.atomic():
        lock_open_evaluation(member.panel_id)
        application = Application.objects.select_for_update().get(pk=application_id)
        _require(application.call_id == member.panel.call_id and application.state == ApplicationState.IN_EVALUATION,
                 _("Dieser Antrag ist nicht in der Bewertung dieser Jury."))
        assignment, _created = Assignment.objects.select_for_update().get_or_create(
            member=member, application=application)
        if assignment.excluded:
            raise JuryError(_("%(m)s ist von diesem Antrag ausgeschlossen (%(r)s).")
                            % {"m": member.user.display_name, "r": assignment.exclusion_reason})
        if assignment.assigned:
            return assignment
        assignment.assigned = True
        assignment.assigned_at = timezone.now()
        assignment.save(update_fields=["assigned", "assigned_at"])
        record(actor=actor, action="jury.assigned", obj=application, data={"member": member.user.email})
    return assignment


def unassign(*, actor: User, assignment_id: int) -> Assignment:
    _require(actor.has_perm("jury.manage_panel"), _("Nur die Sachbearbeitung hebt Zuweisungen auf."))
    with transaction.atomic():
        panel_id = Assignment.objects.filter(pk=assignment_id).values_list("member__panel_id", flat=True).first()
        if panel_id is None:
            raise JuryError(_("Diese Zuweisung gibt es nicht."))
        lock_open_evaluation(panel_id)
        assignment = Assignment.objects.select_for_update().select_related("member__user").get(pk=assignment_id)
        sheet = ScoreSheet.objects.filter(assignment=assignment).first()
        if sheet is not None and sheet.state == SheetState.SUBMITTED:
            raise JuryError(_("Die Bewertung wurde bereits abgegeben; die Zuweisung bleibt bestehen."))
        if not assignment.assigned:
            return assignment
        if sheet is not None:
            sheet.scores.all().delete()
            sheet.delete()
        assignment.assigned = False
        assignment.save(update_fields=["assigned"])
        record(actor=actor, action="jury.unassigned", obj=assignment.application,
               data={"member": assignment.member.user.email})
    return assignment


def auto_assign(*, actor: User, panel: Panel, per_application: int | None = None) -> dict:
    """Give every application in evaluation at least N independent scorers, spreading the load.

    Never assigns an excluded member (the database refuses it too). Applications with the fewest
    possible scorers are served first; each takes the least-loaded members. Returns a summary with
    the applications that could not get enough scorers.
    """
    _require(actor.has_perm("jury.manage_panel", panel), _("Nur die Sachbearbeitung weist Anträge zu."))
    needed = per_application or panel.min_scorers
    with transaction.atomic():
        lock_open_evaluation(panel.pk)
        sync_exclusions(actor=actor, panel=panel)
        members = list(panel.members.select_related("user").annotate(
            load=Count("assignments", filter=Q(assignments__assigned=True,
                                               assignments__application__state=ApplicationState.IN_EVALUATION))))
        if not members:
            raise JuryError(_("Die Jury hat noch keine Mitglieder."))
        load = {m.pk: m.load for m in members}
        rows = Assignment.objects.filter(member__panel=panel, application__state=ApplicationState.IN_EVALUATION)
        excluded, assigned = set(), set()
        for member_id, application_id, is_excluded, is_assigned in rows.values_list(
                "member_id", "application_id", "excluded", "assigned"):
            if is_excluded:
                excluded.add((member_id, application_id))
            if is_assigned:
                assigned.add((member_id, application_id))
        applications = list(_evaluation_applications(panel).order_by("pk").values_list("pk", flat=True))

        def candidates(app_id):
            return [m for m in members if (m.pk, app_id) not in excluded and (m.pk, app_id) not in assigned]

        short, created = [], 0
        for app_id in sorted(applications, key=lambda a: (len(candidates(a)), a)):
            have = sum(1 for m in members if (m.pk, app_id) in assigned)
            pool = sorted(candidates(app_id), key=lambda m: (load[m.pk], m.pk))
            for member in pool[:max(0, needed - have)]:
                try:
                    with transaction.atomic():
                        Assignment.objects.update_or_create(
                            member=member, application_id=app_id,
                            defaults={"assigned": True, "assigned_at": timezone.now()})
                except IntegrityError:  # excluded meanwhile: the constraint holds
                    continue
                assigned.add((member.pk, app_id))
                load[member.pk] += 1
                created += 1
                have += 1
            if have < needed:
                short.append(app_id)
        record(actor=actor, action="jury.assigned", obj=panel.call,
               data={"automatic": True, "per_application": needed, "created": created, "short": short})
    return {"created": created, "short": short, "load": load}


# ---------------------------------------------------------------- scores

def _parse_value(raw, criterion) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        value = Decimal(str(raw).replace(",", "."))
    except InvalidOperation:
        raise JuryError(_("„%(v)s“ ist keine Punktzahl.") % {"v": raw}, field=f"criterion_{criterion.pk}") from None
    if not value.is_finite() or value < 0 or value > criterion.scale_max:
        raise JuryError(_("Die Punktzahl für „%(c)s“ muss zwischen 0 und %(m)s liegen.")
                        % {"c": criterion.name, "m": format_decimal(criterion.scale_max, 2, trim=True)},
                        field=f"criterion_{criterion.pk}")
    if value % criterion.step != 0:
        raise JuryError(_("Für „%(c)s“ sind nur Schritte von %(s)s Punkten erlaubt.")
                        % {"c": criterion.name, "s": format_decimal(criterion.step, 2, trim=True)},
                        field=f"criterion_{criterion.pk}")
    return value


def needs_comment(value: Decimal | None, criterion) -> bool:
    """A low score needs a comment: below the criterion's threshold, or below half the scale."""
    if value is None:
        return False
    limit = criterion.threshold if criterion.threshold is not None else criterion.scale_max / 2
    return value < limit


def save_scores(*, user: User, application_id: int, values: dict[int, tuple], submit: bool = False) -> ScoreSheet:
    """Save a member's scores as a draft, or submit them (then they are frozen).

    `values` maps criterion id → (value, comment). Criteria not given keep what they had.
    """
    with transaction.atomic():
        panel_id = (Assignment.objects.filter(member__user=user, application_id=application_id)
                    .values_list("member__panel_id", flat=True).first())
        _require(panel_id is not None, _("Sie können diesen Antrag nicht bewerten."))
        lock_open_evaluation(panel_id)
        assignment = (Assignment.objects.select_for_update().select_related("member__panel__call__program")
                      .filter(member__user=user, application_id=application_id).first())
        _require(assignment is not None and user.has_perm("jury.score_application", assignment),
                 _("Sie können diesen Antrag nicht bewerten."))
        sheet, _created = ScoreSheet.objects.get_or_create(assignment=assignment)
        sheet = ScoreSheet.objects.select_for_update().get(pk=sheet.pk)
        if sheet.final:
            raise JuryError(_("Die Jurysitzung ist geschlossen; die Bewertungen sind endgültig."))
        if sheet.state == SheetState.SUBMITTED:
            raise JuryError(_("Ihre Bewertung ist abgegeben und damit eingefroren."))
        criteria = {c.pk: c for c in assignment.member.panel.call.program.criteria.all()}
        unknown = set(values) - set(criteria)
        if unknown:
            raise JuryError(_("Unbekanntes Kriterium."))
        parsed = {cid: (_parse_value(v, criteria[cid]), (comment or "").strip())
                  for cid, (v, comment) in values.items()}
        existing = {s.criterion_id: s for s in sheet.scores.all()}
        for cid, (value, comment) in parsed.items():
            score = existing.get(cid) or Score(sheet=sheet, criterion=criteria[cid])
            score.value, score.comment = value, comment
            score.save()
            existing[cid] = score
        if submit:
            missing = [c.name for cid, c in criteria.items()
                       if existing.get(cid) is None or existing[cid].value is None]
            if missing:
                raise JuryError(_("Bitte bewerten Sie alle Kriterien: %(m)s.") % {"m": ", ".join(missing)})
            uncommented = [c.name for cid, c in criteria.items()
                           if needs_comment(existing[cid].value, c) and not existing[cid].comment]
            if uncommented:
                raise JuryError(_("Eine niedrige Bewertung braucht einen Kommentar: %(m)s.")
                                % {"m": ", ".join(uncommented)})
            source = sheet.state
            sheet.submit()
            sheet.submitted_at = timezone.now()
            sheet.save(update_fields=["state", "submitted_at"])
            record(actor=user, action="jury.scores_submitted", obj=assignment.application, from_state=source,
                   to_state=sheet.state, states_of=sheet, data={"member": user.email,
                                               "scores": {str(cid): str(s.value) for cid, s in existing.items()}})
    return sheet


def reopen_scores(*, actor: User, sheet_id: int, reason: str) -> ScoreSheet:
    _require(actor.has_perm("jury.reopen_scores"), _("Nur die Sachbearbeitung kann Bewertungen wieder öffnen."))
    reason = (reason or "").strip()
    if not reason:
        raise JuryError(_("Bitte begründen Sie, warum die Bewertung wieder geöffnet wird."), field="reason")
    with transaction.atomic():
        panel_id = (ScoreSheet.objects.filter(pk=sheet_id).values_list("assignment__member__panel_id", flat=True)
                    .first())
        if panel_id is None:
            raise JuryError(_("Diesen Bewertungsbogen gibt es nicht."))
        lock_open_evaluation(panel_id)
        sheet = ScoreSheet.objects.select_for_update().select_related("assignment__member__user",
                                                                      "assignment__application").get(pk=sheet_id)
        if sheet.final:
            raise JuryError(_("Die Jurysitzung ist geschlossen; die Bewertungen sind endgültig."))
        if sheet.state != SheetState.SUBMITTED:
            raise JuryError(_("Nur abgegebene Bewertungen können wieder geöffnet werden."))
        sheet.reopen()
        sheet.save(update_fields=["state"])
        record(actor=actor, action="jury.scores_reopened", obj=sheet.assignment.application,
               from_state=SheetState.SUBMITTED, to_state=sheet.state, states_of=sheet, reason=reason,
               data={"member": sheet.assignment.member.user.email})
    return sheet


# ---------------------------------------------------------------- session

def open_session(*, actor: User, panel: Panel, held_on: dt.date) -> Session:
    _require(actor.has_perm("jury.open_session", panel),
             _("Nur der Vorsitz oder die Sachbearbeitung eröffnet die Sitzung."))
    with transaction.atomic():
        lock_open_evaluation(panel.pk)  # one opener at a time; none after the evaluation was closed
        existing = Session.objects.filter(panel=panel, state=SessionState.OPEN).first()
        if existing:
            return existing
        return Session.objects.create(panel=panel, held_on=held_on)


def record_decision(*, actor: User, session_id: int, application_id: int, outcome: str,
                    justification: str = "") -> Decision:
    """The chair records the jury's decision; deviating from the computed list needs a justification."""
    from .selectors import ranking

    if outcome not in DecisionOutcome.values:
        raise JuryError(_("Unbekannte Entscheidung."), field="outcome")
    justification = (justification or "").strip()
    with transaction.atomic():
        panel_id = Session.objects.filter(pk=session_id).values_list("panel_id", flat=True).first()
        _require(panel_id is not None, _("Diese Sitzung gibt es nicht."))
        lock_open_evaluation(panel_id)
        session = Session.objects.select_for_update().select_related("panel__call").get(pk=session_id)
        _require(session.state == SessionState.OPEN, _("Die Sitzung ist geschlossen."))
        rows = {r.application.pk: r for r in ranking(call=session.panel.call).rows}
        row = rows.get(application_id)
        if row is None:
            raise JuryError(_("Dieser Antrag ist nicht in der Bewertung dieser Jury."))
        _require(actor.has_perm("jury.record_decision", row.application),
                 _("Nur der Vorsitz hält die Entscheidungen fest, und nicht zu Anträgen, von denen er "
                   "ausgeschlossen ist."))
        if outcome != row.outcome and not justification:
            raise JuryError(_("Eine Abweichung von der berechneten Liste (%(c)s) muss schriftlich begründet werden.")
                            % {"c": DecisionOutcome(row.outcome).label}, field="justification")
        decision, _created = Decision.objects.update_or_create(
            session=session, application_id=application_id,
            defaults={"computed": row.outcome, "outcome": outcome, "justification": justification,
                      "decided_by": actor})
        record(actor=actor, action="jury.decision_recorded", obj=row.application, reason=justification,
               data={"computed": row.outcome, "outcome": outcome})
    return decision


def close_session(*, actor: User, session_id: int, notes: str = "") -> Session:
    """Close the session: every application in evaluation takes the decided (or computed) outcome,
    all scores become final, and the ranking list and minutes are rendered after commit."""
    from .selectors import conflicts_of, from_snapshot, ranking, to_snapshot

    with transaction.atomic():
        panel_id = Session.objects.filter(pk=session_id).values_list("panel_id", flat=True).first()
        _require(panel_id is not None, _("Diese Sitzung gibt es nicht."))
        Panel.objects.select_for_update().get(pk=panel_id)  # lock order: panel, then session
        session = Session.objects.select_for_update().select_related("panel__call").get(pk=session_id)
        _require(actor.has_perm("jury.close_session", session.panel), _("Nur der Vorsitz schließt die Sitzung."))
        if session.state != SessionState.OPEN:
            raise JuryError(_("Die Sitzung ist bereits geschlossen."))
        result = ranking(call=session.panel.call)
        decided = {d.application_id: d for d in session.decisions.all()}
        for row in result.rows:
            app = row.application
            decision = decided.get(app.pk)
            if decision is None:
                decision = decided[app.pk] = Decision.objects.create(
                    session=session, application=app, computed=row.outcome, outcome=row.outcome, decided_by=actor)
            elif decision.outcome != row.outcome and not decision.justification:
                # The list changed after the decision was recorded: it now deviates without a reason.
                raise JuryError(_("Die Rangliste hat sich seit der Entscheidung zu %(c)s geändert; bitte "
                                  "die Entscheidung erneut festhalten.") % {"c": app.case_number})
            if app.state == ApplicationState.IN_EVALUATION:
                application_services.conclude_evaluation(actor=actor, application_id=app.pk,
                                                         outcome=decision.outcome,
                                                         reason=decision.justification)
        # One snapshot of the recorded decisions: the closed list, the minutes and every document read it.
        snapshot = to_snapshot(result, decided, conflicts_of(session.panel))
        ScoreSheet.objects.filter(assignment__member__panel=session.panel).update(final=True)
        session.close()
        session.closed_at = timezone.now()
        session.closed_by = actor
        session.notes = (notes or "").strip()
        session.snapshot = snapshot
        session.save(update_fields=["state", "closed_at", "closed_by", "notes", "snapshot"])
        recorded = from_snapshot(session)
        record(actor=actor, action="jury.session_closed", obj=session.panel.call, from_state=SessionState.OPEN,
               to_state=session.state, data={"session": session.pk, "recommended": len(recorded.recommended),
                                             "reserve": len(recorded.reserve)}, states_of=session)
        enqueue(**session_documents_promise(session))
    return session


def session_documents_promise(session: Session) -> dict:
    """The outbox entry for the documents of a closed session (also used by reconciliation)."""
    return {"task": "jury.tasks.render_session_documents", "key": f"session-documents:{session.pk}",
            "kwargs": {"session_id": session.pk}, "obj": session.panel.call,
            "label": f"Rangliste und Niederschrift der Jurysitzung {session.pk}"}


def missing_session_documents():
    """Reconciliation: every closed session that lacks one of its documents."""
    from django.db.models import Count

    kinds = len(SessionDocument.Kind.values)
    for session in (Session.objects.filter(state=SessionState.CLOSED).select_related("panel__call")
                    .annotate(n=Count("documents")).filter(n__lt=kinds).order_by("pk")):
        yield session_documents_promise(session)
