from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from accounts.models import Municipality
from applications.models import Application
from foundation.files import download_name
from grants.models import Call, Criterion

from .enums import AffiliationKind, DecisionOutcome, Declaration, ExclusionKind, SessionState, SheetState


def default_tie_breaks():
    return ["joint_first", "earlier_submission"]


class Panel(models.Model):
    """The jury of one call, with its scoring rules."""

    call = models.OneToOneField(Call, on_delete=models.PROTECT, related_name="panel", verbose_name=_("Förderaufruf"))
    chair = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("Vorsitz"))
    min_scorers = models.PositiveSmallIntegerField(
        _("Mindestzahl unabhängiger Bewertungen"), default=3)
    total_threshold = models.DecimalField(
        _("Schwelle der Gesamtbewertung"), max_digits=4, decimal_places=2, null=True, blank=True,
        help_text=_("Gewichteter Mittelwert auf der Punkteskala; darunter keine Empfehlung."))
    spread_threshold = models.DecimalField(
        _("Abweichung, ab der diskutiert wird"), max_digits=4, decimal_places=2, default=Decimal("1.50"),
        help_text=_("Größter Abstand zwischen den Gesamtbewertungen zweier Mitglieder."))
    tie_breaks = models.JSONField(
        _("Reihenfolge bei Gleichstand"), default=default_tie_breaks, blank=True,
        help_text=_('Liste aus "criterion:<ID>", "joint_first", "lower_grant", "earlier_submission".'))

    class Meta:
        verbose_name = _("Jury")
        verbose_name_plural = _("Jurys")
        constraints = [
            models.CheckConstraint(condition=Q(min_scorers__gte=1), name="panel_min_scorers_positive"),
            models.CheckConstraint(condition=Q(spread_threshold__gte=0), name="panel_spread_non_negative"),
        ]

    def __str__(self):
        return f"Jury {self.call}"


class PanelMember(models.Model):
    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="jury_memberships",
                             verbose_name=_("Person"))

    class Meta:
        verbose_name = _("Jurymitglied")
        verbose_name_plural = _("Jurymitglieder")
        ordering = ["panel", "user__last_name", "user__email"]
        constraints = [models.UniqueConstraint(fields=["panel", "user"], name="panel_member_unique")]

    def __str__(self):
        return str(self.user)


class Affiliation(models.Model):
    """Where a member works or holds a seat: the source of automatic exclusions."""

    member = models.ForeignKey(PanelMember, on_delete=models.CASCADE, related_name="affiliations")
    kind = models.CharField(_("Art"), max_length=20, choices=AffiliationKind.choices)
    municipality = models.ForeignKey(Municipality, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("Kommune"))
    organisation = models.CharField(_("Organisation"), max_length=200, blank=True)
    function = models.CharField(_("Funktion"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("Zugehörigkeit")
        verbose_name_plural = _("Zugehörigkeiten")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind=AffiliationKind.MUNICIPALITY) | Q(municipality__isnull=False),
                name="affiliation_municipality_named"),
        ]

    def __str__(self):
        return str(self.municipality or self.organisation)


class Assignment(models.Model):
    """One member and one application: declaration, exclusion and assignment in one row.

    Holding all three in one row lets the database refuse an excluded member's assignment.
    """

    member = models.ForeignKey(PanelMember, on_delete=models.CASCADE, related_name="assignments")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="jury_assignments")
    declaration = models.CharField(_("Erklärung"), max_length=20, choices=Declaration.choices,
                                   default=Declaration.PENDING)
    declaration_reason = models.TextField(_("Begründung der Befangenheit"), blank=True)
    declared_at = models.DateTimeField(null=True, blank=True)
    excluded = models.BooleanField(_("ausgeschlossen"), default=False)
    exclusion_kind = models.CharField(max_length=20, choices=ExclusionKind.choices, blank=True)
    exclusion_reason = models.TextField(blank=True)
    excluded_at = models.DateTimeField(null=True, blank=True)
    assigned = models.BooleanField(_("zugewiesen"), default=False)
    assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Zuweisung")
        verbose_name_plural = _("Zuweisungen")
        ordering = ["application", "member"]
        constraints = [
            models.UniqueConstraint(fields=["member", "application"], name="assignment_unique"),
            models.CheckConstraint(condition=~(Q(assigned=True) & Q(excluded=True)),
                                   name="assignment_never_for_excluded_member"),
            models.CheckConstraint(condition=~Q(declaration=Declaration.CONFLICT) | Q(excluded=True),
                                   name="assignment_declared_conflict_excludes"),
            models.CheckConstraint(condition=Q(excluded=False) | ~Q(exclusion_kind=""),
                                   name="assignment_exclusion_has_kind"),
        ]
        indexes = [models.Index(fields=["application", "excluded"])]

    def __str__(self):
        return f"{self.member} – {self.application}"


