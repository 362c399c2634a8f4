"""Issue 8 (defects 1–3) and issue 10.3: a closed session freezes the evaluation, and every page, API
answer and document shows the one recorded result; scoring stays independent. Each through the page
and the API."""

import datetime as dt
import io

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from pypdf import PdfReader
from rest_framework.test import APIClient

from jury import services
from jury.enums import AffiliationKind, Declaration
from jury.exceptions import JuryError
from jury.models import Assignment, Score, ScoreSheet, SessionDocument
from tests.factories import MunicipalityFactory, staff_user
from tests.jury.factories import (
    AssignmentFactory,
    PanelMemberFactory,
    application_in_evaluation,
    evaluated_call,
    score,
)

pytestmark = pytest.mark.django_db

API = "/api/v1/jury/"


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).split())


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def page(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def closed(db, django_capture_on_commit_callbacks):
    """Three applications that all fit the budget; the jury puts `second` on the reserve list (justified);
    one member declared a conflict for `first`, another is excluded automatically; the chair still has a
    pending declaration for `third`. Then the session is closed."""
    call, panel = evaluated_call(budget="1000000.00", min_scorers=1)
    first = score(panel, application_in_evaluation(call, grant="300000.00"), [[5, 5]])
    second = score(panel, application_in_evaluation(call, grant="200000.00"), [[4, 4]])
    third = score(panel, application_in_evaluation(call, grant="100000.00"), [[3, 3]])
    chair = PanelMemberFactory(panel=panel)
    panel.chair = chair.user
    panel.save(update_fields=["chair"])
    pending = AssignmentFactory(member=chair, application=third, declaration=Declaration.PENDING)
    late = AssignmentFactory(member__panel=panel, application=third)  # declared in time, never scored
    declared = PanelMemberFactory(panel=panel, user__last_name="Befangen")
    AssignmentFactory(member=declared, application=first, declaration=Declaration.PENDING)
    services.declare(user=declared.user, application_id=first.pk, conflict=True, reason="Mitglied im Förderverein")
    staff = staff_user()
    auto = PanelMemberFactory(panel=panel, user__last_name="Gemeinderat")
    services.add_affiliation(actor=staff, member=auto, kind=AffiliationKind.MUNICIPALITY,
                             municipality=second.lead, function="Gemeindevertretung")
    session = services.open_session(actor=chair.user, panel=panel, held_on=dt.date(2027, 6, 1))
    services.record_decision(actor=chair.user, session_id=session.pk, application_id=second.pk, outcome="reserve",
                             justification="Ausgewogenes Portfolio der Regionen")
    with django_capture_on_commit_callbacks(execute=True):
        services.close_session(actor=chair.user, session_id=session.pk, notes="Einstimmig.")
    return {"call": call, "panel": panel, "first": first, "second": second, "third": third, "chair": chair.user,
            "pending": pending, "late": late, "session": session, "staff": staff, "declared": declared, "auto": auto}


# ---------------------------------------------------------------- defect 1: the whole evaluation is frozen


def test_closed_session_offers_no_open_sheet_on_the_page(client, closed):
    html = page(client, closed["chair"]).get(reverse("jury:workspace")).content.decode()
    assert reverse("jury:declare", args=[closed["third"].pk]) not in html
    assert "Bewertung abgeschlossen" in html
    response = client.post(reverse("jury:declare", args=[closed["third"].pk]), {"conflict": "no"})
    assert response.status_code == 302 and response.url == reverse("jury:workspace")
    closed["pending"].refresh_from_db()
    assert closed["pending"].declaration == Declaration.PENDING


def test_closed_session_refuses_declaration_and_scores_through_the_api(closed):
    chair, third = api(closed["chair"]), closed["third"]
    response = chair.post(f"{API}applications/{third.pk}/declare/", {"conflict": False}, format="json")
    assert response.status_code == 400 and "geschlossen" in response.data["detail"]
    closed["pending"].refresh_from_db()
    assert closed["pending"].declaration == Declaration.PENDING
    assert not ScoreSheet.objects.filter(assignment=closed["pending"]).exists()


def test_closed_session_refuses_every_write_in_the_service(closed):
    pending = closed["pending"]
    criteria = list(closed["call"].program.criteria.all())
    with pytest.raises(JuryError, match="geschlossen"):
        services.save_scores(user=closed["chair"], application_id=closed["third"].pk, submit=True,
                             values={c.pk: ("5", "gut") for c in criteria})
    assert not ScoreSheet.objects.filter(assignment=pending).exists()
    assert not Score.objects.filter(sheet__assignment=pending).exists()
    member = PanelMemberFactory(panel=closed["panel"])
    for attempt in (
        lambda: services.assign(actor=closed["staff"], member=member, application_id=closed["third"].pk),
        lambda: services.auto_assign(actor=closed["staff"], panel=closed["panel"]),
        lambda: services.open_session(actor=closed["chair"], panel=closed["panel"], held_on=dt.date(2027, 7, 1)),
        lambda: services.record_decision(actor=closed["chair"], session_id=closed["session"].pk,
                                         application_id=closed["third"].pk, outcome="reserve", justification="x"),
    ):
        with pytest.raises(JuryError, match="geschlossen"):
            attempt()


def test_closed_ranking_shows_the_recorded_decision_on_page_and_api(client, closed):
    second = closed["second"]
    html = page(client, closed["staff"]).get(reverse("jury:ranking", args=[closed["call"].pk])).content.decode()
    row = html[html.index(f'data-case="{second.case_number}"'):]
    row = row[:row.index("</tr>")]
    assert 'data-outcome="reserve"' in row and "Ausgewogenes Portfolio der Regionen" in row
    data = api(closed["staff"]).get(f"{API}panels/{closed['panel'].pk}/ranking/").data
    rows = {r["application"]: r for r in data["rows"]}
    assert rows[second.pk]["outcome"] == "reserve" and rows[second.pk]["computed_outcome"] == "recommended"
    assert rows[second.pk]["justification"] == "Ausgewogenes Portfolio der Regionen"
    assert data["committed"] == "400000.00"  # first and third only


def test_closed_session_refuses_a_late_score_on_page_and_api(client, closed):
    late, third = closed["late"], closed["third"]
    criteria = list(closed["call"].program.criteria.all())
    data = {"action": "submit", "confirm": "on"}
    for c in criteria:
        data[f"criterion_{c.pk}"], data[f"comment_{c.pk}"] = "5", "sehr gut"
    response = page(client, late.member.user).post(reverse("jury:score", args=[third.pk]), data)
    assert response.status_code == 400 and "geschlossen" in response.content.decode()
    response = api(late.member.user).post(f"{API}applications/{third.pk}/scores/submit/",
                                          {"scores": [{"criterion": c.pk, "value": "5"} for c in criteria]},
                                          format="json")
    assert response.status_code == 400 and "geschlossen" in response.data["detail"]
    assert not ScoreSheet.objects.filter(assignment=late).exists()
    # The list did not move: the recorded result stands.
    rows = api(closed["staff"]).get(f"{API}panels/{closed['panel'].pk}/ranking/").data["rows"]
    assert [r["application"] for r in rows] == [closed["first"].pk, closed["second"].pk, third.pk]


# ---------------------------------------------------------------- defect 2: the minutes agree with the list


def _document(session, kind) -> bytes:
    with SessionDocument.objects.get(session=session, kind=kind).file.open("rb") as f:
        return f.read()


def test_minutes_and_ranking_come_from_one_snapshot(closed):
    minutes = pdf_text(_document(closed["session"], "minutes_pdf"))
    assert "empfohlen: 2 Anträge" in minutes and "Nachrückliste: 1" in minutes
    assert "Ausgewogenes Portfolio der Regionen" in minutes
    # Every conflict of interest: the declared one and the automatic one, with their reasons.
    assert "Befangen" in minutes and "Mitglied im Förderverein" in minutes and "selbst erklärt" in minutes
    assert "Gemeinderat" in minutes and "automatisch" in minutes
    ranking = pdf_text(_document(closed["session"], "ranking_pdf"))
    assert "empfohlen 2 Anträge" in ranking and "Nachrückliste 1" in ranking
    csv = _document(closed["session"], "ranking_csv").decode("utf-8-sig")
    line = next(row for row in csv.splitlines() if closed["second"].case_number in row)
    assert "Nachrückliste" in line


def test_minutes_download_through_page_and_api_is_the_same_document(client, closed):
    document = SessionDocument.objects.get(session=closed["session"], kind="minutes_pdf")
    via_page = page(client, closed["staff"]).get(reverse("jury:document", args=[document.pk]))
    via_api = api(closed["staff"]).get(f"{API}sessions/{closed['session'].pk}/documents/minutes_pdf/")
    assert b"".join(via_page.streaming_content) == b"".join(via_api.streaming_content)
    # German download names, the same through page and API (issue 11).
    sid = closed["session"].pk
    expected = f'attachment; filename="Protokoll-Sitzung-{sid}.pdf"'
    assert via_page["Content-Disposition"] == via_api["Content-Disposition"] == expected
    ranking = SessionDocument.objects.get(session=closed["session"], kind="ranking_xlsx")
    response = page(client, closed["staff"]).get(reverse("jury:document", args=[ranking.pk]))
    assert response["Content-Disposition"] == f'attachment; filename="Rangliste-Sitzung-{sid}.xlsx"'


# ---------------------------------------------------------------- defect 3: every column on the page


LONG = ["Innovationsgrad und Neuartigkeit des Vorhabens", "Nutzen für Bürgerinnen und Bürger vor Ort",
        "Übertragbarkeit auf andere hessische Kommunen", "Geringer Energieverbrauch der Lösung",
        "Gemeinschaftsvorhaben mehrerer Kommunen", "Nachhaltigkeit und Verstetigung nach der Förderung"]


def test_ranking_pdf_shows_every_column_live_and_sealed(client, django_capture_on_commit_callbacks):
    call, panel = evaluated_call(budget="700000.00", criteria=[(1, "", None)] * 6, names=LONG, min_scorers=1)
    apps = [score(panel, application_in_evaluation(
        call, grant=grant, partners=[MunicipalityFactory()],
        title="Digitale Bürgerdienste und sensorgestütztes Straßenbeleuchtungsmanagement im ländlichen Raum"),
        [values]) for grant, values in (("2500000.00", [5] * 6), ("300000.00", [4] * 6), ("250000.00", [3] * 6))]
    staff = staff_user()
    with django_capture_on_commit_callbacks(execute=True):  # requested, then made by the worker
        requested = page(client, staff).post(reverse("jury:ranking-pdf", args=[call.pk]))
    live = b"".join(client.get(requested["Location"] + "datei/").streaming_content)
    text = pdf_text(live)
    # The last column (budget left after each row) and the outcome columns are on the page.
    assert "danach verbleibend" in text and "Entscheidung der Jury" in text
    assert "700.000,00" in text and "400.000,00" in text and "150.000,00" in text
    assert "K6 = Nachhaltigkeit und Verstetigung nach der Förderung" in text
    assert text.count("Nachrückliste") >= 1
    chair = PanelMemberFactory(panel=panel).user
    panel.chair = chair
    panel.save(update_fields=["chair"])
    session = services.open_session(actor=chair, panel=panel, held_on=dt.date(2027, 6, 1))
    with django_capture_on_commit_callbacks(execute=True):
        services.close_session(actor=chair, session_id=session.pk)
    sealed = api(staff).get(f"{API}sessions/{session.pk}/documents/ranking_pdf/")
    text = pdf_text(b"".join(sealed.streaming_content))
    assert "danach verbleibend" in text and "150.000,00" in text and apps[2].case_number in text
    assert "Zur Förderung empfohlen Zur Förderung empfohlen" in text  # computed and decided, side by side


# ---------------------------------------------------------------- issue 10.3: scoring independence


@pytest.fixture
def scored(db):
    call, panel = evaluated_call(min_scorers=1)
    app = score(panel, application_in_evaluation(call, grant="200000.00"), [[4, 4], [3, 3]])
    chair = PanelMemberFactory(panel=panel)
    panel.chair = chair.user
    panel.save(update_fields=["chair"])
    pending = AssignmentFactory(member=chair, application=app, declaration=Declaration.PENDING)
    idle = PanelMemberFactory(panel=panel)  # sits on the panel, no assignment
    return {"app": app, "chair": chair.user, "pending": pending, "idle": idle.user, "panel": panel}


@pytest.mark.parametrize("who", ["chair", "idle"])
def test_no_one_elses_scores_before_own_declaration_and_submission(client, scored, who):
    user, app = scored[who], scored["app"]
    assert api(user).get(f"{API}applications/{app.pk}/sheets/").status_code == 404
    assert page(client, user).get(reverse("jury:sheets", args=[app.pk])).status_code == 404


def test_chair_sees_the_overview_after_declaring_and_submitting(client, scored):
    chair, app = scored["chair"], scored["app"]
    services.declare(user=chair, application_id=app.pk, conflict=False)
    # Declared but own sheet not yet submitted: still nothing.
    assert api(chair).get(f"{API}applications/{app.pk}/sheets/").status_code == 404
    criteria = list(app.call.program.criteria.all())
    services.save_scores(user=chair, application_id=app.pk, submit=True, values={c.pk: ("4", "") for c in criteria})
    assert len(api(chair).get(f"{API}applications/{app.pk}/sheets/").data) == 3
    html = page(client, chair).get(reverse("jury:sheets", args=[app.pk])).content.decode()
    assert html.count('scope="row"') == 3


def test_the_database_refuses_a_new_sheet_declaration_or_score_after_closing(closed):
    """Not only the services: no path (a race, the admin, a script) writes into a closed evaluation."""
    pending = closed["pending"]
    with pytest.raises(IntegrityError, match="jury_evaluation_closed"), transaction.atomic():
        Assignment.objects.filter(pk=pending.pk).update(declaration=Declaration.NO_CONFLICT)
    with pytest.raises(IntegrityError, match="jury_evaluation_closed"), transaction.atomic():
        ScoreSheet.objects.create(assignment=pending)
    sheet = ScoreSheet.objects.filter(assignment__application=closed["third"]).first()
    criterion = closed["call"].program.criteria.first()
    with pytest.raises(IntegrityError, match="jury_evaluation_closed"), transaction.atomic():
        Score.objects.filter(sheet=sheet).update(value=1)
    with pytest.raises(IntegrityError, match="jury_evaluation_closed"), transaction.atomic():
        Score.objects.create(sheet=ScoreSheet.objects.exclude(pk=sheet.pk).first(), criterion=criterion, value=1)
    # Another panel's evaluation is not touched by this one's closing.
    call, panel = evaluated_call(min_scorers=1)
    score(panel, application_in_evaluation(call, grant="100000.00"), [[4, 4]])
