"""Endpoints of the jury: each parses input, calls one service or selector, shapes the result.

Who may act is checked here (403 for a role that may never do it; 404 where the caller must not
even learn that the object exists) and again in the service; when (the state) is the service's
business (400 with {"detail", "field"}). A member excluded from an application (§§ 20, 21 HVwVfG)
gets 404 on the application, on its scores and sheets, and its row is left out of the ranking and
of the session's decisions.
"""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Value
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts.api import IsCaseWorker, with_defaults
from accounts.rules import is_staff_member
from applications.enums import EVALUATION_STATES
from applications.models import Application
from applications.selectors import search_by_application, without_proposal_texts
from foundation.api import validated_input as _parse
from foundation.files import private_file_response
from foundation.paging import page_number_of
from grants.models import Criterion
from jury.documents import CONTENT_TYPES

from .. import selectors, services
from ..enums import Declaration, SheetState
from ..models import Assignment, Panel, PanelMember, Score, ScoreSheet, Session, SessionDocument
from ..rules import hidden_application_ids
from . import serializers as s

KIND = OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=SessionDocument.Kind.values,
                        description=_("Art des Sitzungsdokuments"))


# ---------------------------------------------------------------- scoping (a guessed id gives 404)


def _deny(message):
    raise PermissionDenied(message)


# ---------------------------------------------------------------- panels


