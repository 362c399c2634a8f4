"""Every write on applications: one keyword-only function per use case.

Each runs in one transaction, locks the application row, checks the permission rule, calls the
FSM transition, saves with update_fields, writes the audit entry and schedules mail and PDFs
after commit.
"""

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import has_transition_perm

from accounts import trust
from accounts.models import Municipality, User
from accounts.notifications import notify
from accounts.rules import is_approved_member
from audit.services import record
from foundation.amounts import AmountError, parse_amount
from grants.models import Call
from grants.services import freeze_call, next_case_number
from outbox.services import enqueue

from . import rules as app_rules
from .checklist import checklist, record_of
from .enums import ApplicationState as S
from .enums import AttachmentKind, CostCategory
from .exceptions import ApplicationError
from .financing import figures_for
from .models import Application, Attachment, CostLine, Receipt, ThirdPartyFunding
from .uploads import check_pdf, stored_name

BERLIN = ZoneInfo("Europe/Berlin")
TEXT_FIELDS = ("title", *Application.PROPOSAL_TEXTS)
REQUIRED_FOR_SUBMISSION = {
    "title": _("Projekttitel"), "summary": _("Kurzbeschreibung"), "objectives": _("Ziele"),
    "benefit": _("Nutzen für Bürgerinnen und Bürger"), "transferability": _("Übertragbarkeit"),
}


@dataclass
class CostLineInput:
    category: str
    description: str
    budget_year: int
    amount: Decimal
    eligible: bool


@dataclass
class ThirdPartyInput:
    source: str
    amount: Decimal


def _lock(application_id: int) -> Application:
    try:
        return (Application.objects.select_for_update(of=("self",))
                .select_related("call", "call__program", "lead").get(pk=application_id))
    except Application.DoesNotExist:
        raise ApplicationError(_("Dieser Antrag existiert nicht.")) from None


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise ApplicationError(message)


def _transition(application: Application, method_name: str, actor: User) -> tuple[str, str]:
    method = getattr(application, method_name)
    source = application.state
    if not has_transition_perm(method, actor):
        raise ApplicationError(
            _("Dieser Schritt ist im Status „%(state)s“ für Sie nicht möglich.")
            % {"state": application.get_state_display()})
    method()
    return source, application.state


def _applicant_addresses(application: Application) -> list[str]:
    return list(User.objects.filter(
        memberships__municipality_id=application.lead_id, memberships__state="approved", is_active=True,
    ).values_list("email", flat=True))


def _case_worker_addresses() -> list[str]:
    return list(User.objects.filter(groups__name="case_worker", is_active=True).values_list("email", flat=True))


def _notify_state(application: Application, recipients: list[str], reason: str = "") -> None:
    notify(recipients=recipients,
           subject=lambda: _("%(case)s: %(state)s") % {"case": application.case_number or application.title,
                                                       "state": application.get_state_display()},
           template="applications/mail/state_changed.txt",
           context={"application": application, "reason": reason,
                    "url": f"{settings.SITE_URL}/antraege/{application.pk}/"})


# ---------------------------------------------------------------- drafts

def create_application(*, actor: User, call: Call, lead: Municipality, title: str,
                       trust_level: str | None = None) -> Application:
    """A new draft. `trust_level` is the trust level of the actor's login (accounts.trust.session_trust_level):
    a call with a minimum trust level refuses a login below it."""
    _require(is_approved_member(actor, lead),
             _("Sie sind nicht als Mitglied dieser Kommune bestätigt."))
    _require(call.is_accepting(), _("Dieser Förderaufruf nimmt derzeit keine Anträge an."))
    if not trust.meets(trust_level, call.min_trust_level):
        raise ApplicationError(trust.requirement_message(required=call.min_trust_level, level=trust_level))
    title = (title or "").strip()
    _require(bool(title), _("Bitte geben Sie einen Projekttitel an."))
    with transaction.atomic():
        application = Application.objects.create(call=call, lead=lead, title=title[:300], created_by=actor)
        record(actor=actor, action="application.created", obj=application, to_state=application.state)
    return application


