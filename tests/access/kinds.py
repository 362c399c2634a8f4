"""Which object of the world fills each URL parameter, per route (route key → {parameter: kind or constant})."""

APP = {"pk": "draft"}
KINDS = {
    "accounts:membership-decide": {"pk": "membership_request", "decision": "approve"},
    "applications:detail": APP, "applications:edit": APP, "applications:calculate": APP,
    "applications:attachment-upload": APP, "applications:submit": APP, "applications:withdraw": APP,
    "applications:attachment-download": {"pk": "draft", "attachment_pk": "attachment"},
    "applications:attachment-remove": {"pk": "draft", "attachment_pk": "attachment"},
    "applications:resubmit": {"pk": "returned"},
    "applications:receipt": {"pk": "in_check", "version": 1},
    "applications:check": {"pk": "in_check"},
    "applications:check-step": {"pk": "in_check", "step": "start"},
    "applications:staff-call": {"call_pk": "call"}, "applications:staff-call-csv": {"call_pk": "call"},
    "jury:declare": {"app_id": "evaluated"}, "jury:score": {"app_id": "evaluated"},
    "jury:sheets": {"app_id": "evaluated"},
    "jury:panel-unassign": {"call_id": "call", "assignment_id": "assignment"},
    "jury:panel-reopen": {"call_id": "call", "sheet_id": "sheet"},
    "jury:session-decide": {"session_id": "session", "app_id": "evaluated"},
    "jury:session-close": {"session_id": "session"},
    "jury:document": {"document_id": "document"},
    "downloads:detail": {"public_id": "download"}, "downloads:file": {"public_id": "download"},
    "api-downloads-detail": {"public_id": "download"}, "api-downloads-file": {"public_id": "download"},
    "jury:attachment": {"app_id": "evaluated", "attachment_id": "evaluated_attachment"},
    "grants:public-call": {"pk": "call"}, "grants:public-program": {"pk": "program"},
    "payments:grant": {"pk": "grant"}, "payments:grant-waive": {"pk": "grant"},
    "payments:notice-download": {"pk": "notice"},
    "payments:decisions-call": {"call_pk": "call"},
    "payments:decision-case": {"app_pk": "recommended"}, "payments:decision-prepare": {"app_pk": "recommended"},
    "payments:decision-confirm": {"pk": "decision"}, "payments:decision-discard": {"pk": "decision"},
    "payments:grant-amend": {"grant_pk": "grant"}, "payments:amendment": {"pk": "amendment"},
    "payments:grant-disbursements": {"grant_id": "grant"},
    "payments:bank-account": {"municipality_id": "municipality"},
    "payments:bank-account-confirm": {"pk": "bank_account"},
    "payments:disbursement": {"pk": "disbursement"}, "payments:disbursement-check": {"pk": "disbursement"},
    "payments:disbursement-release": {"pk": "disbursement"}, "payments:disbursement-reject": {"pk": "disbursement"},
    "payments:notice-run-start": {"call_pk": "call"}, "payments:notice-run": {"pk": "notice_run"},
    "api-staff-payments-notice-run-detail": {"pk": "notice_run"},
    "payments:payment-run": {"pk": "payment_run"}, "payments:payment-run-file": {"pk": "payment_run"},
    "payments:payment-run-confirm": {"pk": "payment_run"}, "payments:payment-run-cancel": {"pk": "payment_run"},
    "payments:grant-proofs": {"grant_id": "grant"},
    "payments:proof-detail": {"pk": "proof"}, "payments:proof-edit": {"pk": "proof"},
    "payments:proof-submit": {"pk": "proof"},
    "payments:recovery-notice": {"pk": "recovery"},
    "payments:proof-check": {"pk": "submitted_proof"},
    "payments:settlement-prepare": {"grant_id": "grant"},
    "payments:settlement-detail": {"pk": "settlement"}, "payments:settlement-confirm": {"pk": "settlement"},
    "payments:settlement-discard": {"pk": "settlement"},
    "payments:recovery-detail": {"pk": "recovery"}, "payments:recovery-payment": {"pk": "recovery"},
    "payments:recovery-waive": {"pk": "recovery"},
    "payments:base-rate-correct": {"pk": "base_rate"},
    "payments:dashboard-call": {"call_pk": "call"}, "payments:dashboard-program": {"program_pk": "program"},
    "payments:dashboard-export": {"kind": "grants"}, "payments:dashboard-export-xlsx": {"kind": "grants"},
    "outbox:retry": {"pk": "outbox"},
    # the API
    "api-program-detail": {"pk": "program"}, "api-call-detail": {"pk": "call"},
    "api-municipality-detail": {"pk": "municipality"}, "api-membership-detail": {"pk": "membership"},
    "api-application-detail": APP, "api-application-submit": APP, "api-application-withdraw": APP,
    "api-application-timeline": APP, "api-application-attachments": APP,
    "api-application-attachment": {"pk": "draft", "attachment_id": "attachment"},
    "api-application-decide-eligibility": {"pk": "in_check"},
    "api-application-checklist": {"pk": "in_check"},
    "api-staff-program-export": {"pk": "program"},
    "api-application-return-for-revision": {"pk": "in_check"},
    "api-application-start-check": {"pk": "in_check"},
    "api-application-receipt": {"pk": "in_check", "version": 1},
    "api-application-resubmit": {"pk": "returned"},
    "api-staff-call-detail": {"pk": "call"},
    "api-membership-review-detail": {"pk": "membership_request"},
    "api-membership-review-approve": {"pk": "membership_request"},
    "api-membership-review-refuse": {"pk": "membership_request"},
    "api-staff-outbox-retry": {"pk": "outbox"},
    "api-jury-assignment-unassign": {"pk": "assignment"},
    "api-jury-sheet-reopen": {"pk": "sheet"},
    "api-jury-session-document": {"pk": "closed_session", "kind": "ranking_pdf"},
    "api-payments-grant-confirm-amendment": {"pk": "grant", "amendment_id": "amendment"},
    "api-staff-payments-proof-detail": {"pk": "submitted_proof"},
    "api-staff-payments-proof-accept": {"pk": "submitted_proof"},
    "api-staff-payments-proof-return-for-completion": {"pk": "submitted_proof"},
    "api-payments-dashboard-detail": {"pk": "call"},
    "api-payments-program-dashboard-detail": {"pk": "program"},
    "api-payments-export-detail": {"pk": "grants"},
    "api-payments-export-detail[format]": {"pk": "grants", "format": "csv"},
}
# API routes named after their object: every parameter `pk` of api-<prefix>-… is that kind.
API_PREFIX_KINDS = {
    "api-jury-panel-": "panel", "api-jury-application-": "evaluated", "api-jury-session-": "session",
    "api-payments-decision-": "decision", "api-payments-grant-": "grant", "api-payments-notice-": "notice",
    "api-payments-disbursement-": "disbursement", "api-payments-bank-account-": "bank_account",
    "api-staff-payments-disbursement-": "disbursement", "api-staff-payments-payment-run-": "payment_run",
    "api-payments-proof-": "proof", "api-staff-payments-settlement-": "settlement",
    "api-staff-payments-recovery-": "recovery", "api-staff-payments-base-rate-": "base_rate",
}
# Page routes of a call: every parameter `call_id` is the call of the panel.
CALL_ROUTES = ("jury:",)


def kinds_for(route) -> dict:
    if route.key in KINDS:
        return KINDS[route.key]
    out = {}
    for name in route.kwargs:
        if name == "call_id":
            out[name] = "call"
        elif name == "pk":
            out[name] = next((kind for prefix, kind in API_PREFIX_KINDS.items() if route.key.startswith(prefix)), None)
        else:
            out[name] = None
    return out
