import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from accounts.models import Municipality
from foundation.amounts import MONEY
from foundation.files import download_name
from grants.models import Call, Topic

from . import rules as app_rules
from .enums import DECIDABLE_STATES, WITHDRAWABLE_STATES, ApplicationState, AttachmentKind, CostCategory

S = ApplicationState


class Application(FSMModelMixin, models.Model):
    """A project proposal (Antrag) of a lead municipality, optionally with partners."""

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="applications",
                             verbose_name=_("Förderaufruf"))
    lead = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="led_applications",
                             verbose_name=_("Antragstellende Kommune"))
    partners = models.ManyToManyField(Municipality, blank=True, related_name="partner_applications",
                                      verbose_name=_("Partnerkommunen"))
    topics = models.ManyToManyField(Topic, blank=True, related_name="applications",
                                    verbose_name=_("Themenbereiche"))
    title = models.CharField(_("Projekttitel"), max_length=300)
    summary = models.TextField(_("Kurzbeschreibung"), blank=True)
    objectives = models.TextField(_("Ziele"), blank=True)
    benefit = models.TextField(_("Nutzen für Bürgerinnen und Bürger"), blank=True)
    transferability = models.TextField(_("Übertragbarkeit"), blank=True)
    # The proposal's long texts (several kilobytes in a real proposal): its page, documents, exports and the jury's
    # scoring page read them; a list row never shows them (applications.selectors.without_proposal_texts).
    PROPOSAL_TEXTS = ("summary", "objectives", "benefit", "transferability")
    start_date = models.DateField(_("Projektbeginn"), null=True, blank=True)
    end_date = models.DateField(_("Projektende"), null=True, blank=True)
    declaration_not_started = models.BooleanField(
        _("Das Vorhaben hat noch nicht begonnen (kein vorzeitiger Maßnahmenbeginn)."), default=False)
    declaration_own_share = models.BooleanField(_("Der Eigenanteil ist gesichert."), default=False)

    state = FSMField(_("Status"), default=S.DRAFT, choices=S.choices, protected=True, db_index=True)
    case_number = models.CharField(_("Aktenzeichen"), max_length=40, unique=True, null=True, blank=True)
    submitted_at = models.DateTimeField(_("eingereicht am"), null=True, blank=True)
    submissions = models.PositiveSmallIntegerField(
        _("Anzahl Einreichungen"), default=0,
        help_text=_("Zählt Einreichung und Nachreichungen; nummeriert die Eingangsbestätigungen."))
    revision_reason = models.TextField(_("Nachforderung"), blank=True)
    revision_deadline = models.DateField(_("Frist der Nachforderung"), null=True, blank=True)
    decision_reason = models.TextField(_("Begründung der Entscheidung"), blank=True)

    # Figures of the financing plan, recomputed by the service on every change.
    total_costs = models.DecimalField(_("Gesamtausgaben"), default=0, **MONEY)
    eligible_costs = models.DecimalField(_("Zuwendungsfähige Ausgaben"), default=0, **MONEY)
    third_party_funds = models.DecimalField(_("Drittmittel"), default=0, **MONEY)
    grant_amount = models.DecimalField(_("Beantragte Zuwendung"), default=0, **MONEY)
    own_share = models.DecimalField(_("Eigenanteil"), default=0, **MONEY)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)
    updated_at = models.DateTimeField(_("geändert am"), auto_now=True)

    class Meta:
        verbose_name = _("Antrag")
        verbose_name_plural = _("Anträge")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_costs__gte=0, eligible_costs__gte=0, third_party_funds__gte=0,
                            grant_amount__gte=0),
                name="application_money_non_negative"),
            models.CheckConstraint(condition=Q(eligible_costs__lte=F("total_costs")),
                                   name="application_eligible_within_total"),
            models.CheckConstraint(condition=Q(grant_amount__lte=F("eligible_costs")),
                                   name="application_grant_within_eligible"),
            models.CheckConstraint(
                condition=Q(state=S.DRAFT) | Q(state=S.WITHDRAWN) | Q(case_number__isnull=False),
                name="application_submitted_has_case_number"),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True) | Q(end_date__isnull=True) | Q(end_date__gt=F("start_date")),
                name="application_dates_order"),
        ]
        # The case workers' list of a call (selectors.staff_applications): its filter and every order it offers
        # read from an index, the pk as the tie-break included (tests/applications/test_list_indexes.py). The
        # search's trigram indexes are PostgreSQL only and not declared here: migration 0006_search_trigram_indexes.
        indexes = [models.Index(fields=["call", "state", "id"], name="application_call_state"),
                   models.Index(fields=["call", "submitted_at", "id"], name="application_call_submitted"),
                   models.Index(fields=["call", "grant_amount", "id"], name="application_call_grant"),
                   # The jury panel's list of a call, in case-number order (jury.selectors.panel_applications).
                   models.Index(fields=["call", "case_number", "id"], name="application_call_case")]

    def __str__(self):
        return f"{self.case_number or _('Entwurf')} – {self.title}"

    @property
    def is_joint(self) -> bool:
        return self.partners.exists()

    # Transitions: guards and permissions only; applications.services is the only caller.
    @transition(field=state, source=S.DRAFT, target=S.SUBMITTED, permission=app_rules.can_edit)
    def submit(self):
        pass

    @transition(field=state, source=[S.SUBMITTED, S.RESUBMITTED], target=S.IN_FORMAL_CHECK,
                permission=app_rules.can_check)
    def start_check(self):
        pass

    @transition(field=state, source=S.IN_FORMAL_CHECK, target=S.RETURNED, permission=app_rules.can_check)
    def return_for_revision(self):
        pass

    @transition(field=state, source=S.RETURNED, target=S.RESUBMITTED, permission=app_rules.can_edit)
    def resubmit(self):
        pass

    @transition(field=state, source=S.IN_FORMAL_CHECK, target=S.ELIGIBLE, permission=app_rules.can_check)
    def mark_eligible(self):
        pass

    @transition(field=state, source=S.IN_FORMAL_CHECK, target=S.INELIGIBLE, permission=app_rules.can_check)
    def mark_ineligible(self):
        pass

    @transition(field=state, source=S.ELIGIBLE, target=S.IN_EVALUATION, permission=app_rules.can_check)
    def start_evaluation(self):
        pass

    @transition(field=state, source=S.IN_EVALUATION, target=S.RECOMMENDED, permission=app_rules.can_conclude)
    def recommend(self):
        pass

    @transition(field=state, source=S.IN_EVALUATION, target=S.RESERVE, permission=app_rules.can_conclude)
    def put_on_reserve(self):
        pass

    @transition(field=state, source=S.IN_EVALUATION, target=S.NOT_RECOMMENDED, permission=app_rules.can_conclude)
    def not_recommend(self):
        pass

    # The grant decision (payments.services.confirm_decision) is the only caller of these two.
    @transition(field=state, source=list(DECIDABLE_STATES), target=S.APPROVED)
    def approve(self):
        pass

    @transition(field=state, source=list(DECIDABLE_STATES), target=S.REJECTED)
    def reject(self):
        pass

    @transition(field=state, source=list(WITHDRAWABLE_STATES), target=S.WITHDRAWN,
                permission=app_rules.can_withdraw)
    def withdraw(self):
        pass


