"""Serializers of the jury API: they parse input and shape output, nothing more.

Every rule (who may score, which values fit the scale, when a sheet is frozen, when a deviation
needs a justification) lives in jury.services. Money is a decimal string with two places
("1234.56"), scores and means a decimal string ("3.5", "3.2500").
"""

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers
from rest_framework.reverse import reverse

from accounts.api import MunicipalityBriefSerializer
from accounts.models import Municipality, User
from applications.api.serializers import (
    CaseSearchSerializer,
    CostLineSerializer,
    FiguresSerializer,
    LeadSerializer,
    TopicBriefSerializer,
)
from applications.financing import figures_for
from applications.models import Application
from foundation.api import (
    MAX_ID,
    LabelField,
    MappingListField,
    ModelSerializer,
    RejectUnknownFieldsMixin,
    ShapedReadMixin,
    money,
)
from foundation.columns import permission_reads
from grants.models import Call, Criterion

from .. import rules as _rules  # noqa: F401  (registers jury.score_application, whose reads a list declares)
from ..enums import AffiliationKind, DecisionOutcome, ExclusionKind
from ..models import Affiliation, Assignment, Decision, Panel, PanelMember, Score, ScoreSheet, Session, SessionDocument
from ..selectors import OPEN, SUBMITTED


def decimal(places: int, **kwargs):
    return serializers.DecimalField(max_digits=None, decimal_places=places, read_only=True, **kwargs)


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="display_name", read_only=True)
    email = serializers.EmailField(read_only=True)


class PanelCallSerializer(ModelSerializer):
    class Meta:
        model = Call
        fields = ["id", "title", "total_budget"]
        read_only_fields = fields


class CriterionSerializer(ModelSerializer):
    class Meta:
        model = Criterion
        fields = ["id", "order", "name", "description", "scale_max", "step", "weight", "threshold"]
        read_only_fields = fields


# The partners of an assignment's application, for ApplicationBriefSerializer: as a list on the application
# (``to_attr``), because Django's usual prefetch builds a related manager and a queryset for every application (the
# juror's list of 50 assignments: 2.4 ms of prefetching against 1.2 ms).
PARTNERS = Prefetch("application__partners", to_attr="partner_list")


class ApplicationBriefSerializer(ModelSerializer):
    """An application in a member's assignment."""

    # Its partners come prefetched as ``partner_list`` (``PARTNERS``).

    lead = MunicipalityBriefSerializer(read_only=True)
    partners = MunicipalityBriefSerializer(many=True, read_only=True, source="partner_list")

    class Meta:
        model = Application
        fields = ["id", "case_number", "title", "lead", "partners"]
        read_only_fields = fields


# ---------------------------------------------------------------- panels


class AffiliationSerializer(ModelSerializer):
    kind_display = LabelField("kind")
    municipality = MunicipalityBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Affiliation
        fields = ["id", "kind", "kind_display", "municipality", "organisation", "function"]
        read_only_fields = fields


class PanelMemberSerializer(ModelSerializer):
    user = PersonSerializer(read_only=True)
    affiliations = AffiliationSerializer(many=True, read_only=True)
    is_chair = serializers.SerializerMethodField()

    class Meta:
        model = PanelMember
        fields = ["id", "user", "is_chair", "affiliations"]
        read_only_fields = fields

    def get_is_chair(self, obj) -> bool:
        return obj.user_id == obj.panel.chair_id


class PanelRoleSerializer(serializers.Serializer):
    is_member = serializers.BooleanField()
    is_chair = serializers.BooleanField()
    can_manage = serializers.BooleanField(help_text=_("Jury zusammenstellen und Anträge zuweisen (Sachbearbeitung)"))


