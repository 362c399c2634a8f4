import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from audit.models import AuditEntry
from jury import services
from jury.enums import DecisionOutcome, Declaration, ExclusionKind, SheetState
from jury.exceptions import JuryError
from jury.models import Assignment, PanelMember, ScoreSheet, SessionDocument
from tests.factories import MunicipalityFactory, UserFactory, staff_user
from tests.jury.factories import application_in_evaluation, evaluated_call, score

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker():
    return staff_user("case_worker")


@pytest.fixture
def setup(worker):
    call, panel = evaluated_call(min_scorers=2)
    members = [services.add_member(actor=worker, panel=panel, user=UserFactory(roles=["jury"])) for _ in range(4)]
    return call, panel, members


def test_member_affiliated_with_a_partner_is_excluded_automatically(setup, worker):
    call, panel, members = setup
    partner = MunicipalityFactory()
    app = application_in_evaluation(call, grant="100000", partners=[partner])
    services.add_affiliation(actor=worker, member=members[0], kind="municipality", municipality=partner,
                             function="Mitglied der Stadtverordnetenversammlung")
    row = Assignment.objects.get(member=members[0], application=app)
    assert row.excluded and row.exclusion_kind == ExclusionKind.AUTOMATIC and not row.assigned
    assert AuditEntry.objects.filter(action="jury.excluded", object_id=app.pk).count() == 1
    services.sync_exclusions(actor=worker, panel=panel)  # idempotent
    assert AuditEntry.objects.filter(action="jury.excluded", object_id=app.pk).count() == 1
    with pytest.raises(JuryError, match="ausgeschlossen"):
        services.assign(actor=worker, member=members[0], application_id=app.pk)


def test_database_refuses_assignment_of_excluded_member(setup):
    call, panel, members = setup
    app = application_in_evaluation(call, grant="100000")
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(member=members[0], application=app, excluded=True,
                                  exclusion_kind=ExclusionKind.DECLARED, assigned=True)


def test_auto_assign_balances_and_never_assigns_excluded(setup, worker):
    call, panel, members = setup
    conflicted = MunicipalityFactory()
    apps = [application_in_evaluation(call, grant="100000") for _ in range(5)]
    apps.append(application_in_evaluation(call, grant="100000", partners=[conflicted]))
    services.add_affiliation(actor=worker, member=members[1], kind="municipality", municipality=conflicted)
    summary = services.auto_assign(actor=worker, panel=panel, per_application=2)
    assert summary["short"] == []
    per_app = {a.pk: Assignment.objects.filter(application=a, assigned=True).count() for a in apps}
    assert set(per_app.values()) == {2}
    loads = [Assignment.objects.filter(member=m, assigned=True).count() for m in members]
    assert sum(loads) == 12 and max(loads) - min(loads) <= 1
    assert not Assignment.objects.filter(member=members[1], application=apps[-1], assigned=True).exists()
    again = services.auto_assign(actor=worker, panel=panel, per_application=2)
    assert again["created"] == 0


def test_auto_assign_reports_applications_without_enough_independent_members(setup, worker):
    call, panel, members = setup
    shared = MunicipalityFactory()
    app = application_in_evaluation(call, grant="100000", partners=[shared])
    for m in members[:3]:
        services.add_affiliation(actor=worker, member=m, kind="municipality", municipality=shared)
    summary = services.auto_assign(actor=worker, panel=panel, per_application=2)
    assert summary["short"] == [app.pk]
    assert Assignment.objects.filter(application=app, assigned=True).count() == 1


def _assigned(worker, panel, member, app, declare=True):
    services.assign(actor=worker, member=member, application_id=app.pk)
    if declare:
        services.declare(user=member.user, application_id=app.pk, conflict=False)