@extend_schema_view(
    list=extend_schema(summary=_("Jurys"), description=_(
        "Die Jurys, in denen Sie Mitglied oder Vorsitz sind; für das Ministerium alle.")),
    retrieve=extend_schema(summary=_("Eine Jury mit Mitgliedern, Zugehörigkeiten, Vorsitz und Regeln"),
                           responses={200: s.PanelDetailSerializer}),
)
class PanelViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Panel.objects.none()
    serializer_class = s.PanelDetailSerializer
    lookup_value_regex = r"[0-9]+"

    MANAGE = frozenset({"members", "affiliations", "start_evaluation", "auto_assign", "assign", "assignments"})

    def get_permissions(self):
        extra = [IsCaseWorker] if self.action in self.MANAGE else []
        return [permission() for permission in with_defaults(*extra)]

    def get_queryset(self):
        user = self.request.user
        # Whether the reader sits on the panel ("role"), read with the rows instead of in a query of its own.
        is_member = (Exists(PanelMember.objects.filter(panel=OuterRef("pk"), user=user)) if user.is_authenticated
                     else Value(False))
        qs = (selectors.visible_panels(user).select_related("call__program", "chair")
              .annotate(n_members=Count("members", distinct=True), is_member=is_member)
              .order_by("-call__opens_at", "pk"))
        if self.action == "retrieve":
            return self._with_details(qs)
        return s.PanelListSerializer.shaped(qs) if self.action == "list" else qs

    @staticmethod
    def _with_details(qs):
        return qs.prefetch_related(
            Prefetch("members", queryset=PanelMember.objects.select_related("user")
                     .prefetch_related("affiliations__municipality")),
            Prefetch("call__program__criteria", queryset=Criterion.objects.order_by("order", "pk")))

    def get_serializer_class(self):
        return s.PanelListSerializer if self.action == "list" else s.PanelDetailSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        user = self.request.user
        if user.is_authenticated:
            context["is_case_worker"] = user.has_perm("jury.manage_panel")
        return context

    def _detail(self, panel_pk, status_code=status.HTTP_200_OK):
        panel = self._with_details(self.get_queryset()).get(pk=panel_pk)
        return Response(s.PanelDetailSerializer(panel, context=self.get_serializer_context()).data,
                        status=status_code)

    # ------------------------------------------------------------ composing the panel (case workers)

    @extend_schema(summary=_("Mitglied aufnehmen"), request=s.MemberInputSerializer,
                   responses={201: s.PanelDetailSerializer})
    @action(detail=True, methods=["post"])
    def members(self, request, pk=None):
        panel = self.get_object()
        data = _parse(s.MemberInputSerializer, request.data)
        services.add_member(actor=request.user, panel=panel, user=data["user"])
        return self._detail(panel.pk, status.HTTP_201_CREATED)

    @extend_schema(summary=_("Zugehörigkeit eines Mitglieds erfassen"), description=_(
        "Eine Zugehörigkeit zu einer Kommune schließt das Mitglied automatisch von allen Anträgen aus, an denen "
        "diese Kommune beteiligt ist (§ 20 HVwVfG); jeder Ausschluss wird protokolliert."),
        request=s.AffiliationInputSerializer, responses={201: s.PanelDetailSerializer})
    @action(detail=True, methods=["post"])
    def affiliations(self, request, pk=None):
        panel = self.get_object()
        data = _parse(s.AffiliationInputSerializer, request.data, panel=panel)
        services.add_affiliation(actor=request.user, member=data["member"], kind=data["kind"],
                                 municipality=data["municipality"], organisation=data["organisation"],
                                 function=data["function"])
        return self._detail(panel.pk, status.HTTP_201_CREATED)

    @extend_schema(summary=_("Bewertung beginnen"), description=_(
        "Übernimmt alle formal zulässigen Anträge des Aufrufs in die Bewertung der Jury."),
        request=None, responses={200: s.StartEvaluationResultSerializer})
    @action(detail=True, methods=["post"], url_path="start-evaluation")
    def start_evaluation(self, request, pk=None):
        panel = self.get_object()
        return Response({"started": services.start_evaluation(actor=request.user, panel=panel)})

    @extend_schema(summary=_("Anträge automatisch zuweisen"), description=_(
        "Gibt jedem Antrag in Bewertung mindestens N unabhängige Bewertende, gleichmäßig verteilt; "
        "ausgeschlossene Mitglieder werden nie zugewiesen."),
        request=s.AutoAssignInputSerializer, responses={200: s.AutoAssignResultSerializer})
    @action(detail=True, methods=["post"], url_path="auto-assign")
    def auto_assign(self, request, pk=None):
        panel = self.get_object()
        data = _parse(s.AutoAssignInputSerializer, request.data)
        result = services.auto_assign(actor=request.user, panel=panel, per_application=data["per_application"])
        return Response({"created": result["created"], "short": result["short"]})

    @extend_schema(summary=_("Einen Antrag einem Mitglied zuweisen"), request=s.AssignInputSerializer,
                   responses={200: s.StaffAssignmentSerializer})
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        panel = self.get_object()
        data = _parse(s.AssignInputSerializer, request.data, panel=panel)
        assignment = services.assign(actor=request.user, member=data["member"],
                                     application_id=data["application"].pk)
        return Response(s.StaffAssignmentSerializer(_staff_assignments().get(pk=assignment.pk)).data)

    @extend_schema(summary=_("Zuweisungen und Ausschlüsse der Jury"), description=_(
        "Für die Sachbearbeitung: jede Zeile Mitglied × Antrag mit Zuweisung, Erklärung und Ausschluss; mit "
        "„member“ nur die eines Mitglieds, mit „search“ nur die der Anträge mit dem Text in Aktenzeichen, Titel "
        "oder Namen der antragstellenden Kommune."),
        parameters=[s.PanelAssignmentFilterSerializer], responses={200: s.StaffAssignmentSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def assignments(self, request, pk=None):
        panel = self.get_object()
        f = _parse(s.PanelAssignmentFilterSerializer, request.query_params, panel=panel)
        qs = _staff_assignments().filter(member__panel=panel)
        if f.get("member"):
            qs = qs.filter(member=f["member"])
        qs = search_by_application(qs, f.get("search", ""))
        qs = s.StaffAssignmentSerializer.shaped(qs.order_by("application__case_number", "application_id",
                                                            "member_id"))
        return self.get_paginated_response(s.StaffAssignmentSerializer(self.paginate_queryset(qs), many=True).data)

    @extend_schema(summary=_("Arbeitsstand der Mitglieder"),
                   description=_("Für das Ministerium und den Vorsitz: zugewiesene, abgegebene und ausgeschlossene "
                                 "Anträge je Mitglied."),
                   responses={200: s.WorkloadSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def workload(self, request, pk=None):
        panel = self.get_object()
        if not request.user.has_perm("jury.view_workload", panel):
            _deny(_("Den Arbeitsstand sehen nur das Ministerium und der Vorsitz."))
        return Response(s.WorkloadSerializer(selectors.workload(panel), many=True).data)

    # ------------------------------------------------------------ ranking

    @extend_schema(summary=_("Rangliste mit Förderempfehlung"), description=_(
        "Gewichtete Mittelwerte, Schwellen, Gleichstandsregeln und die Empfehlung innerhalb des Budgets "
        "und der Haushaltsjahre, mit einer Erläuterung je Zeile. Anträge, von denen Sie ausgeschlossen sind, "
        "fehlen in Ihrer Liste; die Plätze der übrigen bleiben die der ganzen Liste. Die Zeilen kommen "
        "seitenweise (Parameter page, count/next/previous wie jede Liste); cutoff nennt die Budgetgrenze und "
        "die Seite der ganzen Liste, auf der sie liegt. Mit „search“ kommen nur die Zeilen der Anträge mit dem Text "
        "in Aktenzeichen, Titel oder Namen der federführenden Kommune, jede mit ihrem Platz in der ganzen Liste."),
        parameters=[s.RankingQuerySerializer, OpenApiParameter("page", int, description=_("Seite der Zeilen"))],
        responses={200: s.RankingPageSerializer})
    @action(detail=True, methods=["get"])
    def ranking(self, request, pk=None):
        panel = self.get_object()
        query = _parse(s.RankingQuerySerializer, request.query_params)
        budget = query.get("budget")
        if not request.user.has_perm("jury.view_ranking", panel):
            _deny(_("Die Rangliste sehen nur das Ministerium und die Jury."))
        if budget is not None and not request.user.has_perm("jury.calculate_what_if", panel):
            _deny(_("Eine Was-wäre-wenn-Rechnung steht nur dem Ministerium zur Verfügung."))
        result = selectors.result_for(panel=panel, viewer=request.user, budget=budget)
        paginator = self.paginator
        rows = paginator.paginate_queryset(
            selectors.find_in_ranking(result.rows, call_id=panel.call_id, text=query.get("search", "")), request,
            view=self)
        index = result.cutoff_index
        cutoff = None if index is None else {
            "position": result.rows[index].position, "application": result.rows[index].application.pk,
            "case_number": result.rows[index].application.case_number,
            "page": page_number_of(index, per_page=paginator.get_page_size(request))}
        return Response(s.RankingPageSerializer(RankingPage(
            result=result, rows=rows, count=paginator.page.paginator.count, next=paginator.get_next_link(),
            previous=paginator.get_previous_link(), cutoff=cutoff)).data)

    # ------------------------------------------------------------ sessions

    @extend_schema(summary=_("Sitzungen der Jury"), responses={200: s.SessionListSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def sessions(self, request, pk=None):
        panel = self.get_object()
        return Response(s.SessionListSerializer(panel.sessions.order_by("-held_on", "-pk"), many=True).data)

    @extend_schema(summary=_("Sitzung eröffnen"), description=_(
        "Für den Vorsitz und die Sachbearbeitung. Eine bereits offene Sitzung wird unverändert zurückgegeben."),
        request=s.SessionOpenSerializer, responses={201: s.SessionSerializer, 200: s.SessionSerializer})
    @sessions.mapping.post
    def open_session(self, request, pk=None):
        panel = self.get_object()
        if not request.user.has_perm("jury.open_session", panel):
            _deny(_("Nur der Vorsitz oder die Sachbearbeitung eröffnet die Sitzung."))
        data = _parse(s.SessionOpenSerializer, request.data)
        existed = panel.sessions.filter(state="open").exists()
        session = services.open_session(actor=request.user, panel=panel, held_on=data["held_on"])
        return _session_response(request, session.pk, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)


@dataclass
class RankingPage:
    """The ranking with one page of its rows (everything else is the whole list's)."""

    result: object
    rows: list
    count: int
    next: str | None
    previous: str | None
    cutoff: dict | None

    def __getattr__(self, name):
        return getattr(self.result, name)


def _staff_assignments():
    return without_proposal_texts(Assignment.objects.select_related("member__user", "application", "sheet"),
                                  "application")


# ---------------------------------------------------------------- assignments


@extend_schema_view(
    list=extend_schema(summary=_("Ihre Zuweisungen"), description=_(
        "Die Ihnen zugewiesenen Anträge mit dem Stand Ihrer Erklärung zur Befangenheit und Ihres "
        "Bewertungsbogens; mit „state“ nur die offenen oder nur die abgegebenen, mit „search“ nur die mit dem "
        "Text in Aktenzeichen, Titel oder Namen der antragstellenden Kommune."),
        parameters=[s.AssignmentFilterSerializer]),
)
class AssignmentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = Assignment.objects.none()
    serializer_class = s.AssignmentSerializer
    lookup_value_regex = r"[0-9]+"
    filter_backends = []

    def get_permissions(self):
        extra = [IsCaseWorker] if self.action == "unassign" else []
        return [permission() for permission in with_defaults(*extra)]

    def get_queryset(self):
        if self.action == "unassign":
            return Assignment.objects.all()
        qs = (without_proposal_texts(Assignment.objects.filter(member__user=self.request.user, assigned=True),
                                     "application")
              .select_related("member", "application__lead", "sheet")
              .prefetch_related(s.PARTNERS)
              .order_by("application__case_number", "pk"))
        f = _parse(s.AssignmentFilterSerializer, self.request.query_params)
        if f.get("panel"):
            qs = qs.filter(member__panel_id=f["panel"])
        qs = selectors.narrow_assignments(qs, show=f.get("state", ""), q=f.get("search", ""))
        return s.AssignmentSerializer.shaped(qs)

    @extend_schema(summary=_("Zuweisung aufheben"), description=_(
        "Für die Sachbearbeitung; eine abgegebene Bewertung bleibt bestehen."),
        request=None, responses={200: s.StaffAssignmentSerializer})
    @action(detail=True, methods=["post"])
    def unassign(self, request, pk=None):
        assignment = self.get_object()
        services.unassign(actor=request.user, assignment_id=assignment.pk)
        return Response(s.StaffAssignmentSerializer(_staff_assignments().get(pk=assignment.pk)).data)


# ---------------------------------------------------------------- applications for scoring


def _own_assignment(user, application_id) -> Assignment:
    """The member's assignment, assigned, not excluded and declared free of conflict; otherwise 404."""
    assignment = selectors.assignment_for_scoring(user, application_id)
    if assignment.declaration != Declaration.NO_CONFLICT:
        raise Http404
    return assignment


def _own_sheet_data(assignment: Assignment) -> dict:
    sheet = (ScoreSheet.objects.filter(assignment=assignment)
             .prefetch_related(Prefetch("scores", queryset=Score.objects.order_by("criterion_id"))).first())
    criteria = list(assignment.member.panel.call.program.criteria.order_by("order", "pk"))
    scores = {score.criterion_id: score for score in sheet.scores.all()} if sheet else {}
    return {
        "application": assignment.application_id,
        "sheet": sheet.pk if sheet else None,
        "state": sheet.state if sheet else SheetState.DRAFT,
        "submitted_at": sheet.submitted_at if sheet else None,
        "final": sheet.final if sheet else False,
        "editable": sheet is None or (sheet.state != SheetState.SUBMITTED and not sheet.final),
        "criteria": criteria,
        "scores": [scores.get(c.pk) or Score(criterion=c, value=None, comment="") for c in criteria],
    }


def _values(data) -> dict[int, tuple]:
    return {row["criterion"]: (row["value"], row["comment"]) for row in data.get("scores", [])}


@extend_schema_view(
    retrieve=extend_schema(summary=_("Ein Antrag zur Bewertung"), description=_(
        "Der Inhalt eines Antrags für das zugewiesene Mitglied, erst nach der Erklärung, nicht befangen zu "
        "sein; für ausgeschlossene Mitglieder 404. Das Ministerium sieht jeden Antrag in Bewertung."),
        responses={200: s.ScoringApplicationSerializer}),
)
class JuryApplicationViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Application.objects.none()
    serializer_class = s.ScoringApplicationSerializer
    lookup_value_regex = r"[0-9]+"

    def _application_id(self) -> int:
        value = self.kwargs["pk"]
        if len(value) > 18:
            raise Http404
        return int(value)

    def get_object(self):
        application_id = self._application_id()
        qs = (Application.objects.filter(state__in=EVALUATION_STATES)
              .select_related("call__program", "lead__landkreis")
              .prefetch_related("partners", "topics", "cost_lines", "third_party"))
        if not is_staff_member(self.request.user):
            _own_assignment(self.request.user, application_id)
        return get_object_or_404(qs, pk=application_id)

    @extend_schema(summary=_("Befangenheit erklären"), description=_(
        "Vor dem Öffnen des Antrags erklären Sie, ob Sie befangen sind (§ 21 HVwVfG). Eine Befangenheit "
        "schließt Sie von dem Antrag aus und wird protokolliert."),
        request=s.DeclareInputSerializer, responses={200: s.AssignmentSerializer})
    @action(detail=True, methods=["post"])
    def declare(self, request, pk=None):
        application_id = self._application_id()
        get_object_or_404(Assignment.objects.only("pk"), member__user=request.user, application_id=application_id,
                          assigned=True, excluded=False)
        data = _parse(s.DeclareInputSerializer, request.data)
        assignment = services.declare(user=request.user, application_id=application_id,
                                      conflict=data["conflict"], reason=data["reason"])
        assignment = (Assignment.objects.select_related("member__user", "application__lead", "sheet")
                      .prefetch_related(s.PARTNERS).get(pk=assignment.pk))
        return Response(s.AssignmentSerializer(assignment, context=self.get_serializer_context()).data)

    @extend_schema(summary=_("Ihr Bewertungsbogen"), responses={200: s.OwnSheetSerializer})
    @action(detail=True, methods=["get"])
    def scores(self, request, pk=None):
        assignment = _own_assignment(request.user, self._application_id())
        return Response(s.OwnSheetSerializer(_own_sheet_data(assignment)).data)

    @extend_schema(summary=_("Bewertungen als Entwurf speichern"), description=_(
        "Nur die gesendeten Kriterien ändern sich. Eine abgegebene Bewertung ist eingefroren (400)."),
        request=s.ScoresInputSerializer, responses={200: s.OwnSheetSerializer})
    @scores.mapping.put
    def save_scores(self, request, pk=None):
        assignment = _own_assignment(request.user, self._application_id())
        data = _parse(s.ScoresInputSerializer, request.data)
        services.save_scores(user=request.user, application_id=assignment.application_id, values=_values(data))
        return Response(s.OwnSheetSerializer(_own_sheet_data(assignment)).data)

    @extend_schema(summary=_("Bewertung abgeben"), description=_(
        "Speichert die gesendeten Kriterien (optional) und gibt den Bogen ab; danach ist er eingefroren. "
        "Alle Kriterien müssen bewertet, niedrige Bewertungen kommentiert sein."),
        request=s.SubmitInputSerializer, responses={200: s.OwnSheetSerializer})
    @action(detail=True, methods=["post"], url_path="scores/submit")
    def submit_scores(self, request, pk=None):
        assignment = _own_assignment(request.user, self._application_id())
        data = _parse(s.SubmitInputSerializer, request.data)
        services.save_scores(user=request.user, application_id=assignment.application_id, values=_values(data),
                             submit=True)
        return Response(s.OwnSheetSerializer(_own_sheet_data(assignment)).data)

    @extend_schema(summary=_("Die Bewertungsbögen aller Mitglieder zu einem Antrag"), description=_(
        "Für das Ministerium (alle Bögen) und die Mitglieder der Jury, die nicht ausgeschlossen sind "
        "(nur abgegebene Bögen)."), responses={200: s.MemberSheetSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def sheets(self, request, pk=None):
        application_id = self._application_id()
        user = request.user
        application = get_object_or_404(Application.objects.only("pk", "call_id"), pk=application_id,
                                         state__in=EVALUATION_STATES)
        qs = selectors.sheets_visible_to(user, application)
        return Response(s.MemberSheetSerializer(qs, many=True).data)


# ---------------------------------------------------------------- sheets (case workers)


class SheetViewSet(viewsets.GenericViewSet):
    queryset = ScoreSheet.objects.all()
    serializer_class = s.MemberSheetSerializer
    permission_classes = with_defaults(IsCaseWorker)
    lookup_value_regex = r"[0-9]+"

    @extend_schema(summary=_("Abgegebene Bewertung wieder öffnen"), description=_(
        "Nur mit Begründung; die Wiederöffnung wird im Verlauf des Antrags protokolliert."),
        request=s.ReopenInputSerializer, responses={200: s.MemberSheetSerializer})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        sheet = self.get_object()
        data = _parse(s.ReopenInputSerializer, request.data)
        services.reopen_scores(actor=request.user, sheet_id=sheet.pk, reason=data["reason"])
        sheet = (ScoreSheet.objects.select_related("assignment__member__user")
                 .prefetch_related("scores").get(pk=sheet.pk))
        return Response(s.MemberSheetSerializer(sheet).data)


# ---------------------------------------------------------------- sessions


def _sessions_for(user):
    return (Session.objects.filter(panel__in=selectors.visible_panels(user))
            .select_related("panel", "closed_by").prefetch_related("documents"))


def _session_response(request, session_pk, status_code=status.HTTP_200_OK) -> Response:
    session = get_object_or_404(_sessions_for(request.user), pk=session_pk)
    hidden = hidden_application_ids(request.user, session.panel_id)
    context = {"request": request, "hidden_application_ids": hidden,
               "may_download": request.user.has_perm("jury.download_session_documents", session)}
    return Response(s.SessionSerializer(session, context=context).data, status=status_code)


@extend_schema_view(
    retrieve=extend_schema(summary=_("Eine Jurysitzung mit Entscheidungen und Dokumenten"),
                           responses={200: s.SessionSerializer}),
)
class SessionViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Session.objects.none()
    serializer_class = s.SessionSerializer
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return _sessions_for(self.request.user)

    def perform_content_negotiation(self, request, force=False):
        # Asking for application/pdf gets the file (or a JSON error), never a 406.
        return super().perform_content_negotiation(request, force=force or self.action == "document")

    def retrieve(self, request, *args, **kwargs):
        return _session_response(request, self.get_object().pk)

    def _chair_only(self, session):
        if not self.request.user.has_perm("jury.close_session", session.panel):
            _deny(_("Nur der Vorsitz hält die Entscheidungen fest und schließt die Sitzung."))

    @extend_schema(summary=_("Entscheidungen der Sitzung"), description=_(
        "Seitenweise, nach Aktenzeichen; Entscheidungen zu Anträgen, von denen Sie ausgeschlossen sind, fehlen."),
        responses={200: s.DecisionSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def decisions(self, request, pk=None):
        session = self.get_object()
        hidden = hidden_application_ids(request.user, session.panel_id)
        qs = s.DecisionSerializer.shaped(session.decisions.exclude(application_id__in=hidden)
                                         .order_by("application__case_number", "pk"))
        return self.get_paginated_response(s.DecisionSerializer(self.paginate_queryset(qs), many=True).data)

    @extend_schema(summary=_("Entscheidung zu einem Antrag festhalten"), description=_(
        "Für den Vorsitz. Eine Abweichung von der berechneten Liste braucht eine schriftliche Begründung."),
        request=s.DecisionInputSerializer, responses={200: s.SessionSerializer})
    @decisions.mapping.post
    def record_decision(self, request, pk=None):
        session = self.get_object()
        self._chair_only(session)
        data = _parse(s.DecisionInputSerializer, request.data)
        application = get_object_or_404(Application, pk=data["application"], call_id=session.panel.call_id)
        if not request.user.has_perm("jury.record_decision", application):
            raise Http404  # the chair is excluded from it: they must not even learn of it
        services.record_decision(actor=request.user, session_id=session.pk, application_id=data["application"],
                                 outcome=data["outcome"], justification=data["justification"])
        return _session_response(request, session.pk)

    @extend_schema(summary=_("Sitzung schließen"), description=_(
        "Für den Vorsitz: alle Anträge in Bewertung erhalten das entschiedene (oder berechnete) Ergebnis, "
        "die Bewertungen werden endgültig; Rangliste und Protokoll werden danach erzeugt."),
        request=s.CloseInputSerializer, responses={200: s.SessionSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        session = self.get_object()
        self._chair_only(session)
        data = _parse(s.CloseInputSerializer, request.data)
        services.close_session(actor=request.user, session_id=session.pk, notes=data["notes"])
        return _session_response(request, session.pk)

    @extend_schema(summary=_("Sitzungsdokument herunterladen"), description=_(
        "Rangliste (PDF, CSV, XLSX) und Protokoll (PDF) einer geschlossenen Sitzung; für das Ministerium und "
        "die Jury, aber nicht für Mitglieder, die von einem der Anträge ausgeschlossen sind."), parameters=[KIND],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path=r"documents/(?P<kind>[a-z_]+)", url_name="document")
    def document(self, request, pk=None, kind=None):
        session = self.get_object()
        if not request.user.has_perm("jury.download_session_documents", session):
            _deny(_("Die Sitzungsdokumente zeigen auch Anträge, von denen Sie ausgeschlossen sind; sie stehen "
                    "Ihnen daher nicht zur Verfügung."))
        document = get_object_or_404(session.documents, kind=kind)
        return private_file_response(document.file, document.download_name,
                                     content_type=CONTENT_TYPES[document.extension])