class PanelListSerializer(ShapedReadMixin, ModelSerializer):
    reads = ("chair",)  # role
    call = PanelCallSerializer(read_only=True)
    chair = PersonSerializer(read_only=True, allow_null=True)
    n_members = serializers.IntegerField(read_only=True)
    role = serializers.SerializerMethodField(help_text=_("Ihre Rolle in dieser Jury"))

    class Meta:
        model = Panel
        fields = ["id", "call", "chair", "n_members", "role"]
        read_only_fields = fields

    @extend_schema_field(PanelRoleSerializer)
    def get_role(self, obj):
        user = self.context["request"].user
        return {"is_member": obj.is_member,  # annotated by the view's queryset
                "is_chair": obj.chair_id == user.pk,
                "can_manage": self.context["is_case_worker"]}


class PanelDetailSerializer(PanelListSerializer):
    members = PanelMemberSerializer(many=True, read_only=True)
    criteria = serializers.SerializerMethodField()
    total_threshold = decimal(2, allow_null=True)
    spread_threshold = decimal(2)
    tie_breaks = serializers.ListField(child=serializers.CharField(), read_only=True, help_text=_(
        'Reihenfolge bei Gleichstand: "criterion:<ID>", "joint_first", "lower_grant", "earlier_submission"'))

    class Meta(PanelListSerializer.Meta):
        fields = [*PanelListSerializer.Meta.fields, "min_scorers", "total_threshold", "spread_threshold",
                  "tie_breaks", "criteria", "members"]
        read_only_fields = fields

    @extend_schema_field(CriterionSerializer(many=True))
    def get_criteria(self, obj):
        return CriterionSerializer(obj.call.program.criteria.all(), many=True).data


class MemberInputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True),
                                              help_text=_("ID der Person mit der Rolle „Jurymitglied“"))


class PanelScopedMixin:
    """Fields that name a member of the panel in the context; a member of another panel is refused."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        panel = self.context.get("panel")  # absent while the schema is generated
        if panel is not None:
            self.fields["member"].queryset = PanelMember.objects.filter(panel=panel).select_related("panel", "user")


class AffiliationInputSerializer(RejectUnknownFieldsMixin, PanelScopedMixin, serializers.Serializer):
    member = serializers.PrimaryKeyRelatedField(queryset=PanelMember.objects.none(),
                                                help_text=_("ID des Jurymitglieds (nicht der Person)"))
    kind = serializers.ChoiceField(choices=AffiliationKind.choices)
    municipality = serializers.PrimaryKeyRelatedField(queryset=Municipality.objects.all(), required=False,
                                                      allow_null=True, default=None)
    organisation = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    function = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class AssignInputSerializer(RejectUnknownFieldsMixin, PanelScopedMixin, serializers.Serializer):
    member = serializers.PrimaryKeyRelatedField(queryset=PanelMember.objects.none(),
                                                help_text=_("ID des Jurymitglieds (nicht der Person)"))
    application = serializers.PrimaryKeyRelatedField(queryset=Application.objects.none(),
                                                     help_text=_("ID eines Antrags dieses Aufrufs"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        panel = self.context.get("panel")
        if panel is not None:
            self.fields["application"].queryset = Application.objects.filter(call_id=panel.call_id)


class AutoAssignInputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    per_application = serializers.IntegerField(
        min_value=1, max_value=50, required=False, allow_null=True, default=None,
        help_text=_("Bewertungen je Antrag; ohne Angabe die Mindestzahl der Jury"))


class AssignmentFilterSerializer(CaseSearchSerializer):
    """Query parameters of a member's own assignments (``selectors.narrow_assignments``, as the workspace)."""

    panel = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text=_("Nur diese Jury (ID)"))
    state = serializers.ChoiceField(required=False, choices=[
        (OPEN, _("offen: noch nicht abgegeben, die Bewertung der Jury läuft")), (SUBMITTED, _("abgegeben"))])


