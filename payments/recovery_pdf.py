"""The recovery decision (Rückforderungsbescheid, §§ 49, 49a HVwVfG) as PDF, rendered with WeasyPrint.

The payee account (the state treasury) comes from settings.PAYMENTS_RECOVERY_ACCOUNT, a dict with
holder, iban, bic and bank; without it the notice says the account will be communicated.
"""

import datetime as dt

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from foundation.pdf import court_for, recipient, render_pdf, sender

from .exceptions import PaymentsError
from .interest import OFFICIAL_BASE_RATES
from .models import BankAccount, Recovery


def payee_account() -> dict:
    return dict(getattr(settings, "PAYMENTS_RECOVERY_ACCOUNT", None) or {})


def recovery_notice_pdf(recovery: Recovery, *, issued_on: dt.date) -> tuple[bytes, dict]:
    from .services.proofs_recovery import base_rate_table, recovery_position

    grant = recovery.grant
    application = grant.application
    settlement = recovery.settlement
    rates = base_rate_table() or OFFICIAL_BASE_RATES
    try:
        current = recovery_position(recovery, on=issued_on, rates=rates)
        interest_to_date, rate_error = current.interest_outstanding, ""
    except PaymentsError as exc:
        interest_to_date, rate_error = None, exc.message
    debtor = (BankAccount.objects.filter(municipality_id=application.lead_id, replaced_at__isnull=True)
              .order_by("-prepared_at").first())
    context = {
        "recovery": recovery, "grant": grant, "application": application, "settlement": settlement,
        "issued_on": issued_on, "interest_to_date": interest_to_date, "rate_error": rate_error,
        "payee": payee_account(), "debtor": debtor, "program": grant.call.program,
        "remedy": {"appeal_period_months": grant.appeal_period_months,
                   "court": court_for(application.lead.official_key)},
        "sender": sender(case_worker=settlement.prepared_by.display_name if settlement else ""),
        "recipient": recipient(application.lead),
    }
    with translation.override("de"):
        html = render_to_string("payments/proofs/pdf/recovery.html", context)
    figures = {
        "recovery_id": recovery.pk,
        "case_number": application.case_number,
        "recipient": application.lead.name,
        "final_amount": str(settlement.final_amount) if settlement else str(grant.final_amount),
        "paid_before": str(settlement.paid_before) if settlement else str(grant.paid_amount),
        "principal": str(recovery.principal),
        "interest_from": recovery.interest_from.isoformat(),
        "interest_margin": str(recovery.interest_margin),
        "interest_to_date": str(interest_to_date) if interest_to_date is not None else None,
        "due_on": recovery.due_on.isoformat(),
        "issued_on": issued_on.isoformat(),
    }
    return render_pdf(html), figures