def _validate_dates(application: Application, start: dt.date | None, end: dt.date | None) -> None:
    program = application.call.program
    if start and end:
        if end <= start:
            raise ApplicationError(_("Das Projektende muss nach dem Projektbeginn liegen."), field="end_date")
        if end > start + relativedelta(months=program.max_duration_months):
            raise ApplicationError(
                _("Die Laufzeit darf höchstens %(n)d Monate betragen.") % {"n": program.max_duration_months},
                field="end_date")
    for value, name in ((start, "start_date"), (end, "end_date")):
        if value and not (program.period_start <= value <= program.period_end):
            raise ApplicationError(
                _("Das Datum muss im Förderzeitraum vom %(a)s bis %(b)s liegen.")
                % {"a": program.period_start.strftime("%d.%m.%Y"), "b": program.period_end.strftime("%d.%m.%Y")},
                field=name)


def _parse_amount(raw, field: str) -> Decimal:
    try:
        return parse_amount(raw, allow_zero=False, decimal_point=True)
    except AmountError as exc:
        raise ApplicationError(exc.message, field=field) from None


def _validate_lines(application, start, end, cost_lines: list[CostLineInput]) -> list[CostLine]:
    program = application.call.program
    lo, hi = program.period_start.year, program.period_end.year
    if start and end:
        lo, hi = max(lo, start.year), min(hi, end.year)
    result = []
    for i, line in enumerate(cost_lines):
        if line.category not in CostCategory.values:
            raise ApplicationError(_("Unbekannte Ausgabenkategorie „%(c)s“.") % {"c": line.category},
                                   field=f"cost_lines[{i}].category")
        if not (line.description or "").strip():
            raise ApplicationError(_("Jede Ausgabenposition braucht eine Bezeichnung."),
                                   field=f"cost_lines[{i}].description")
        try:
            year = int(line.budget_year)
        except (TypeError, ValueError):
            raise ApplicationError(_("Das Haushaltsjahr fehlt."), field=f"cost_lines[{i}].budget_year") from None
        if not lo <= year <= hi:
            raise ApplicationError(
                _("Das Haushaltsjahr %(y)d liegt außerhalb der Projektlaufzeit (%(lo)d–%(hi)d).")
                % {"y": year, "lo": lo, "hi": hi}, field=f"cost_lines[{i}].budget_year")
        result.append(CostLine(application=application, position=i, category=line.category,
                               description=line.description.strip()[:300], budget_year=year,
                               amount=_parse_amount(line.amount, f"cost_lines[{i}].amount"),
                               eligible=bool(line.eligible)))
    return result


def update_application(*, actor: User, application_id: int, data: dict,
                       partner_ids: list[int] | None = None, topic_ids: list[int] | None = None,
                       cost_lines: list[CostLineInput] | None = None,
                       third_party: list[ThirdPartyInput] | None = None) -> Application:
    """Save the editable parts of a draft (or of an application returned for revision).

    Only the given parts change; everything is validated before anything is written.
    """
    with transaction.atomic():
        application = _lock(application_id)
        _require(app_rules.may_edit(actor, application),
                 _("Sie können diesen Antrag in seinem jetzigen Status nicht bearbeiten."))
        changed = []
        for name in TEXT_FIELDS:
            if name in data:
                value = (data[name] or "").strip()
                if name == "title" and not value:
                    raise ApplicationError(_("Bitte geben Sie einen Projekttitel an."), field="title")
                setattr(application, name, value)
                changed.append(name)
        for name in ("declaration_not_started", "declaration_own_share"):
            if name in data:
                setattr(application, name, bool(data[name]))
                changed.append(name)
        for name in ("start_date", "end_date"):
            if name in data:
                setattr(application, name, data[name])
                changed.append(name)
        _validate_dates(application, application.start_date, application.end_date)

        program = application.call.program
        if topic_ids is not None:
            topics = list(program.topics.filter(pk__in=topic_ids))
            if len(topics) != len(set(topic_ids)):
                raise ApplicationError(_("Ein gewählter Themenbereich gehört nicht zu diesem Programm."),
                                       field="topics")
        if partner_ids is not None:
            if application.lead_id in partner_ids:
                raise ApplicationError(_("Die antragstellende Kommune kann nicht zugleich Partnerkommune sein."),
                                       field="partners")
            partners = list(Municipality.objects.filter(pk__in=partner_ids, active=True))
            if len(partners) != len(set(partner_ids)):
                raise ApplicationError(_("Eine gewählte Partnerkommune ist unbekannt."), field="partners")
        new_lines = None
        if cost_lines is not None:
            new_lines = _validate_lines(application, application.start_date, application.end_date, cost_lines)
        elif "start_date" in data or "end_date" in data:
            existing = [CostLineInput(c.category, c.description, c.budget_year, c.amount, c.eligible)
                        for c in application.cost_lines.all()]
            _validate_lines(application, application.start_date, application.end_date, existing)
        new_third = None
        if third_party is not None:
            new_third = []
            for i, t in enumerate(third_party):
                if not (t.source or "").strip():
                    raise ApplicationError(_("Bitte nennen Sie den Geldgeber der Drittmittel."),
                                           field=f"third_party[{i}].source")
                new_third.append(ThirdPartyFunding(application=application, source=t.source.strip()[:300],
                                                   amount=_parse_amount(t.amount, f"third_party[{i}].amount")))

        # Everything is valid: write.
        if topic_ids is not None:
            application.topics.set(topics)
        if partner_ids is not None:
            application.partners.set(partners)
        if new_lines is not None:
            application.cost_lines.all().delete()
            CostLine.objects.bulk_create(new_lines)
        if new_third is not None:
            application.third_party.all().delete()
            ThirdPartyFunding.objects.bulk_create(new_third)
        changed += _store_figures(application)
        application.save(update_fields=sorted(set(changed)) + ["updated_at"])
        record(actor=actor, action="application.updated", obj=application,
               data={"fields": sorted(set(changed) | {k for k, v in (("topics", topic_ids),
                     ("partners", partner_ids), ("cost_lines", cost_lines), ("third_party", third_party))
                     if v is not None})})
    return application