class PanelAssignmentFilterSerializer(CaseSearchSerializer):
    """Query parameters of a panel's assignment rows, as the panel's page filters its applications (``?mitglied=``,
    ``?q=``): one member's rows, the rows of the applications a text finds."""

    member = serializers.PrimaryKeyRelatedField(queryset=PanelMember.objects.none(), required=False,
                                                help_text=_("ID eines Mitglieds dieser Jury"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "panel" in self.context:  # (the schema describes it without one)
            self.fields["member"].queryset = PanelMember.objects.filter(panel=self.context["panel"])


class AutoAssignResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text=_("Neue Zuweisungen"))
    short = serializers.ListField(child=serializers.IntegerField(),
                                  help_text=_("IDs der Anträge, die nicht genug Bewertende bekommen konnten"))


class StartEvaluationResultSerializer(serializers.Serializer):
    started = serializers.IntegerField(help_text=_("Anträge, die in die Bewertung übernommen wurden"))


class WorkloadSerializer(ModelSerializer):
    user = PersonSerializer(read_only=True)
    n_assigned = serializers.IntegerField(read_only=True)
    n_done = serializers.IntegerField(read_only=True, help_text=_("Abgegebene Bewertungen"))
    n_excluded = serializers.IntegerField(read_only=True)

    class Meta:
        model = PanelMember
        fields = ["id", "user", "n_assigned", "n_done", "n_excluded"]
        read_only_fields = fields


# ---------------------------------------------------------------- assignments


@extend_schema_serializer(description=_(
    "Eine Ihnen zugewiesene Bewertung, mit dem Stand Ihrer Erklärung zur Befangenheit und Ihres "
    "Bewertungsbogens."))
class AssignmentSerializer(ShapedReadMixin, ModelSerializer):
    """A member's own assignment, with the state of the declaration and the score sheet."""

    reads = permission_reads("jury.score_application")  # `may_score`: declared beside the rule (jury/rules.py)

    panel = serializers.IntegerField(source="member.panel_id", read_only=True)
    application = ApplicationBriefSerializer(read_only=True)
    declaration_display = LabelField("declaration")
    sheet_state = serializers.CharField(source="sheet.state", read_only=True, allow_null=True, default=None,
                                        help_text=_("Ohne Bewertungsbogen leer"))
    submitted_at = serializers.DateTimeField(source="sheet.submitted_at", read_only=True, allow_null=True,
                                             default=None)
    may_score = serializers.SerializerMethodField(help_text=_("Ob Sie den Antrag sehen und bewerten können"))

    class Meta:
        model = Assignment
        fields = ["id", "panel", "application", "declaration", "declaration_display", "declared_at",
                  "assigned_at", "sheet_state", "submitted_at", "may_score"]
        read_only_fields = fields

    def get_may_score(self, obj) -> bool:
        return self.context["request"].user.has_perm("jury.score_application", obj)


@extend_schema_serializer(description=_(
    "Eine Zeile der Jury für die Sachbearbeitung: Zuweisung oder Ausschluss, mit Begründung."))
class StaffAssignmentSerializer(ShapedReadMixin, ModelSerializer):
    """Every row of a panel for the case workers: assignments and exclusions with their reasons."""

    member = serializers.IntegerField(source="member_id", read_only=True)
    member_name = serializers.CharField(source="member.user.display_name", read_only=True)
    application = serializers.IntegerField(source="application_id", read_only=True)
    case_number = serializers.CharField(source="application.case_number", read_only=True, allow_null=True)
    exclusion_kind = serializers.ChoiceField(choices=ExclusionKind.choices, allow_blank=True, read_only=True,
                                             help_text=_("leer, solange das Mitglied nicht ausgeschlossen ist"))
    exclusion_kind_display = LabelField("exclusion_kind")
    sheet = serializers.IntegerField(source="sheet.pk", read_only=True, allow_null=True, default=None,
                                     help_text=_("ID des Bewertungsbogens, falls vorhanden"))
    sheet_state = serializers.CharField(source="sheet.state", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Assignment
        fields = ["id", "member", "member_name", "application", "case_number", "assigned", "assigned_at",
                  "declaration", "declared_at", "excluded", "exclusion_kind", "exclusion_kind_display",
                  "exclusion_reason", "excluded_at", "sheet", "sheet_state"]
        read_only_fields = fields


class DeclareInputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    conflict = serializers.BooleanField(help_text=_("Ob Sie befangen sind (§ 21 HVwVfG)"))
    reason = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="",
                                   help_text=_("Pflicht bei Befangenheit"))


# ---------------------------------------------------------------- scores


class ScoreSerializer(ModelSerializer):
    criterion = serializers.IntegerField(source="criterion_id", read_only=True)
    value = decimal(1, allow_null=True)

    class Meta:
        model = Score
        fields = ["criterion", "value", "comment"]
        read_only_fields = fields


@extend_schema_serializer(description=_(
    "Ihr Bewertungsbogen: ein Eintrag je Kriterium des Programms (leer, solange nicht "
    "bewertet)."))
class OwnSheetSerializer(serializers.Serializer):
    """A member's own sheet: one entry per criterion of the program (empty where not yet scored)."""

    application = serializers.IntegerField()
    sheet = serializers.IntegerField(allow_null=True, help_text=_("ID des Bewertungsbogens, sobald gespeichert"))
    state = serializers.CharField(help_text=_("draft, submitted oder reopened"))
    submitted_at = serializers.DateTimeField(allow_null=True)
    final = serializers.BooleanField(help_text=_("Nach dem Schließen der Sitzung endgültig"))
    editable = serializers.BooleanField()
    criteria = CriterionSerializer(many=True)
    scores = ScoreSerializer(many=True)


class ScoreInputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    criterion = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    value = serializers.CharField(max_length=20, allow_null=True, allow_blank=True, help_text=_(
        'Punktzahl als Dezimalzeichenkette ("3.5"); leer lässt das Kriterium offen'))
    comment = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")


class ScoresInputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    scores = ScoreInputSerializer(many=True, max_length=200)

    def validate_scores(self, value):
        ids = [row["criterion"] for row in value]
        if len(ids) != len(set(ids)):
            raise serializers.ValidationError(_("Jedes Kriterium darf nur einmal vorkommen."))
        return value


class SubmitInputSerializer(ScoresInputSerializer):
    scores = ScoreInputSerializer(many=True, max_length=200, required=False, default=list)


@extend_schema_serializer(description=_(
    "Der Bewertungsbogen eines Mitglieds zu einem Antrag (für das Ministerium und die Jury)."))
class MemberSheetSerializer(ModelSerializer):
    """One member's sheet of an application (for staff and the panel)."""

    member = serializers.IntegerField(source="assignment.member_id", read_only=True)
    member_name = serializers.CharField(source="assignment.member.user.display_name", read_only=True)
    scores = ScoreSerializer(many=True, read_only=True)

    class Meta:
        model = ScoreSheet
        fields = ["id", "member", "member_name", "state", "submitted_at", "final", "scores"]
        read_only_fields = fields


class ReopenInputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=5000, allow_blank=True)


