from allauth.socialaccount.models import SocialApp
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.response import Response
from rest_framework.settings import api_settings

from foundation.api import LabelField, ModelSerializer, ShapedReadMixin, validated_input
from foundation.params import SEARCH_MAX_LENGTH

from . import services
from .enums import TrustLevel
from .models import Membership, Municipality
from .rules import is_case_worker, is_staff_member
from .selectors import (
    approved_municipality_ids,
    memberships_of,
    municipalities_for_choice,
    pending_memberships,
)

# ------------------------------------------------------------- permissions shared by all API apps


class IsCaseWorker(BasePermission):
    message = _("Nur die Sachbearbeitung darf diesen Schritt ausführen.")

    def has_permission(self, request, view):
        return bool(is_case_worker(request.user))


class IsStaffMember(BasePermission):
    message = _("Dieser Bereich ist den Mitarbeitenden des Ministeriums vorbehalten.")

    def has_permission(self, request, view):
        return bool(is_staff_member(request.user))


def permission_of(predicate, message):
    """A DRF permission that lets pass whom the rules predicate `predicate` (of the user alone) lets pass, refusing
    with `message`. Asked before the action runs, and by the API schema, which describes an operation only to
    those its permissions let use it (accounts/schema.py)."""

    class Allowed(BasePermission):
        def has_permission(self, request, view):
            return bool(predicate(request.user))

    Allowed.message = message
    return Allowed


def with_defaults(*extra):
    """The default permissions (login; TOTP for staff; the key's scope; see REST_FRAMEWORK) plus the given ones."""
    return [*api_settings.DEFAULT_PERMISSION_CLASSES, *extra]


# ---------------------------------------------------------------- serializers (shape data only)


class MunicipalitySerializer(ShapedReadMixin, ModelSerializer):
    reads = ()  # is_member: the id
    landkreis_name = serializers.CharField(source="landkreis.name", default=None, read_only=True, allow_null=True)
    is_member = serializers.SerializerMethodField(
        help_text=_("Ob Sie als bestätigtes Mitglied für diese Kommune handeln.")
    )

    class Meta:
        model = Municipality
        fields = [
            "id",
            "name",
            "kind",
            "official_key",
            "regional_key",
            "landkreis",
            "landkreis_name",
            "is_member",
        ]
        read_only_fields = fields

    def get_is_member(self, obj) -> bool:
        return obj.pk in approved_municipality_ids(self.context["request"].user)


class MunicipalityBriefSerializer(ModelSerializer):
    class Meta:
        model = Municipality
        fields = ["id", "name", "kind", "official_key"]
        read_only_fields = fields


class MembershipSerializer(ShapedReadMixin, ModelSerializer):
    municipality = MunicipalityBriefSerializer(read_only=True)
    state_display = LabelField("state")

    class Meta:
        model = Membership
        fields = [
            "id",
            "municipality",
            "state",
            "state_display",
            "function",
            "requested_at",
            "decided_at",
            "reason",
        ]
        read_only_fields = fields


class MembershipRequestSerializer(serializers.Serializer):
    municipality = serializers.PrimaryKeyRelatedField(queryset=Municipality.objects.all())
    function = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ApplicantSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(read_only=True)
    name = serializers.CharField(source="display_name", read_only=True)


class MembershipReviewSerializer(MembershipSerializer):
    user = ApplicantSerializer(read_only=True)

    class Meta(MembershipSerializer.Meta):
        fields = [*MembershipSerializer.Meta.fields, "user"]
        read_only_fields = fields


class RefuseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, allow_blank=True)


# ---------------------------------------------------------------- viewsets


class MunicipalityFilterSerializer(serializers.Serializer):
    search = serializers.CharField(required=False, max_length=SEARCH_MAX_LENGTH,
                                   help_text=_("Teil des Namens oder Anfang des amtlichen Schlüssels"))
    mine = serializers.BooleanField(required=False, default=False,
                                    help_text=_("Nur Kommunen, für die Sie bestätigt sind"))


@extend_schema_view(
    list=extend_schema(
        summary=_("Kommunen"),
        description=_("Aktive Kommunen (für Mitgliedschaftsanfragen und Partnerkommunen)."),
        parameters=[MunicipalityFilterSerializer],
    ),
    retrieve=extend_schema(summary=_("Eine Kommune")),
)
class MunicipalityViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = MunicipalitySerializer
    queryset = Municipality.objects.none()
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        qs = municipalities_for_choice()
        if self.action != "list":
            return qs
        f = validated_input(MunicipalityFilterSerializer, self.request.query_params)
        if f.get("mine"):
            qs = qs.filter(pk__in=approved_municipality_ids(self.request.user))
        search = f.get("search", "").strip()
        if search:
            qs = qs.filter(Q(name__icontains=search) | Q(official_key__startswith=search))
        return MunicipalitySerializer.shaped(qs)