def _store_figures(application: Application) -> list[str]:
    figures = figures_for(application)
    application.total_costs = figures.total_costs
    application.eligible_costs = figures.eligible_costs
    application.third_party_funds = figures.third_party_funds
    application.grant_amount = figures.grant
    application.own_share = figures.own_share
    return ["total_costs", "eligible_costs", "third_party_funds", "grant_amount", "own_share"]


# ---------------------------------------------------------------- attachments

def add_attachment(*, actor: User, application_id: int, kind: str, upload) -> Attachment:
    if kind not in AttachmentKind.values:
        raise ApplicationError(_("Unbekannte Art der Anlage."), field="kind")
    content, digest = check_pdf(upload)
    with transaction.atomic():
        application = _lock(application_id)
        _require(app_rules.may_edit(actor, application),
                 _("Sie können diesem Antrag in seinem jetzigen Status keine Anlagen hinzufügen."))
        _require_room_for(application, size=len(content))
        name = stored_name(getattr(upload, "name", ""))
        attachment = Attachment(application=application, kind=kind, original_name=name,
                                size=len(content), sha256=digest, uploaded_by=actor)
        attachment.file.save(name, ContentFile(content), save=False)
        attachment.save()
        record(actor=actor, action="attachment.added", obj=application,
               data={"attachment": attachment.pk, "name": name, "kind": kind, "sha256": digest})
    return attachment


def _require_room_for(application: Application, *, size: int) -> None:
    """At most settings.MAX_ATTACHMENTS files and MAX_ATTACHMENTS_TOTAL_MB per application."""
    from django.conf import settings
    from django.db.models import Count, Sum

    totals = application.attachments.aggregate(n=Count("pk"), bytes=Sum("size"))
    if totals["n"] >= settings.MAX_ATTACHMENTS:
        raise ApplicationError(_("Ein Antrag kann höchstens %(n)d Anlagen haben. Bitte entfernen Sie zuerst "
                                 "eine nicht mehr benötigte Anlage.") % {"n": settings.MAX_ATTACHMENTS},
                               field="file")
    if (totals["bytes"] or 0) + size > settings.MAX_ATTACHMENTS_TOTAL_MB * 1024 * 1024:
        raise ApplicationError(_("Alle Anlagen eines Antrags zusammen dürfen höchstens %(n)d MB groß sein.")
                               % {"n": settings.MAX_ATTACHMENTS_TOTAL_MB}, field="file")


def remove_attachment(*, actor: User, attachment_id: int) -> None:
    with transaction.atomic():
        attachment = Attachment.objects.select_related("application").get(pk=attachment_id)
        application = _lock(attachment.application_id)
        _require(app_rules.may_edit(actor, application),
                 _("Anlagen können nur im Entwurf oder bei einer Nachforderung entfernt werden."))
        record(actor=actor, action="attachment.removed", obj=application,
               data={"attachment": attachment.pk, "name": attachment.original_name,
                     "sha256": attachment.sha256})
        file_name = attachment.file.name
        storage = attachment.file.storage
        attachment.delete()
        transaction.on_commit(lambda: storage.delete(file_name))


