from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from accounts.enums import TrustLevel
from foundation.amounts import MONEY
from foundation.columns import reads

from .enums import CallState, OpenDataField, default_open_data_fields
from .exceptions import CallFrozenError


class FundingProgram(models.Model):
    """A funding line with its legal basis and money rules (all configurable)."""

    name = models.CharField(_("Name"), max_length=300)
    short_name = models.CharField(_("Kurzname"), max_length=50, unique=True)
    legal_basis = models.TextField(_("Rechtsgrundlage"))
    funding_rate = models.DecimalField(
        _("Fördersatz"), max_digits=5, decimal_places=4,
        validators=[MinValueValidator(Decimal("0.0001")), MaxValueValidator(Decimal("1"))],
        help_text=_("Anteil der zuwendungsfähigen Ausgaben, z. B. 0,9000 für 90 %."),
    )
    min_grant = models.DecimalField(_("Mindestzuwendung"), **MONEY)
    max_grant = models.DecimalField(_("Höchstzuwendung"), **MONEY)
    period_start = models.DateField(_("Förderzeitraum von"))
    period_end = models.DateField(_("Förderzeitraum bis"))
    max_duration_months = models.PositiveSmallIntegerField(_("Höchstlaufzeit (Monate)"), default=24)
    case_number_prefix = models.CharField(_("Präfix des Aktenzeichens"), max_length=20)
    case_number_template = models.CharField(
        _("Vorlage des Aktenzeichens"), max_length=60, default="{prefix}-{year}-{seq:04d}",
        help_text=_("Platzhalter: {prefix}, {year}, {seq}"),
    )
    general_conditions_edition = models.CharField(
        _("Allgemeine Nebenbestimmungen (Fassung)"), max_length=200, blank=True)
    disbursement_window_months = models.PositiveSmallIntegerField(
        _("Mittelabruf: Bedarf binnen Monaten"), default=2)
    interim_proof_months = models.PositiveSmallIntegerField(
        _("Zwischennachweis fällig nach Monaten"), default=4)
    final_proof_months = models.PositiveSmallIntegerField(
        _("Verwendungsnachweis fällig nach Monaten"), default=6)
    appeal_period_months = models.PositiveSmallIntegerField(_("Rechtsbehelfsfrist (Monate)"), default=1)
    retained_instalment_percent = models.DecimalField(
        _("Einbehalt der Schlussrate (%)"), max_digits=5, decimal_places=2, default=Decimal("0"))
    line_overrun_percent = models.DecimalField(
        _("Zulässige Überschreitung einzelner Ansätze (%)"), max_digits=5, decimal_places=2,
        default=Decimal("20"))
    # What the public page of each call says (Hessenfinder / Verwaltungsportal entry).
    summary = models.TextField(_("Was wird gefördert?"), blank=True)
    eligible_applicants = models.TextField(_("Wer ist antragsberechtigt?"), blank=True)
    required_documents = models.TextField(
        _("Vorzulegende Unterlagen"), blank=True, help_text=_("Eine Unterlage je Zeile."))
    contact_name = models.CharField(_("Ansprechstelle"), max_length=200, blank=True)
    contact_email = models.EmailField(_("E-Mail der Ansprechstelle"), blank=True)
    contact_phone = models.CharField(_("Telefon der Ansprechstelle"), max_length=50, blank=True)
    open_data_fields = models.JSONField(
        _("Felder der offenen Daten"), default=default_open_data_fields, blank=True,
        help_text=_("Welche Angaben zu geförderten Projekten dieses Programms veröffentlicht werden "
                    "(CSV, JSON und die öffentliche Seite). Personenbezogene Angaben gehören nie dazu."))

    class Meta:
        verbose_name = _("Förderprogramm")
        verbose_name_plural = _("Förderprogramme")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(funding_rate__gt=0, funding_rate__lte=1),
                                   name="program_rate_in_range"),
            models.CheckConstraint(condition=Q(min_grant__gte=0, max_grant__gte=F("min_grant")),
                                   name="program_grant_bounds"),
            models.CheckConstraint(condition=Q(period_end__gt=F("period_start")),
                                   name="program_period_order"),
        ]

    def __str__(self):
        return self.name

    @property
    def required_document_list(self) -> list[str]:
        return [line.strip() for line in self.required_documents.splitlines() if line.strip()]

    def clean(self):
        super().clean()
        self.clean_case_number_pattern()
        fields = self.open_data_fields
        if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
            raise ValidationError({"open_data_fields": _("Bitte geben Sie eine Liste von Feldnamen an.")})
        unknown = sorted(set(fields) - set(OpenDataField.values))
        if unknown:
            raise ValidationError({"open_data_fields": _("Unbekannte Felder: %(fields)s. Erlaubt sind: %(allowed)s.")
                                   % {"fields": ", ".join(unknown), "allowed": ", ".join(OpenDataField.values)}})

    def publishes(self, field: str) -> bool:
        """Whether the open data of this program shows ``field`` (an OpenDataField value)."""
        return field in (self.open_data_fields or ())

    def clean_case_number_pattern(self):
        """The template makes unambiguous numbers, and they can never read as another program's
        (grants/case_numbers.py)."""
        from . import case_numbers

        try:
            mine = case_numbers.check(self.case_number_template, prefix=self.case_number_prefix)
        except case_numbers.TemplateError as exc:
            raise ValidationError({"case_number_template": str(exc)}) from None
        for other in FundingProgram.objects.exclude(pk=self.pk).only(
                "name", "case_number_prefix", "case_number_template").order_by("pk"):
            try:
                theirs = case_numbers.check(other.case_number_template, prefix=other.case_number_prefix)
            except case_numbers.TemplateError:
                continue  # saved before this check; its numbers are guarded when they are drawn
            if case_numbers.overlaps(mine, theirs):
                raise ValidationError({"case_number_prefix": _(
                    "Aktenzeichen dieses Programms (z. B. %(mine)s) könnten mit denen des Programms „%(other)s“ "
                    "(z. B. %(theirs)s) übereinstimmen, weil das eine Muster mit dem anderen beginnt. Bitte wählen "
                    "Sie ein anderes Präfix oder eine andere Vorlage.") % {
                    "mine": case_numbers.example(self.case_number_template, prefix=self.case_number_prefix),
                    "other": other.name,
                    "theirs": case_numbers.example(other.case_number_template, prefix=other.case_number_prefix)}})

    def format_case_number(self, *, year: int, seq: int) -> str:
        return self.case_number_template.format(prefix=self.case_number_prefix, year=year, seq=seq)