# ---------------------------------------------------------------- the application for scoring


@extend_schema_serializer(description=_(
    "Was ein Mitglied zum Bewerten braucht: Inhalt und Finanzierungsplan, keine "
    "personenbezogenen Daten der Mitarbeitenden."))
class ScoringApplicationSerializer(ModelSerializer):
    """What a member needs to score: the content and the financing plan, no personal data of staff."""

    lead = LeadSerializer(read_only=True)
    partners = MunicipalityBriefSerializer(many=True, read_only=True)
    topics = TopicBriefSerializer(many=True, read_only=True)
    cost_lines = CostLineSerializer(many=True, read_only=True)
    figures = serializers.SerializerMethodField()
    grant_amount = money()

    class Meta:
        model = Application
        fields = ["id", "case_number", "title", "lead", "partners", "topics", "summary", "objectives", "benefit",
                  "transferability", "start_date", "end_date", "submitted_at", "grant_amount", "figures",
                  "cost_lines"]
        read_only_fields = fields

    @extend_schema_field(FiguresSerializer)
    def get_figures(self, obj):
        return FiguresSerializer(figures_for(obj)).data


# ---------------------------------------------------------------- ranking


class MeanSerializer(serializers.Serializer):
    criterion = serializers.IntegerField()
    mean = decimal(4, allow_null=True)


class YearAmountSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    amount = money()


def year_amounts():
    """An amount per budget year (``{2027: Decimal(…)}``) as a list of ``{"year", "amount"}``, by year."""
    return MappingListField(child=YearAmountSerializer(), key="year", value="amount", sort=True)


class RankingRowSerializer(serializers.Serializer):
    position = serializers.IntegerField(allow_null=True, help_text=_("Leer unterhalb der Schwellen"))
    application = serializers.IntegerField(source="application.pk")
    case_number = serializers.CharField(source="application.case_number", allow_null=True)
    title = serializers.CharField(source="application.title")
    lead = MunicipalityBriefSerializer(source="application.lead")
    joint = serializers.BooleanField(help_text=_("Gemeinschaftsvorhaben"))
    n_scores = serializers.IntegerField(help_text=_("Abgegebene, gültige Bewertungen"))
    too_few = serializers.BooleanField(help_text=_("Weniger Bewertungen als die Mindestzahl der Jury"))
    means = MappingListField(child=MeanSerializer(), key="criterion", value="mean")
    total = decimal(4, allow_null=True)
    spread = decimal(4, allow_null=True)
    disagreement = serializers.BooleanField(help_text=_("Große Abweichung: in der Sitzung besprechen"))
    failed = serializers.ListField(child=serializers.CharField(), help_text=_("Verfehlte Schwellen"))
    grant = money()
    grant_by_year = year_amounts()
    outcome = serializers.ChoiceField(source="final_outcome", choices=DecisionOutcome.choices, help_text=_(
        "Die festgehaltene Entscheidung der Jury (nach dem Schließen der Sitzung), sonst das berechnete Ergebnis"))
    computed_outcome = serializers.ChoiceField(source="outcome", choices=DecisionOutcome.choices,
                                               help_text=_("Das berechnete Ergebnis der Liste"))
    decided = serializers.SerializerMethodField(help_text=_("Ob die Jury über den Antrag entschieden hat"))
    justification = serializers.CharField(help_text=_("Begründung einer Abweichung von der berechneten Liste"))
    tie_break = serializers.CharField(help_text=_("Wodurch ein Gleichstand mit dem Platz davor gelöst wurde"))
    budget_left = money(allow_null=True)
    years_left = year_amounts()
    explanation = serializers.CharField()

    def get_decided(self, obj) -> bool:
        return obj.decision is not None


class RankingSerializer(serializers.Serializer):
    panel = serializers.IntegerField(source="panel.pk")
    call = serializers.IntegerField(source="call.pk")
    what_if = serializers.BooleanField(help_text=_("Ob mit einem anderen Budget gerechnet wurde (nichts gespeichert)"))
    budget = money()
    committed = money(help_text=_("Summe der Zuwendungen der empfohlenen Anträge (dieser Liste)"))
    session = serializers.IntegerField(source="session.pk", allow_null=True, default=None, help_text=_(
        "Die geschlossene Sitzung, deren festgehaltenes Ergebnis die Liste zeigt (sonst leer: die laufende Liste)"))
    year_budgets = year_amounts()
    criteria = CriterionSerializer(many=True)
    rows = RankingRowSerializer(many=True, help_text=_("Eine Seite der Zeilen (Parameter page)"))


class RankingCutoffSerializer(serializers.Serializer):
    position = serializers.IntegerField(allow_null=True, help_text=_("Platz der letzten empfohlenen Zeile"))
    application = serializers.IntegerField(help_text=_("Antrag der letzten empfohlenen Zeile"))
    case_number = serializers.CharField(allow_null=True)
    page = serializers.IntegerField(help_text=_("Seite der Liste (Parameter page), auf der die Budgetgrenze liegt"))