# ---------------------------------------------------------------- submission

def submission_problems(application: Application) -> list[str]:
    """What still blocks submission, in the user's words (empty when complete)."""
    problems = [_("Bitte füllen Sie „%(f)s“ aus.") % {"f": label}
                for name, label in REQUIRED_FOR_SUBMISSION.items() if not getattr(application, name).strip()]
    if not application.start_date or not application.end_date:
        problems.append(_("Bitte geben Sie Projektbeginn und Projektende an."))
    if not application.topics.exists():
        problems.append(_("Bitte wählen Sie mindestens einen Themenbereich."))
    if not application.cost_lines.exists():
        problems.append(_("Der Finanzierungsplan enthält noch keine Ausgaben."))
    if not application.declaration_not_started:
        problems.append(_("Bitte bestätigen Sie, dass das Vorhaben noch nicht begonnen hat."))
    if not application.declaration_own_share:
        problems.append(_("Bitte bestätigen Sie, dass der Eigenanteil gesichert ist."))
    if not application.attachments.filter(kind=AttachmentKind.COUNCIL_RESOLUTION).exists():
        problems.append(_("Bitte laden Sie den Ratsbeschluss (PDF) hoch."))
    problems += figures_for(application).errors
    return problems


def submit_application(*, actor: User, application_id: int, now: dt.datetime | None = None) -> Application:
    now = now or timezone.now()
    with transaction.atomic():
        application = _lock(application_id)
        if application.state != S.DRAFT:
            raise ApplicationError(_("Dieser Antrag wurde bereits eingereicht."))
        _require(app_rules.may_edit(actor, application),
                 _("Nur bestätigte Mitglieder der antragstellenden Kommune können einreichen."))
        call = Call.objects.select_for_update().get(pk=application.call_id)
        if not call.is_accepting(now):
            raise ApplicationError(
                _("Die Einreichungsfrist dieses Aufrufs endete am %(d)s. Der Antrag wurde nicht eingereicht.")
                % {"d": timezone.localtime(call.closes_at, BERLIN).strftime("%d.%m.%Y um %H:%M:%S Uhr")}
                if now >= call.closes_at else _("Dieser Förderaufruf nimmt derzeit keine Anträge an."))
        problems = submission_problems(application)
        if problems:
            raise ApplicationError(" ".join(problems))
        source, target = _transition(application, "submit", actor)
        application.case_number = next_case_number(
            program=call.program, year=timezone.localtime(now, BERLIN).year,
            taken=lambda number: Application.objects.filter(case_number=number).exists())
        application.submitted_at = now
        application.submissions += 1
        fields = _store_figures(application)
        application.save(update_fields=["state", "case_number", "submitted_at", "submissions", "updated_at",
                                        *fields])
        freeze_call(call_id=call.pk, actor=actor)
        record(actor=actor, action="application.submitted", obj=application, from_state=source,
               to_state=target, data={"case_number": application.case_number,
                                      "grant": application.grant_amount,
                                      "eligible_costs": application.eligible_costs})
        _after_submission(application)
    return application


def receipt_promise(application: Application, version: int) -> dict:
    """The outbox entry for the receipt of one (re)submission (also used by reconciliation)."""
    return {"task": "applications.tasks.render_receipt", "key": f"receipt:{application.pk}:{version}",
            "kwargs": {"application_id": application.pk, "version": version}, "obj": application,
            "label": f"Eingangsbestätigung {application.case_number} (Fassung {version})"}


def missing_receipts():
    """Reconciliation: every submitted application without the receipt of its current submission."""
    from django.db.models import Exists, OuterRef

    has_receipt = Receipt.objects.filter(application=OuterRef("pk"), version=OuterRef("submissions"))
    for application in (Application.objects.filter(submissions__gt=0).exclude(case_number=None)
                        .exclude(Exists(has_receipt)).order_by("pk")):
        yield receipt_promise(application, application.submissions)


def _after_submission(application: Application) -> None:
    enqueue(**receipt_promise(application, application.submissions))
    _notify_state(application, _applicant_addresses(application) + _case_worker_addresses())


