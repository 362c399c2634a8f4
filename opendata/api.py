"""The open data as API: /api/v1/open-data/projects/ (anonymous, read-only, paginated like every list).

The same projects and the same JSON shape per project as /offene-daten/gefoerderte-projekte.json
(opendata/formats.py:project_json): a key the project's program does not publish is absent.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import AllowAny

from . import formats, selectors


class PlaceSerializer(serializers.Serializer):
    name = serializers.CharField()
    official_key = serializers.CharField(help_text=_("AGS (8 Ziffern) bzw. Kreisschlüssel (5 Ziffern)"))


@extend_schema_serializer(description=_(
    "Ein gefördertes Projekt; Felder, die sein Programm nicht veröffentlicht, fehlen."))
class OpenDataProjectSerializer(serializers.Serializer):
    """Documents the shape only: the answer is formats.project_json; keys the program keeps back are absent."""

    case_number = serializers.CharField(required=False)
    title = serializers.CharField(required=False)
    program = serializers.CharField()
    lead = PlaceSerializer(required=False)
    partners = PlaceSerializer(many=True, required=False)
    landkreis = PlaceSerializer(required=False, allow_null=True,
                                help_text=_("null bei kreisfreien Städten und Sonderstatusstädten ohne Landkreis"))
    topics = serializers.ListField(child=serializers.CharField(), required=False)
    grant_amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, coerce_to_string=True)
    eligible_costs = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, coerce_to_string=True)
    project_start = serializers.DateField(required=False)
    project_end = serializers.DateField(required=False)
    status = serializers.CharField(required=False)
    status_label = serializers.CharField(required=False, help_text=_("Status in deutschen Worten"))


class FilterSerializer(serializers.Serializer):
    topic = serializers.IntegerField(required=False, min_value=1)
    landkreis = serializers.RegexField(r"^06[456][0-9]{2}([0-9]{3})?$", required=False,
                                       error_messages={"invalid": _("Bitte geben Sie den Kreisschlüssel (5 Ziffern) "
                                                                    "oder den Schlüssel einer kreisfreien Stadt "
                                                                    "(8 Ziffern) an.")})


@extend_schema_view(list=extend_schema(
    summary=_("Geförderte Projekte (offene Daten)"),
    description=_("Projekte mit bestandskräftiger Zuwendung; ohne Anmeldung lesbar. Lizenz: Datenlizenz "
                  "Deutschland – Namensnennung 2.0."),
    parameters=[OpenApiParameter("topic", int, description=_("Themenbereich (ID)")),
                OpenApiParameter("landkreis", str, description=_(
                    "Kreisschlüssel, z. B. 06535, oder AGS einer kreisfreien Stadt, z. B. 06611000"))],
    auth=[]))
class OpenDataProjectViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = [AllowAny]
    serializer_class = OpenDataProjectSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no database needed
            from payments.models import Grant

            return Grant.objects.none()
        filters = FilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.published_projects(**filters.validated_data, language="de")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([formats.project_json(p) for p in page])