class Topic(models.Model):
    program = models.ForeignKey(FundingProgram, on_delete=models.CASCADE, related_name="topics")
    number = models.PositiveSmallIntegerField(_("Nummer"))
    name = models.CharField(_("Themenbereich"), max_length=200)
    description = models.TextField(_("Beschreibung"), blank=True)

    class Meta:
        verbose_name = _("Themenbereich")
        verbose_name_plural = _("Themenbereiche")
        ordering = ["program", "number"]
        constraints = [models.UniqueConstraint(fields=["program", "number"], name="topic_unique_number")]

    def __str__(self):
        return f"{self.number} {self.name}"


class Criterion(models.Model):
    """An evaluation criterion, scored by the jury on a fixed scale with a weight."""

    program = models.ForeignKey(FundingProgram, on_delete=models.CASCADE, related_name="criteria")
    order = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)
    name = models.CharField(_("Kriterium"), max_length=200)
    description = models.TextField(_("Beschreibung"), blank=True)
    scale_max = models.DecimalField(_("Höchstpunktzahl"), max_digits=4, decimal_places=1, default=Decimal("5"))
    step = models.DecimalField(_("Schrittweite"), max_digits=3, decimal_places=1, default=Decimal("0.5"))
    weight = models.DecimalField(_("Gewicht"), max_digits=5, decimal_places=2, default=Decimal("1"))
    threshold = models.DecimalField(_("Schwelle"), max_digits=4, decimal_places=1, null=True, blank=True)

    class Meta:
        verbose_name = _("Bewertungskriterium")
        verbose_name_plural = _("Bewertungskriterien")
        ordering = ["program", "order", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(scale_max__gt=0, step__gt=0, weight__gt=0),
                                   name="criterion_positive_scale"),
            models.CheckConstraint(condition=Q(threshold__isnull=True) | Q(threshold__lte=F("scale_max")),
                                   name="criterion_threshold_on_scale"),
        ]

    def __str__(self):
        return self.name