def resubmit_application(*, actor: User, application_id: int, now: dt.datetime | None = None) -> Application:
    now = now or timezone.now()
    with transaction.atomic():
        application = _lock(application_id)
        if application.state == S.RESUBMITTED:
            raise ApplicationError(_("Dieser Antrag wurde bereits nachgereicht."))
        deadline = application.revision_deadline
        if deadline and timezone.localtime(now, BERLIN).date() > deadline:
            raise ApplicationError(_("Die Frist zur Nachbesserung endete am %(d)s.")
                                   % {"d": deadline.strftime("%d.%m.%Y")})
        problems = submission_problems(application) if application.state == S.RETURNED else []
        if problems:
            raise ApplicationError(" ".join(problems))
        source, target = _transition(application, "resubmit", actor)
        application.submissions += 1
        fields = _store_figures(application)
        application.save(update_fields=["state", "submissions", "updated_at", *fields])
        record(actor=actor, action="application.resubmitted", obj=application, from_state=source,
               to_state=target, data={"grant": application.grant_amount})
        _after_submission(application)
    return application


# ---------------------------------------------------------------- formal check

def start_formal_check(*, actor: User, application_id: int) -> Application:
    with transaction.atomic():
        application = _lock(application_id)
        source, target = _transition(application, "start_check", actor)
        application.save(update_fields=["state", "updated_at"])
        record(actor=actor, action="application.check_started", obj=application,
               from_state=source, to_state=target)
        _notify_state(application, _applicant_addresses(application))
    return application


def _checklist_record(application: Application, confirmed, *, require_all: bool) -> dict:
    """The formal check's checklist as recorded with the decision (applications.checklist).

    confirmed: the keys of the items needing judgement that the case worker confirmed — from the
    page's checkboxes or the API's ``confirmed`` list; every door passes it, so a positive decision
    needs every judgement item confirmed whichever way it is made (require_all).
    """
    confirmed = list(confirmed or ())
    items = checklist(application)
    manual = [item for item in items if item.manual]
    unknown = set(confirmed) - {item.key for item in manual}
    if unknown:
        raise ApplicationError(_("Unbekannter Punkt der Prüfliste: %(keys)s.") % {"keys": ", ".join(sorted(unknown))},
                               field="checklist")
    missing = [item for item in manual if item.key not in confirmed]
    if require_all and missing:
        raise ApplicationError(
            _("Bitte bestätigen Sie alle Punkte der Prüfliste, bevor Sie die Zulässigkeit feststellen: %(m)s")
            % {"m": " ".join(item.label for item in missing)}, field="checklist")
    return {"checklist": record_of(items, confirmed)}


def return_for_revision(*, actor: User, application_id: int, reason: str, deadline: dt.date,
                        today: dt.date | None = None, confirmed: Iterable[str] = ()) -> Application:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Bitte beschreiben Sie, was nachzubessern ist."), field="reason")
    today = today or timezone.localdate(timezone=BERLIN)
    if deadline is None or deadline <= today:
        raise ApplicationError(_("Die Frist muss in der Zukunft liegen."), field="deadline")
    if deadline > today + dt.timedelta(days=180):
        raise ApplicationError(_("Die Frist darf höchstens 180 Tage betragen."), field="deadline")
    with transaction.atomic():
        application = _lock(application_id)
        source, target = _transition(application, "return_for_revision", actor)
        checked = _checklist_record(application, confirmed, require_all=False)
        application.revision_reason = reason
        application.revision_deadline = deadline
        application.save(update_fields=["state", "revision_reason", "revision_deadline", "updated_at"])
        record(actor=actor, action="application.returned", obj=application, from_state=source,
               to_state=target, reason=reason, data={"deadline": deadline, **checked})
        _notify_state(application, _applicant_addresses(application),
                      reason=_("%(reason)s\n\nFrist: %(d)s") % {"reason": reason, "d": deadline.strftime("%d.%m.%Y")})
    return application