class ScoreSheet(FSMModelMixin, models.Model):
    """A member's scores for one application. Frozen when submitted; reopened only with a reason."""

    assignment = models.OneToOneField(Assignment, on_delete=models.PROTECT, related_name="sheet")
    state = FSMField(_("Status"), default=SheetState.DRAFT, choices=SheetState.choices, protected=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    final = models.BooleanField(_("endgültig (Sitzung geschlossen)"), default=False)

    class Meta:
        verbose_name = _("Bewertungsbogen")
        verbose_name_plural = _("Bewertungsbögen")

    def __str__(self):
        return str(self.assignment)

    @transition(field=state, source=[SheetState.DRAFT, SheetState.REOPENED], target=SheetState.SUBMITTED,
                conditions=[lambda sheet: not sheet.final])
    def submit(self):
        pass

    @transition(field=state, source=SheetState.SUBMITTED, target=SheetState.REOPENED,
                conditions=[lambda sheet: not sheet.final])
    def reopen(self):
        pass


class Score(models.Model):
    sheet = models.ForeignKey(ScoreSheet, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(_("Punkte"), max_digits=4, decimal_places=1, null=True, blank=True)
    comment = models.TextField(_("Kommentar"), blank=True)

    class Meta:
        verbose_name = _("Punktzahl")
        verbose_name_plural = _("Punktzahlen")
        constraints = [
            models.UniqueConstraint(fields=["sheet", "criterion"], name="score_one_per_criterion"),
            models.CheckConstraint(condition=Q(value__isnull=True) | Q(value__gte=0), name="score_non_negative"),
        ]

    def __str__(self):
        return f"{self.criterion}: {self.value}"


class Session(FSMModelMixin, models.Model):
    """The jury session that decides the recommendation of a call."""

    panel = models.ForeignKey(Panel, on_delete=models.PROTECT, related_name="sessions")
    state = FSMField(_("Status"), default=SessionState.OPEN, choices=SessionState.choices, protected=True)
    held_on = models.DateField(_("Sitzungstag"))
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    notes = models.TextField(_("Notizen zum Protokoll"), blank=True)
    snapshot = models.JSONField(_("Rangliste beim Schließen"), default=dict, blank=True)

    class Meta:
        verbose_name = _("Jurysitzung")
        verbose_name_plural = _("Jurysitzungen")
        constraints = [
            models.UniqueConstraint(fields=["panel"], condition=Q(state=SessionState.OPEN),
                                    name="session_one_open_per_panel"),
        ]

    def __str__(self):
        return f"{self.panel} – {self.held_on:%d.%m.%Y}"

    @transition(field=state, source=SessionState.OPEN, target=SessionState.CLOSED)
    def close(self):
        pass


class Decision(models.Model):
    """The chair's record of the jury's decision on one application."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="decisions")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="jury_decisions")
    computed = models.CharField(_("Berechnetes Ergebnis"), max_length=20, choices=DecisionOutcome.choices)
    outcome = models.CharField(_("Entscheidung"), max_length=20, choices=DecisionOutcome.choices)
    justification = models.TextField(_("Begründung der Abweichung"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Entscheidung der Jury")
        verbose_name_plural = _("Entscheidungen der Jury")
        constraints = [
            models.UniqueConstraint(fields=["session", "application"], name="decision_one_per_application"),
            models.CheckConstraint(condition=Q(outcome=F("computed")) | ~Q(justification=""),
                                   name="decision_deviation_justified"),
        ]

    def __str__(self):
        return f"{self.application}: {self.get_outcome_display()}"


def document_path(instance, filename):
    import uuid

    return f"jury/{instance.session_id}/{uuid.uuid4().hex}.{instance.extension}"


class SessionDocument(models.Model):
    """Ranking list and minutes of a closed session (PDF, CSV, XLSX); never replaced."""

    class Kind(models.TextChoices):
        RANKING_PDF = "ranking_pdf", _("Rangliste (PDF)")
        MINUTES_PDF = "minutes_pdf", _("Protokoll (PDF)")
        RANKING_CSV = "ranking_csv", _("Rangliste (CSV)")
        RANKING_XLSX = "ranking_xlsx", _("Rangliste (XLSX)")

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    file = models.FileField(upload_to=document_path)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Sitzungsdokument")
        verbose_name_plural = _("Sitzungsdokumente")
        constraints = [models.UniqueConstraint(fields=["session", "kind"], name="session_document_unique")]

    def __str__(self):
        return self.get_kind_display()

    @property
    def extension(self) -> str:
        return self.kind.rsplit("_", 1)[-1]

    @property
    def download_name(self) -> str:
        """Rangliste-Sitzung-1.pdf, Protokoll-Sitzung-1.pdf (German in every language)."""
        label = "Protokoll" if self.kind == self.Kind.MINUTES_PDF else "Rangliste"
        return download_name(label, "Sitzung", self.session_id, ext=self.extension)