class CostLine(models.Model):
    """One line of the financing plan (Finanzierungsplan)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="cost_lines")
    position = models.PositiveSmallIntegerField(default=0)
    category = models.CharField(_("Kategorie"), max_length=20, choices=CostCategory.choices)
    description = models.CharField(_("Bezeichnung"), max_length=300)
    budget_year = models.PositiveSmallIntegerField(_("Haushaltsjahr"))
    amount = models.DecimalField(_("Betrag"), **MONEY)
    eligible = models.BooleanField(_("zuwendungsfähig"), default=True)

    class Meta:
        verbose_name = _("Ausgabenposition")
        verbose_name_plural = _("Ausgabenpositionen")
        ordering = ["application", "budget_year", "position", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="cost_line_amount_positive")]

    def __str__(self):
        return f"{self.description} ({self.budget_year})"


class ThirdPartyFunding(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="third_party")
    source = models.CharField(_("Geldgeber"), max_length=300)
    amount = models.DecimalField(_("Betrag"), **MONEY)

    class Meta:
        verbose_name = _("Drittmittel")
        verbose_name_plural = _("Drittmittel")
        ordering = ["application", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="third_party_amount_positive")]

    def __str__(self):
        return self.source


def attachment_path(instance, filename):
    return f"applications/{instance.application_id}/{uuid.uuid4().hex}.pdf"


class Attachment(models.Model):
    """A PDF attachment, stored privately and served only through a permission check."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("Art"), max_length=30, choices=AttachmentKind.choices)
    file = models.FileField(upload_to=attachment_path)
    original_name = models.CharField(_("Dateiname"), max_length=255)
    size = models.PositiveBigIntegerField(_("Größe (Bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Anlage")
        verbose_name_plural = _("Anlagen")
        ordering = ["application", "uploaded_at", "pk"]
        constraints = [models.CheckConstraint(condition=Q(size__gt=0), name="attachment_not_empty")]

    def __str__(self):
        return self.original_name


def receipt_path(instance, filename):
    return f"receipts/{instance.application_id}/{uuid.uuid4().hex}.pdf"


class Receipt(models.Model):
    """The acknowledgement of receipt (Eingangsbestätigung), one per (re)submission; never replaced."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="receipts")
    version = models.PositiveSmallIntegerField()
    file = models.FileField(upload_to=receipt_path)
    sha256 = models.CharField(max_length=64)
    figures = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Eingangsbestätigung")
        verbose_name_plural = _("Eingangsbestätigungen")
        ordering = ["application", "version"]
        constraints = [models.UniqueConstraint(fields=["application", "version"], name="receipt_version_unique")]

    def __str__(self):
        return f"{self.application} – {self.version}"

    @property
    def download_name(self) -> str:
        """Eingangsbestätigung-SHH2-2027-0001.pdf; from the second submission on: …-Fassung-2.pdf"""
        return download_name("Eingangsbestätigung", self.application.case_number,
                             f"Fassung-{self.version}" if self.version > 1 else "", ext="pdf")