def decide_eligibility(*, actor: User, application_id: int, eligible: bool, reason: str = "",
                       confirmed: Iterable[str] = ()) -> Application:
    reason = (reason or "").strip()
    if not eligible and not reason:
        raise ApplicationError(_("Bitte begründen Sie die Unzulässigkeit."), field="reason")
    with transaction.atomic():
        application = _lock(application_id)
        if eligible and application.state == S.IN_FORMAL_CHECK:
            problems = figures_for(application).errors
            if problems:
                raise ApplicationError(" ".join(problems))
        source, target = _transition(application, "mark_eligible" if eligible else "mark_ineligible", actor)
        checked = _checklist_record(application, confirmed, require_all=eligible)
        application.decision_reason = reason
        application.save(update_fields=["state", "decision_reason", "updated_at"])
        record(actor=actor, action="application.eligible" if eligible else "application.ineligible",
               obj=application, from_state=source, to_state=target, reason=reason, data=checked)
        _notify_state(application, _applicant_addresses(application), reason=reason)
    return application


def withdraw_application(*, actor: User, application_id: int, reason: str = "") -> Application:
    with transaction.atomic():
        application = _lock(application_id)
        if application.state == S.WITHDRAWN:
            raise ApplicationError(_("Dieser Antrag wurde bereits zurückgezogen."))
        source, target = _transition(application, "withdraw", actor)
        application.save(update_fields=["state", "updated_at"])
        record(actor=actor, action="application.withdrawn", obj=application, from_state=source,
               to_state=target, reason=(reason or "").strip())
        if source != S.DRAFT:
            _notify_state(application, _applicant_addresses(application) + _case_worker_addresses(),
                          reason=reason)
    return application


def store_receipt(*, application_id: int, version: int, pdf_bytes: bytes, figures: dict):
    """Keep a rendered receipt; a version that exists already is left as it is (idempotent)."""
    from .models import Receipt

    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application_id)
        existing = Receipt.objects.filter(application=application, version=version).first()
        if existing:
            return existing
        receipt = Receipt(application=application, version=version, figures=figures,
                          sha256=hashlib.sha256(pdf_bytes).hexdigest())
        receipt.file.save(f"eingangsbestaetigung-{version}.pdf", ContentFile(pdf_bytes), save=False)
        receipt.save()
        record(actor=None, action="receipt.created", obj=application,
               data={"version": version, "sha256": receipt.sha256, "grant": figures.get("grant")})
    return receipt



# ---------------------------------------------------------------- jury (called by jury.services)

_OUTCOME_TRANSITIONS = {S.RECOMMENDED: "recommend", S.RESERVE: "put_on_reserve", S.NOT_RECOMMENDED: "not_recommend"}


def start_evaluation(*, actor: User, application_id: int) -> Application:
    """eligible → in evaluation; an application already in evaluation is left as it is."""
    with transaction.atomic():
        application = _lock(application_id)
        if application.state == S.IN_EVALUATION:
            return application
        source, target = _transition(application, "start_evaluation", actor)
        application.save(update_fields=["state", "updated_at"])
        record(actor=actor, action="application.evaluation_started", obj=application,
               from_state=source, to_state=target)
    return application


def conclude_evaluation(*, actor: User, application_id: int, outcome: str, reason: str = "") -> Application:
    """in evaluation → recommended | reserve | not recommended, as the jury decided."""
    if outcome not in _OUTCOME_TRANSITIONS:
        raise ApplicationError(_("Unbekanntes Ergebnis der Jury."))
    with transaction.atomic():
        application = _lock(application_id)
        source, target = _transition(application, _OUTCOME_TRANSITIONS[outcome], actor)
        application.decision_reason = (reason or "").strip()
        application.save(update_fields=["state", "decision_reason", "updated_at"])
        record(actor=actor, action=f"application.{target}", obj=application, from_state=source,
               to_state=target, reason=application.decision_reason)
        _notify_state(application, _applicant_addresses(application))
    return application


_DECISION_TRANSITIONS = {True: "approve", False: "reject"}


def decide_application(*, actor: User, application_id: int, approve: bool, reason: str = "",
                       data: dict | None = None) -> Application:
    """recommended | reserve → approved | rejected, when the grant decision (payments) is confirmed.

    The only way another app changes an application's state after the jury; payments calls it inside
    its own transaction, under its own locks.
    """
    with transaction.atomic():
        application = _lock(application_id)
        source, target = _transition(application, _DECISION_TRANSITIONS[approve], actor)
        fields = ["state", "updated_at"]
        if not approve:
            application.decision_reason = (reason or "").strip()
            fields.append("decision_reason")
        application.save(update_fields=fields)
        record(actor=actor, action=f"application.{target}", obj=application, from_state=source, to_state=target,
               reason=(reason or "").strip(), data=data or {})
    return application