class Call(FSMModelMixin, models.Model):
    """A call for proposals (Förderaufruf) with its submission window and budget."""

    FROZEN_FIELDS = ("program_id", "opens_at", "closes_at", "total_budget")

    program = models.ForeignKey(FundingProgram, on_delete=models.PROTECT, related_name="calls",
                                verbose_name=_("Förderprogramm"))
    title = models.CharField(_("Titel"), max_length=300)
    description = models.TextField(_("Beschreibung"), blank=True)
    opens_at = models.DateTimeField(_("Einreichung ab"))
    closes_at = models.DateTimeField(_("Einreichungsfrist"),
                                     help_text=_("Anträge werden bis vor diesem Zeitpunkt angenommen."))
    total_budget = models.DecimalField(_("Gesamtbudget"), **MONEY)
    state = FSMField(_("Status"), default=CallState.DRAFT, choices=CallState.choices, protected=True)
    committed = models.DecimalField(
        _("Gebunden"), default=0, editable=False, **MONEY,
        help_text=_("Summe der bewilligten Zuwendungen; nur payments.services ändert sie unter Sperre."))
    frozen_at = models.DateTimeField(
        _("Geldregeln eingefroren seit"), null=True, blank=True, editable=False,
        help_text=_("Mit dem ersten eingereichten Antrag werden Fenster und Budget unveränderlich."))
    min_trust_level = models.CharField(
        _("Mindest-Vertrauensniveau"), max_length=20, blank=True, default="", db_default="",
        choices=TrustLevel.choices,
        help_text=_("Leer: jede Anmeldung genügt. Sonst muss die Anmeldung, mit der ein Antrag angelegt wird, "
                    "mindestens dieses Vertrauensniveau haben (BundID, Mein Unternehmenskonto)."))

    class Meta:
        verbose_name = _("Förderaufruf")
        verbose_name_plural = _("Förderaufrufe")
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="call_window_order"),
            models.CheckConstraint(condition=Q(total_budget__gte=0), name="call_budget_non_negative"),
            models.CheckConstraint(condition=Q(committed__gte=0, committed__lte=F("total_budget")),
                                   name="call_never_over_committed"),
        ]

    def __str__(self):
        return self.title

    @reads("state", "opens_at", "closes_at")
    def is_accepting(self, at=None) -> bool:
        at = at or timezone.now()
        return self.state == CallState.OPEN and self.opens_at <= at < self.closes_at

    def _frozen_changes(self) -> list[str]:
        if self.pk is None:
            return []
        stored = Call.objects.filter(pk=self.pk).values(*self.FROZEN_FIELDS, "frozen_at").first()
        if not stored or stored["frozen_at"] is None:
            return []
        return [f for f in self.FROZEN_FIELDS if getattr(self, f) != stored[f]]

    def clean(self):
        changed = self._frozen_changes()
        if changed:
            raise CallFrozenError(
                _("Seit dem ersten eingereichten Antrag sind Einreichungsfenster und Budget dieses "
                  "Aufrufs festgeschrieben und können nicht mehr geändert werden."),
                code="frozen",
            )
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise CallFrozenError(_("Die Einreichungsfrist muss nach dem Beginn liegen."), code="window")

    def save(self, *args, **kwargs):
        if self._frozen_changes():
            self.clean()
        super().save(*args, **kwargs)

    @transition(field=state, source=CallState.DRAFT, target=CallState.OPEN)
    def publish(self):
        pass

    @transition(field=state, source=CallState.OPEN, target=CallState.CLOSED)
    def close(self):
        pass

    @property
    def uncommitted(self):
        return self.total_budget - self.committed


class CallBudgetYear(models.Model):
    """The call's tranche per budget year (Haushaltsjahr)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="budget_years")
    year = models.PositiveSmallIntegerField(_("Haushaltsjahr"))
    amount = models.DecimalField(_("Mittel"), **MONEY)
    chapter = models.CharField(_("Kapitel"), max_length=20, blank=True)
    title_code = models.CharField(_("Titel"), max_length=20, blank=True)
    committed = models.DecimalField(_("Gebunden"), default=0, editable=False, **MONEY)

    class Meta:
        verbose_name = _("Haushaltsjahr des Aufrufs")
        verbose_name_plural = _("Haushaltsjahre des Aufrufs")
        ordering = ["call", "year"]
        constraints = [
            models.UniqueConstraint(fields=["call", "year"], name="call_budget_year_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="call_budget_year_non_negative"),
            models.CheckConstraint(condition=Q(committed__gte=0, committed__lte=F("amount")),
                                   name="call_budget_year_never_over_committed"),
        ]

    def __str__(self):
        return f"{self.call} {self.year}"

    def _call_frozen(self) -> bool:
        return Call.objects.filter(pk=self.call_id, frozen_at__isnull=False).exists()

    def clean(self):
        if self.call_id and self._call_frozen():
            if self.pk is None:
                changed = True
            else:
                stored = CallBudgetYear.objects.filter(pk=self.pk).values("year", "amount").first()
                changed = stored != {"year": self.year, "amount": self.amount}
            if changed:
                raise CallFrozenError(
                    _("Die Haushaltsjahre eines festgeschriebenen Aufrufs können nicht mehr geändert "
                      "werden."), code="frozen")

    def save(self, *args, **kwargs):
        self.clean()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._call_frozen():
            raise CallFrozenError(
                _("Die Haushaltsjahre eines festgeschriebenen Aufrufs können nicht mehr geändert "
                  "werden."), code="frozen")
        return super().delete(*args, **kwargs)


class CaseNumberSequence(models.Model):
    """Counter of the running number of one case-number pattern, taken under a row lock. The rendered pattern
    owns it (``SHH2-2027-{seq}``, see grants/case_numbers.py), not a program: programs whose numbers look alike
    count on one sequence."""

    key = models.CharField(max_length=200, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.key}: {self.last}"
