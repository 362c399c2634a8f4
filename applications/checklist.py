"""The formal check's checklist: what the program requires of an application, item by item.

Computable items get their status from the application's data and the program's configuration
(✓, or ✗ with the reason); items that need a person's judgement are confirmed by the case worker,
and the service records the whole list with the decision (applications.services.decide_eligibility,
return_for_revision). Pure reads, no writes.
"""

from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext as _

from .enums import AttachmentKind
from .financing import figures_for


@dataclass(frozen=True)
class CheckItem:
    key: str
    label: str
    manual: bool = False  # needs the case worker's judgement (a checkbox)
    ok: bool | None = None  # computed status of an automatic item
    reason: str = ""  # why an automatic item fails

    def as_dict(self, confirmed: bool | None = None) -> dict:
        if self.manual:
            return {"label": self.label, "manual": True, "confirmed": bool(confirmed)}
        return {"label": self.label, "ok": self.ok, "reason": self.reason}


def _date_problem(application) -> str:
    program = application.call.program
    start, end = application.start_date, application.end_date
    if not start or not end:
        return _("Projektbeginn oder Projektende fehlt.")
    period = {"a": program.period_start.strftime("%d.%m.%Y"), "b": program.period_end.strftime("%d.%m.%Y")}
    if not (program.period_start <= start <= program.period_end and program.period_start <= end <= program.period_end):
        return _("Die Laufzeit liegt nicht ganz im Förderzeitraum (%(a)s – %(b)s).") % period
    if end <= start:
        return _("Das Projektende liegt nicht nach dem Projektbeginn.")
    if end > start + relativedelta(months=program.max_duration_months):
        return _("Die Laufzeit überschreitet die Höchstdauer von %(n)d Monaten.") % {"n": program.max_duration_months}
    years = {c.budget_year for c in application.cost_lines.all()}
    outside = sorted(y for y in years if not start.year <= y <= end.year)
    if outside:
        return _("Ausgaben in Haushaltsjahren außerhalb der Laufzeit: %(y)s.") % {
            "y": ", ".join(str(y) for y in outside)}
    return ""


def _auto(key, label, problem: str) -> CheckItem:
    return CheckItem(key=key, label=label, ok=not problem, reason=problem)


def checklist(application) -> list[CheckItem]:
    """The items of the formal check for this application, automatic ones first."""
    kinds = {a.kind for a in application.attachments.all()}
    partners = list(application.partners.all())
    texts = {"summary": _("Kurzbeschreibung"), "objectives": _("Ziele"),
             "benefit": _("Nutzen für Bürgerinnen und Bürger"), "transferability": _("Übertragbarkeit")}
    missing_texts = [label for name, label in texts.items() if not (getattr(application, name) or "").strip()]
    figures = figures_for(application)
    plan_problem = (_("Der Finanzierungsplan enthält keine Ausgaben.") if not application.cost_lines.exists()
                    else " ".join(figures.errors))
    declarations = []
    if not application.declaration_not_started:
        declarations.append(_("kein vorzeitiger Maßnahmenbeginn"))
    if not application.declaration_own_share:
        declarations.append(_("Eigenanteil gesichert"))
    items = [
        _auto("texts", _("Vorhabenbeschreibung vollständig"),
              _("Es fehlt: %(f)s.") % {"f": ", ".join(missing_texts)} if missing_texts else ""),
        _auto("topics", _("Mindestens ein Themenbereich des Programms gewählt"),
              "" if application.topics.exists() else _("Kein Themenbereich gewählt.")),
        _auto("council_resolution", _("Ratsbeschluss beigefügt"),
              "" if AttachmentKind.COUNCIL_RESOLUTION in kinds else _("Keine Anlage der Art „Ratsbeschluss“.")),
        _auto("project_description", _("Projektbeschreibung beigefügt"),
              "" if AttachmentKind.PROJECT_DESCRIPTION in kinds
              else _("Keine Anlage der Art „Projektbeschreibung“.")),
        _auto("financing", _("Finanzierungsplan vollständig (Mindestzuwendung erreicht, keine Überfinanzierung)"),
              plan_problem),
        _auto("dates", _("Laufzeit im Förderzeitraum und innerhalb der Höchstdauer"), _date_problem(application)),
        _auto("declarations", _("Erklärungen abgegeben"),
              _("Es fehlt die Erklärung: %(d)s.") % {"d": ", ".join(declarations)} if declarations else ""),
    ]
    if partners:
        items.append(_auto("partner_agreement", _("Kooperationsvereinbarung der Partnerkommunen beigefügt"),
                           "" if AttachmentKind.PARTNER_AGREEMENT in kinds
                           else _("Keine Anlage der Art „Kooperationsvereinbarung“.")))
    items += [
        CheckItem(key="resolution_valid", manual=True,
                  label=_("Der Ratsbeschluss ist vom zuständigen Gremium gefasst, unterschrieben und deckt "
                          "Vorhaben und Eigenanteil.")),
        CheckItem(key="description_plausible", manual=True,
                  label=_("Projektbeschreibung und Finanzierungsplan sind schlüssig und passen zu den "
                          "gewählten Themenbereichen.")),
        CheckItem(key="not_started", manual=True,
                  label=_("Die Unterlagen geben keinen Hinweis auf einen vorzeitigen Maßnahmenbeginn.")),
    ]
    if partners:
        items.append(CheckItem(key="partners_confirmed", manual=True,
                               label=_("Alle Partnerkommunen (%(p)s) haben ihre Beteiligung verbindlich bestätigt.")
                               % {"p": ", ".join(p.name for p in partners)}))
    return items


def judgement_keys(application) -> list[str]:
    """The keys of the items that need a person's judgement (what a caller confirms)."""
    return [item.key for item in checklist(application) if item.manual]


def record_of(items: list[CheckItem], confirmed: list[str]) -> dict:
    """The checklist as stored in the audit entry of the decision."""
    return {item.key: item.as_dict(item.key in confirmed) for item in items}
