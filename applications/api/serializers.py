"""Serializers of the applications API: they parse input and shape output, nothing more.

Every rule (what may change when, which amounts are valid, which dates fit the program) lives in
applications.services; amounts are therefore read as text and handed to the service unchanged.
Money is written as a decimal string with two places ("1234.56").
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers
from rest_framework.reverse import reverse

from accounts.api import MunicipalityBriefSerializer
from accounts.models import Municipality
from accounts.selectors import approved_municipality_ids
from audit.models import AuditEntry
from foundation.api import (
    MAX_ID,
    AmountField,
    LabelField,
    ModelSerializer,
    RejectUnknownFieldsMixin,
    ShapedReadMixin,
    money,
)
from foundation.params import SEARCH_MAX_LENGTH
from grants.models import Call, Topic

from .. import rules as app_rules
from ..enums import ApplicationState, AttachmentKind, CostCategory
from ..financing import figures_for
from ..models import Application, Attachment, CostLine, Receipt, ThirdPartyFunding
from ..selectors import STAFF_SORTS

# ---------------------------------------------------------------- small building blocks


class TopicBriefSerializer(ModelSerializer):
    class Meta:
        model = Topic
        fields = ["id", "number", "name"]
        read_only_fields = fields


class CallBriefSerializer(ModelSerializer):
    class Meta:
        model = Call
        fields = ["id", "title", "closes_at"]
        read_only_fields = fields


class LeadSerializer(MunicipalityBriefSerializer):
    landkreis_name = serializers.CharField(source="landkreis.name", default=None, read_only=True, allow_null=True)

    class Meta(MunicipalityBriefSerializer.Meta):
        fields = [*MunicipalityBriefSerializer.Meta.fields, "landkreis_name"]
        read_only_fields = fields


class CostLineSerializer(ModelSerializer):
    category_display = LabelField("category")
    amount = money()

    class Meta:
        model = CostLine
        fields = [
            "position",
            "category",
            "category_display",
            "description",
            "budget_year",
            "amount",
            "eligible",
        ]
        read_only_fields = fields


class ThirdPartySerializer(ModelSerializer):
    amount = money()

    class Meta:
        model = ThirdPartyFunding
        fields = ["source", "amount"]
        read_only_fields = fields


class AttachmentSerializer(ModelSerializer):
    kind_display = LabelField("kind")
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id",
            "kind",
            "kind_display",
            "original_name",
            "size",
            "sha256",
            "uploaded_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, obj) -> str:
        return reverse(
            "api-application-attachment",
            request=self.context.get("request"),
            kwargs={"pk": obj.application_id, "attachment_id": obj.pk},
        )


class ReceiptSerializer(ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Receipt
        fields = ["version", "created_at", "sha256", "download_url"]
        read_only_fields = fields

    def get_download_url(self, obj) -> str:
        return reverse(
            "api-application-receipt",
            request=self.context.get("request"),
            kwargs={"pk": obj.application_id, "version": obj.version},
        )


class YearFiguresSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    total = money()
    eligible = money()


@extend_schema_serializer(description=_("Der berechnete Finanzierungsplan; die Zuwendung ist auf den Cent abgerundet."))
class FiguresSerializer(serializers.Serializer):
    """The financing plan computed by applications.financing (grant rounded down to the cent)."""

    total_costs = money()
    eligible_costs = money()
    third_party_funds = money()
    grant = money(
        help_text=_(
            "Beantragte Zuwendung: Fördersatz × zuwendungsfähige Ausgaben, "
            "höchstens die Höchstzuwendung"
        )
    )
    own_share = money()
    own_share_percent = serializers.DecimalField(max_digits=None, decimal_places=1, read_only=True)
    capped = serializers.BooleanField(read_only=True)
    by_year = serializers.SerializerMethodField()
    errors = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text=_("Was eine Einreichung verhindert"),
    )
    notes = serializers.ListField(child=serializers.CharField(), read_only=True)

    @extend_schema_field(YearFiguresSerializer(many=True))
    def get_by_year(self, obj):
        return YearFiguresSerializer(
            [{"year": year, **row} for year, row in obj.by_year.items()], many=True
        ).data


class PermissionsSerializer(serializers.Serializer):
    can_edit = serializers.BooleanField(help_text=_("Bearbeiten, Anlagen, Einreichen, Nachreichen"))
    can_withdraw = serializers.BooleanField()
    can_check = serializers.BooleanField(help_text=_("Formalprüfung (Sachbearbeitung)"))
    can_download_receipt = serializers.BooleanField()


@extend_schema_serializer(description=_(
    "Ein Eintrag im Verlauf eines Antrags, mit dem deutschen Wortlaut neben den Codes."))
class TimelineEntrySerializer(ModelSerializer):
    """One audit entry, with the German wording of audit.labels next to the codes."""

    actor_name = serializers.CharField(source="actor.display_name", default=None, read_only=True, allow_null=True)
    action_label = serializers.CharField(read_only=True)
    from_state_display = serializers.CharField(source="from_state_label", read_only=True)
    to_state_display = serializers.CharField(source="to_state_label", read_only=True)

    class Meta:
        model = AuditEntry
        fields = [
            "at",
            "action",
            "action_label",
            "actor_name",
            "from_state",
            "from_state_display",
            "to_state",
            "to_state_display",
            "reason",
            "data",
        ]
        read_only_fields = fields


# ---------------------------------------------------------------- applications (output)


class ApplicationListSerializer(ShapedReadMixin, ModelSerializer):
    reads = ("lead",)  # is_lead
    call = CallBriefSerializer(read_only=True)
    lead = MunicipalityBriefSerializer(read_only=True)
    state_display = LabelField("state")
    is_lead = serializers.SerializerMethodField(
        help_text=_(
            "Ob Sie für die antragstellende Kommune handeln (sonst für eine Partnerkommune)."
        )
    )
    total_costs = money()
    eligible_costs = money()
    third_party_funds = money()
    grant_amount = money()
    own_share = money()

    class Meta:
        model = Application
        fields = [
            "id",
            "case_number",
            "title",
            "call",
            "lead",
            "is_lead",
            "state",
            "state_display",
            "submitted_at",
            "updated_at",
            "total_costs",
            "eligible_costs",
            "third_party_funds",
            "grant_amount",
            "own_share",
        ]
        read_only_fields = fields

    def get_is_lead(self, obj) -> bool:
        return obj.lead_id in approved_municipality_ids(self.context["request"].user)


class ApplicationDetailSerializer(ApplicationListSerializer):
    lead = LeadSerializer(read_only=True)
    partners = MunicipalityBriefSerializer(many=True, read_only=True)
    topics = TopicBriefSerializer(many=True, read_only=True)
    is_joint = serializers.SerializerMethodField()
    cost_lines = CostLineSerializer(many=True, read_only=True)
    third_party = ThirdPartySerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    receipts = ReceiptSerializer(many=True, read_only=True)
    figures = serializers.SerializerMethodField()
    submission_problems = serializers.SerializerMethodField(
        help_text=_(
            "Was einer Einreichung noch im Weg steht (nur im Entwurf und bei Nachforderung)."
        )
    )
    permissions = serializers.SerializerMethodField()

    class Meta(ApplicationListSerializer.Meta):
        fields = [
            *ApplicationListSerializer.Meta.fields,
            "summary",
            "objectives",
            "benefit",
            "transferability",
            "start_date",
            "end_date",
            "declaration_not_started",
            "declaration_own_share",
            "partners",
            "topics",
            "is_joint",
            "revision_reason",
            "revision_deadline",
            "decision_reason",
            "created_at",
            "figures",
            "cost_lines",
            "third_party",
            "attachments",
            "receipts",
            "submission_problems",
            "permissions",
        ]
        read_only_fields = fields

    def get_is_joint(self, obj) -> bool:
        return len(obj.partners.all()) > 0

    @extend_schema_field(FiguresSerializer)
    def get_figures(self, obj):
        return FiguresSerializer(figures_for(obj)).data

    def get_submission_problems(self, obj) -> list[str]:
        from ..services import submission_problems

        if obj.state not in (ApplicationState.DRAFT, ApplicationState.RETURNED):
            return []
        return [str(p) for p in submission_problems(obj)]

    @extend_schema_field(PermissionsSerializer)
    def get_permissions(self, obj):
        user = self.context["request"].user
        return {
            "can_edit": bool(app_rules.may_edit(user, obj)),
            "can_withdraw": bool(app_rules.may_withdraw(user, obj)),
            "can_check": bool(app_rules.may_check(user, obj)),
            "can_download_receipt": bool(app_rules.may_download_receipt(user, obj)),
        }


class StaffApplicationSerializer(ShapedReadMixin, ModelSerializer):
    lead = LeadSerializer(read_only=True)
    topics = TopicBriefSerializer(many=True, read_only=True)
    n_partners = serializers.IntegerField(read_only=True)
    state_display = LabelField("state")
    total_costs = money()
    eligible_costs = money()
    grant_amount = money()
    own_share = money()

    class Meta:
        model = Application
        fields = [
            "id",
            "case_number",
            "title",
            "lead",
            "n_partners",
            "topics",
            "state",
            "state_display",
            "submitted_at",
            "revision_deadline",
            "total_costs",
            "eligible_costs",
            "grant_amount",
            "own_share",
        ]
        read_only_fields = fields


# ---------------------------------------------------------------- applications (input)


class ApplicationCreateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    call = serializers.PrimaryKeyRelatedField(queryset=Call.objects.all())
    lead = serializers.PrimaryKeyRelatedField(
        queryset=Municipality.objects.all(), help_text=_("Die antragstellende Kommune")
    )
    title = serializers.CharField(max_length=300, allow_blank=True)


class CostLineInputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    category = serializers.ChoiceField(choices=CostCategory.choices)
    description = serializers.CharField(max_length=300, allow_blank=True)
    budget_year = serializers.IntegerField()
    amount = AmountField()
    eligible = serializers.BooleanField(default=True)


class ThirdPartyInputSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    source = serializers.CharField(max_length=300, allow_blank=True)
    amount = AmountField()


def _ids(**kwargs):
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=500,
        **kwargs,
    )


@extend_schema_serializer(description=_(
    "Nur die gesendeten Felder ändern sich; eine gesendete Liste ersetzt die ganze Liste "
    "(Ausgabenpositionen, Partnerkommunen)."))
class ApplicationUpdateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """Only the keys sent change; a list sent replaces the whole list (cost lines, partners)."""

    TEXT_FIELDS = ("title", *Application.PROPOSAL_TEXTS)
    PLAIN_FIELDS = (
        *TEXT_FIELDS,
        "start_date",
        "end_date",
        "declaration_not_started",
        "declaration_own_share",
    )

    title = serializers.CharField(max_length=300, allow_blank=True, required=False)
    summary = serializers.CharField(allow_blank=True, required=False, max_length=20000)
    objectives = serializers.CharField(allow_blank=True, required=False, max_length=20000)
    benefit = serializers.CharField(allow_blank=True, required=False, max_length=20000)
    transferability = serializers.CharField(allow_blank=True, required=False, max_length=20000)
    start_date = serializers.DateField(required=False, allow_null=True)
    end_date = serializers.DateField(required=False, allow_null=True)
    declaration_not_started = serializers.BooleanField(required=False)
    declaration_own_share = serializers.BooleanField(required=False)
    topics = _ids(help_text=_("IDs der Themenbereiche des Programms"))
    partners = _ids(help_text=_("IDs der Partnerkommunen"))
    cost_lines = CostLineInputSerializer(many=True, required=False, max_length=500)
    third_party = ThirdPartyInputSerializer(many=True, required=False, max_length=100)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(_("Die Anfrage enthält keine Änderungen."))
        return attrs


class AttachmentUploadSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    kind = serializers.ChoiceField(choices=AttachmentKind.choices)
    # Empty files, size and content (a real PDF) are checked by the service.
    file = serializers.FileField(allow_empty_file=True, use_url=False)


class WithdrawSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


def _confirmed_field():
    return serializers.ListField(
        child=serializers.CharField(max_length=50), max_length=20, required=False, default=list,
        help_text=_("Schlüssel der Prüflistenpunkte, die eine Beurteilung brauchen und bestätigt sind "
                    "(siehe …/checklist/). Für „formal zulässig“ müssen alle bestätigt sein."))


class ReturnForRevisionSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=5000, allow_blank=True)
    deadline = serializers.DateField()
    confirmed = _confirmed_field()


class EligibilityDecisionSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    eligible = serializers.BooleanField()
    reason = serializers.CharField(max_length=5000, allow_blank=True, required=False, default="")
    confirmed = _confirmed_field()


class CheckItemSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    manual = serializers.BooleanField(help_text=_("Braucht die Beurteilung der Sachbearbeitung (bestätigen)."))
    ok = serializers.BooleanField(allow_null=True, help_text=_("Ergebnis eines berechneten Punkts; leer bei "
                                                              "Punkten, die eine Beurteilung brauchen."))
    reason = serializers.CharField(allow_blank=True)


class CaseSearchSerializer(serializers.Serializer):
    """The search of every API list of cases, as ``forms.CaseSearchForm`` is the pages': ``search``, matched by
    ``selectors.search_applications``. The lists' query-parameter serializers extend it."""

    search = serializers.CharField(
        required=False, max_length=SEARCH_MAX_LENGTH,
        help_text=_("Teil von Aktenzeichen, Titel oder Namen der federführenden Kommune"),
    )


class ApplicantFilterSerializer(CaseSearchSerializer):
    """Query parameters of a municipality's own list (``selectors.applications_for_user``, as its page)."""

    state = serializers.ChoiceField(choices=ApplicationState.choices, required=False)


class StaffFilterSerializer(CaseSearchSerializer):
    """Query parameters of the case workers' list of one call."""

    call = serializers.PrimaryKeyRelatedField(
        queryset=Call.objects.all(), help_text=_("ID des Aufrufs")
    )
    state = serializers.ChoiceField(
        choices=[c for c in ApplicationState.choices if c[0] != ApplicationState.DRAFT],
        required=False,
    )
    topic = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text=_("ID des Themenbereichs")
    )
    landkreis = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text=_("ID eines Landkreises oder einer kreisfreien Stadt"),
    )
    joint = serializers.ChoiceField(
        choices=[("joint", _("Gemeinschaftsvorhaben")), ("single", _("Einzelvorhaben"))],
        required=False,
    )
    ordering = serializers.ChoiceField(choices=STAFF_SORTS, required=False)