def test_declared_conflict_excludes_and_needs_reason(setup, worker):
    call, panel, members = setup
    app = application_in_evaluation(call, grant="100000")
    services.assign(actor=worker, member=members[0], application_id=app.pk)
    with pytest.raises(JuryError, match="begründen"):
        services.declare(user=members[0].user, application_id=app.pk, conflict=True, reason=" ")
    services.declare(user=members[0].user, application_id=app.pk, conflict=True, reason="Mein Bruder ist Bürgermeister")
    row = Assignment.objects.get(member=members[0], application=app)
    assert row.excluded and row.exclusion_kind == ExclusionKind.DECLARED and row.declaration == Declaration.CONFLICT
    assert not row.assigned
    with pytest.raises(JuryError):
        services.save_scores(user=members[0].user, application_id=app.pk, values={})


def test_scores_draft_then_submit_freezes(setup, worker):
    call, panel, members = setup
    app = application_in_evaluation(call, grant="100000")
    c1, c2 = call.program.criteria.order_by("order")
    member = members[0]
    _assigned(worker, panel, member, app)
    services.save_scores(user=member.user, application_id=app.pk, values={c1.pk: ("4,5", "gut")})
    with pytest.raises(JuryError, match="alle Kriterien"):
        services.save_scores(user=member.user, application_id=app.pk, values={}, submit=True)
    with pytest.raises(JuryError, match="Kommentar"):
        services.save_scores(user=member.user, application_id=app.pk, values={c2.pk: ("0.5", "")}, submit=True)
    sheet = services.save_scores(user=member.user, application_id=app.pk, values={c2.pk: ("0.5", "schwach")},
                                 submit=True)
    assert sheet.state == SheetState.SUBMITTED
    with pytest.raises(JuryError, match="eingefroren"):
        services.save_scores(user=member.user, application_id=app.pk, values={c1.pk: ("1", "x")})
    assert sheet.scores.get(criterion=c1).value == Decimal("4.5")


@pytest.mark.parametrize("value", ["5.5", "-1", "2.25", "abc", "NaN"])
def test_out_of_scale_scores_refused(setup, worker, value):
    call, panel, members = setup
    app = application_in_evaluation(call, grant="100000")
    c1 = call.program.criteria.order_by("order")[0]
    _assigned(worker, panel, members[0], app)
    with pytest.raises(JuryError):
        services.save_scores(user=members[0].user, application_id=app.pk, values={c1.pk: (value, "x")})
    assert not ScoreSheet.objects.filter(scores__value__isnull=False).exists()


def test_reopen_needs_reason_and_is_recorded(setup, worker):
    call, panel, members = setup
    app = application_in_evaluation(call, grant="100000")
    c1, c2 = call.program.criteria.order_by("order")
    _assigned(worker, panel, members[0], app)
    sheet = services.save_scores(user=members[0].user, application_id=app.pk,
                                 values={c1.pk: ("4", ""), c2.pk: ("4", "")}, submit=True)
    with pytest.raises(JuryError, match="begründen"):
        services.reopen_scores(actor=worker, sheet_id=sheet.pk, reason="")
    with pytest.raises(JuryError):
        services.reopen_scores(actor=members[1].user, sheet_id=sheet.pk, reason="x")
    sheet = services.reopen_scores(actor=worker, sheet_id=sheet.pk, reason="Rechenfehler im Kriterium 1")
    assert sheet.state == SheetState.REOPENED
    entry = AuditEntry.objects.get(action="jury.scores_reopened")
    assert entry.reason == "Rechenfehler im Kriterium 1" and entry.actor == worker
    services.save_scores(user=members[0].user, application_id=app.pk, values={c1.pk: ("3", "")}, submit=True)