@extend_schema_serializer(description=_("Die Rangliste mit einer Seite ihrer Zeilen („page“, wie jede Liste der API)."))
class RankingPageSerializer(RankingSerializer):
    """The ranking with one page of its rows (`page`, like every list of the API)."""

    count = serializers.IntegerField(help_text=_("Zeilen der ganzen Liste"))
    next = serializers.URLField(allow_null=True, help_text=_("Die nächste Seite der Zeilen"))
    previous = serializers.URLField(allow_null=True, help_text=_("Die vorige Seite der Zeilen"))
    cutoff = RankingCutoffSerializer(allow_null=True, help_text=_(
        "Die Budgetgrenze: unter dieser Zeile reicht das Budget nicht mehr (leer, wenn nichts empfohlen ist)"))


class RankingQuerySerializer(CaseSearchSerializer):
    budget = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False, help_text=_(
        'Was-wäre-wenn mit einem anderen Gesamtbudget (nur Ministerium), z. B. "12000000.00"; '
        "die Tranchen der Haushaltsjahre werden anteilig angepasst. Es wird nichts gespeichert."))


# ---------------------------------------------------------------- session


class SessionOpenSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    held_on = serializers.DateField(help_text=_("Sitzungstag"))


class DecisionSerializer(ShapedReadMixin, ModelSerializer):
    reads = ("outcome", "computed")  # deviates
    case_number = serializers.CharField(source="application.case_number", read_only=True, allow_null=True)
    decided_by = serializers.CharField(source="decided_by.display_name", read_only=True)
    deviates = serializers.SerializerMethodField()

    class Meta:
        model = Decision
        fields = ["id", "application", "case_number", "computed", "outcome", "deviates", "justification",
                  "decided_by", "decided_at"]
        read_only_fields = fields

    def get_deviates(self, obj) -> bool:
        return obj.outcome != obj.computed


class SessionDocumentSerializer(ModelSerializer):
    kind_display = LabelField("kind")
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = SessionDocument
        fields = ["kind", "kind_display", "sha256", "created_at", "download_url"]
        read_only_fields = fields

    def get_download_url(self, obj) -> str:
        return reverse("api-jury-session-document", request=self.context.get("request"),
                       kwargs={"pk": obj.session_id, "kind": obj.kind})


class SessionSerializer(ModelSerializer):
    closed_by = serializers.CharField(source="closed_by.display_name", read_only=True, allow_null=True,
                                      default=None)
    decisions_count = serializers.SerializerMethodField(help_text=_("Festgehaltene Entscheidungen, die Sie sehen"))
    decisions_url = serializers.SerializerMethodField(help_text=_(
        "Die Entscheidungen der Sitzung, seitenweise (GET auf diese Adresse)"))
    documents = serializers.SerializerMethodField(help_text=_(
        "Leer für Mitglieder, die von einem der Anträge ausgeschlossen sind (die Dokumente zeigen alle Anträge)"))

    class Meta:
        model = Session
        fields = ["id", "panel", "state", "held_on", "opened_at", "closed_at", "closed_by", "notes",
                  "decisions_count", "decisions_url", "documents"]
        read_only_fields = fields

    def get_decisions_count(self, obj) -> int:
        hidden = self.context.get("hidden_application_ids", set())
        return obj.decisions.exclude(application_id__in=hidden).count()

    def get_decisions_url(self, obj) -> str:
        return reverse("api-jury-session-decisions", request=self.context.get("request"), kwargs={"pk": obj.pk})

    @extend_schema_field(SessionDocumentSerializer(many=True))
    def get_documents(self, obj):
        if not self.context.get("may_download"):
            return []
        return SessionDocumentSerializer(obj.documents.all(), many=True, context=self.context).data


class SessionListSerializer(ModelSerializer):
    class Meta:
        model = Session
        fields = ["id", "panel", "state", "held_on", "opened_at", "closed_at"]
        read_only_fields = fields


class DecisionInputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    application = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    outcome = serializers.ChoiceField(choices=DecisionOutcome.choices)
    justification = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="", help_text=_(
        "Pflicht, wenn die Entscheidung von der berechneten Liste abweicht"))


class CloseInputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    notes = serializers.CharField(max_length=20000, required=False, allow_blank=True, default="")