@extend_schema_view(
    list=extend_schema(
        summary=_("Ihre Mitgliedschaften"),
        description=_("Ihre Kommunen mit dem Stand der Mitgliedschaft."),
    ),
    retrieve=extend_schema(summary=_("Eine Ihrer Mitgliedschaften")),
    create=extend_schema(
        summary=_("Mitgliedschaft beantragen"),
        description=_(
            "Bittet darum, für eine Kommune handeln zu dürfen. Eine offene oder bestätigte "
            "Mitgliedschaft wird unverändert zurückgegeben."
        ),
        request=MembershipRequestSerializer,
        responses={201: MembershipSerializer},
    ),
)
class MembershipViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = MembershipSerializer
    queryset = Membership.objects.none()
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        memberships = memberships_of(self.request.user)
        return MembershipSerializer.shaped(memberships) if self.action == "list" else memberships

    def create(self, request, *args, **kwargs):
        payload = MembershipRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        membership = services.request_membership(
            user=request.user,
            municipality=payload.validated_data["municipality"],
            function=payload.validated_data["function"],
        )
        return Response(
            MembershipSerializer(membership, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


class MembershipSearchSerializer(serializers.Serializer):
    search = serializers.CharField(required=False, max_length=SEARCH_MAX_LENGTH, help_text=_(
        "Jedes Wort in Vorname, Nachname oder E-Mail-Adresse der Person oder im Namen der Kommune"))


@extend_schema_view(
    list=extend_schema(
        summary=_("Offene Mitgliedschaftsanfragen"),
        description=_("Für die Sachbearbeitung: Anfragen, über die noch zu entscheiden ist, die ältesten zuerst; mit "
                      "„search“ nur die, deren Person oder Kommune jedes Wort des Texts enthält."),
        parameters=[MembershipSearchSerializer],
    ),
    retrieve=extend_schema(summary=_("Eine Mitgliedschaftsanfrage")),
)
class MembershipReviewViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = MembershipReviewSerializer
    permission_classes = with_defaults(IsCaseWorker)
    queryset = Membership.objects.none()
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        if self.action != "list":
            return pending_memberships()
        search = validated_input(MembershipSearchSerializer, self.request.query_params).get("search", "")
        return MembershipReviewSerializer.shaped(pending_memberships(q=search))

    def _decided(self, membership):
        return Response(
            MembershipReviewSerializer(membership, context=self.get_serializer_context()).data
        )

    def _membership_id(self):
        # Decisions look at every membership, so that a second decision gets a clear message.
        return get_object_or_404(Membership.objects.only("pk"), pk=self.kwargs["pk"]).pk

    @extend_schema(
        summary=_("Mitgliedschaft bestätigen"),
        request=None,
        responses={200: MembershipReviewSerializer},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decided(
            services.approve_membership(actor=request.user, membership_id=self._membership_id())
        )

    @extend_schema(
        summary=_("Mitgliedschaft ablehnen"),
        request=RefuseSerializer,
        responses={200: MembershipReviewSerializer},
    )
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        payload = RefuseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._decided(
            services.refuse_membership(
                actor=request.user,
                membership_id=self._membership_id(),
                reason=payload.validated_data["reason"],
            )
        )


# ---------------------------------------------------------------- identity providers and the own account


class IdentityProviderSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["bundid", "unternehmenskonto", "saml", "openid_connect"],
        help_text=_("bundid, unternehmenskonto, saml (ein anderer SAML-Anbieter) oder openid_connect"))
    name = serializers.CharField(help_text=_("Anzeigename, z. B. BundID"))
    login_url = serializers.CharField(help_text=_("Anmeldung beginnen: POST (mit CSRF-Token) an diese Adresse"))
    metadata_url = serializers.CharField(
        allow_blank=True, help_text=_("SAML: die Metadaten des Portals für den Anbieter; leer bei OpenID Connect"))


@extend_schema_view(list=extend_schema(
    summary=_("Identitätsanbieter"),
    description=_("Die eingerichteten Anmeldewege neben E-Mail und Passwort (BundID, Mein Unternehmenskonto, "
                  "Personalverzeichnis); ohne Anmeldung lesbar."),
    auth=[]))
class IdentityProviderViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = [AllowAny]
    serializer_class = IdentityProviderSerializer
    queryset = SocialApp.objects.none()  # for the schema; the list is accounts.identity.configured_providers

    def get_queryset(self):
        from .identity import configured_providers

        if getattr(self, "swagger_fake_view", False):
            return SocialApp.objects.none()
        return configured_providers(self.request._request)


class LinkedIdentitySerializer(serializers.Serializer):
    provider = serializers.CharField(help_text=_("Kennung des Anbieters, z. B. bundid"))
    name = serializers.CharField(help_text=_("Anzeigename des Anbieters"))
    linked_at = serializers.DateTimeField()
    last_login = serializers.DateTimeField()


class AccountSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField(source="display_name")
    roles = serializers.ListField(child=serializers.CharField(), source="sorted_roles")
    trust_level = serializers.ChoiceField(
        choices=TrustLevel.choices, allow_null=True,
        help_text=_("Vertrauensniveau der aktuellen Anmeldung; null bei E-Mail und Passwort oder API-Schlüssel"))
    identities = LinkedIdentitySerializer(many=True)


@extend_schema(summary=_("Ihr Konto"), responses={200: AccountSerializer},
               description=_("Ihr Benutzerkonto: Rollen, Vertrauensniveau der aktuellen Anmeldung und die "
                             "verknüpften Identitäten (BundID, Mein Unternehmenskonto, Personalverzeichnis)."))
class AccountView(generics.GenericAPIView):
    serializer_class = AccountSerializer

    def get_permissions(self):
        return [permission() for permission in with_defaults()]

    def get(self, request):
        from .selectors import linked_identities
        from .trust import session_trust_level

        user = request.user
        data = {"id": user.pk, "email": user.email, "display_name": user.display_name,
                "sorted_roles": sorted(user.role_names), "trust_level": session_trust_level(request),
                "identities": linked_identities(user, request=request._request)}
        return Response(AccountSerializer(data).data)