def test_session_deviation_needs_justification_and_close_moves_states(worker, django_capture_on_commit_callbacks):
    call, panel = evaluated_call(budget="300000.00")
    chair = UserFactory(roles=["jury"])
    panel.chair = chair
    panel.save()
    top = score(panel, application_in_evaluation(call, grant="200000"), [[5, 5]])
    second = score(panel, application_in_evaluation(call, grant="200000"), [[4, 4]])
    low = score(panel, application_in_evaluation(call, grant="100000"), [[3, 3]])
    session = services.open_session(actor=chair, panel=panel, held_on=dt.date(2027, 3, 1))
    with pytest.raises(JuryError, match="schriftlich begründet"):
        services.record_decision(actor=chair, session_id=session.pk, application_id=second.pk,
                                 outcome=DecisionOutcome.RECOMMENDED)
    with pytest.raises(JuryError, match="Vorsitz"):
        services.record_decision(actor=worker, session_id=session.pk, application_id=second.pk,
                                 outcome=DecisionOutcome.RESERVE)
    services.record_decision(actor=chair, session_id=session.pk, application_id=low.pk,
                             outcome=DecisionOutcome.RESERVE, justification="Ausgewogenes Portfolio: Nordhessen")
    with django_capture_on_commit_callbacks(execute=True):
        services.close_session(actor=chair, session_id=session.pk, notes="Einstimmig")
    states = {a.pk: a.state for a in (top, second, low)}
    for a in (top, second, low):
        a.refresh_from_db()
    assert (top.state, second.state, low.state) == ("recommended", "reserve", "reserve")
    assert low.decision_reason == "Ausgewogenes Portfolio: Nordhessen"
    assert states  # before: all in evaluation
    assert not ScoreSheet.objects.filter(assignment__member__panel=panel, final=False).exists()
    kinds = set(SessionDocument.objects.filter(session=session).values_list("kind", flat=True))
    assert kinds == {"ranking_pdf", "minutes_pdf", "ranking_csv", "ranking_xlsx"}
    with pytest.raises(JuryError, match="bereits geschlossen"):
        services.close_session(actor=chair, session_id=session.pk)
    member = PanelMember.objects.filter(panel=panel).first()
    with pytest.raises(JuryError, match="ist geschlossen"):
        services.save_scores(user=member.user, application_id=top.pk, values={})


def test_start_evaluation_moves_eligible_applications(worker, complete, applicant):
    from applications import services as app_services
    from jury.models import Panel

    app_services.submit_application(actor=applicant, application_id=complete.pk)
    app_services.start_formal_check(actor=worker, application_id=complete.pk)
    from applications.checklist import judgement_keys

    app_services.decide_eligibility(actor=worker, application_id=complete.pk, eligible=True,
                                    confirmed=judgement_keys(complete))
    panel = Panel.objects.create(call=complete.call)
    assert services.start_evaluation(actor=worker, panel=panel) == 1
    complete.refresh_from_db()
    assert complete.state == "in_evaluation"


def test_session_documents_show_the_decisions(worker, django_capture_on_commit_callbacks):
    import io

    from openpyxl import load_workbook
    from pypdf import PdfReader

    call, panel = evaluated_call(budget="300000.00")
    chair = UserFactory(roles=["jury"])
    panel.chair = chair
    panel.save()
    top = score(panel, application_in_evaluation(call, grant="200000"), [[5, 5]])
    other = score(panel, application_in_evaluation(call, grant="200000"), [[4, 4]])
    session = services.open_session(actor=chair, panel=panel, held_on=dt.date(2027, 3, 1))
    with django_capture_on_commit_callbacks(execute=True):
        services.close_session(actor=chair, session_id=session.pk)
    docs = {d.kind: d for d in SessionDocument.objects.filter(session=session)}
    with docs["ranking_pdf"].file.open("rb") as f:
        text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(f.read())).pages).split())
    assert top.case_number in text and other.case_number in text and "200.000,00" in text
    with docs["minutes_pdf"].file.open("rb") as f:
        minutes = "".join(p.extract_text() for p in PdfReader(io.BytesIO(f.read())).pages)
    assert "Protokoll der Jurysitzung" in minutes and "01.03.2027" in minutes
    with docs["ranking_xlsx"].file.open("rb") as f:
        rows = list(load_workbook(io.BytesIO(f.read())).active.iter_rows(values_only=True))
    assert rows[1][1] == top.case_number
    assert (rows[1][9], rows[2][9]) == ("Zur Förderung empfohlen", "Nachrückliste")
    assert "Zur Förderung empfohlen" in text
    assert rows[1][8] == Decimal("200000.00") or float(rows[1][8]) == 200000.0
