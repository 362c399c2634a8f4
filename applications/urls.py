from django.urls import path

from .views import applicant, documents, staff

app_name = "applications"
urlpatterns = [
    path("antraege/", applicant.application_list, name="list"),
    path("antraege/neu/", applicant.application_create, name="create"),
    path("antraege/<int:pk>/", applicant.application_detail, name="detail"),
    path("antraege/<int:pk>/bearbeiten/", applicant.application_edit, name="edit"),
    path("antraege/<int:pk>/berechnen/", applicant.application_calculate, name="calculate"),
    path("antraege/<int:pk>/anlagen/", applicant.attachment_upload, name="attachment-upload"),
    path("antraege/<int:pk>/anlagen/<int:attachment_pk>/", documents.attachment_download,
         name="attachment-download"),
    path("antraege/<int:pk>/anlagen/<int:attachment_pk>/entfernen/", applicant.attachment_remove,
         name="attachment-remove"),
    path("antraege/<int:pk>/einreichen/", applicant.application_submit, name="submit"),
    path("antraege/<int:pk>/nachreichen/", applicant.application_resubmit, name="resubmit"),
    path("antraege/<int:pk>/zurueckziehen/", applicant.application_withdraw, name="withdraw"),
    path("antraege/<int:pk>/eingangsbestaetigung/<int:version>/", documents.receipt_download, name="receipt"),
    path("antraege/<int:pk>/pruefung/", staff.formal_check_form, name="check"),
    path("antraege/<int:pk>/pruefung/<str:step>/", staff.formal_check, name="check-step"),
    path("pruefung/aufrufe/", staff.call_list, name="staff-calls"),
    path("pruefung/aufrufe/<int:call_pk>/", staff.call_applications, name="staff-call"),
    path("pruefung/aufrufe/<int:call_pk>/export.csv", staff.call_applications_csv, name="staff-call-csv"),
]
