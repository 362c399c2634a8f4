"""The receipt (Eingangsbestätigung) as PDF, rendered with WeasyPrint."""

from django.template.loader import render_to_string
from django.utils import timezone, translation

from foundation.pdf import recipient, render_pdf, sender

from .financing import figures_for
from .models import Application


def receipt_pdf(application: Application, *, version: int) -> tuple[bytes, dict]:
    figures = figures_for(application)
    with translation.override("de"):
        html = render_to_string("applications/pdf/receipt.html", {
            "application": application,
            "figures": figures,
            "version": version,
            "cost_lines": list(application.cost_lines.all()),
            "third_party": list(application.third_party.all()),
            "partners": list(application.partners.all()),
            "topics": list(application.topics.all()),
            "attachments": list(application.attachments.all()),
            "created": timezone.localtime(),
            "sender": sender(),
            "recipient": recipient(application.lead),
        })
    record = {"case_number": application.case_number, **figures.as_dict(), "version": version}
    return render_pdf(html), record
