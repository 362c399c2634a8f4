from django.urls import path

from .views import member, ranking, session, staff

app_name = "jury"
urlpatterns = [
    path("", member.workspace, name="workspace"),
    path("antraege/<int:app_id>/erklaerung/", member.declare, name="declare"),
    path("antraege/<int:app_id>/bewerten/", member.score, name="score"),
    path("antraege/<int:app_id>/bewertungen/", member.sheets, name="sheets"),
    path("antraege/<int:app_id>/anlagen/<int:attachment_id>/", member.attachment, name="attachment"),
    path("aufrufe/<int:call_id>/", staff.panel, name="panel"),
    path("aufrufe/<int:call_id>/bewertung-starten/", staff.start, name="panel-start"),
    path("aufrufe/<int:call_id>/automatisch-zuweisen/", staff.auto_assign, name="panel-auto-assign"),
    path("aufrufe/<int:call_id>/zuweisen/", staff.assign, name="panel-assign"),
    path("aufrufe/<int:call_id>/zuweisungen/<int:assignment_id>/aufheben/", staff.unassign, name="panel-unassign"),
    path("aufrufe/<int:call_id>/bewertungen/<int:sheet_id>/wieder-oeffnen/", staff.reopen, name="panel-reopen"),
    path("aufrufe/<int:call_id>/rangliste/", ranking.ranking, name="ranking"),
    path("aufrufe/<int:call_id>/rangliste.csv", ranking.ranking_csv, name="ranking-csv"),
    path("aufrufe/<int:call_id>/rangliste.xlsx", ranking.ranking_xlsx, name="ranking-xlsx"),
    path("aufrufe/<int:call_id>/rangliste.pdf", ranking.ranking_pdf, name="ranking-pdf"),
    path("aufrufe/<int:call_id>/sitzung/", session.session, name="session"),
    path("aufrufe/<int:call_id>/sitzung/eroeffnen/", session.open_session, name="session-open"),
    path("sitzungen/<int:session_id>/antraege/<int:app_id>/entscheidung/", session.decide, name="session-decide"),
    path("sitzungen/<int:session_id>/schliessen/", session.close, name="session-close"),
    path("dokumente/<int:document_id>/", session.document, name="document"),
]
