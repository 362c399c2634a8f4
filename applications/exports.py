"""The applications of a call as a CSV for the ministry; written by foundation.exports (formula guard included)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from foundation.choices import choice_label
from foundation.exports import DATE, MONEY, TEXT, Column

CALL_APPLICATIONS = (
    Column(_("Aktenzeichen"), TEXT, lambda a: a.case_number),
    Column(_("Titel"), TEXT, lambda a: a.title),
    Column(_("Antragstellende Kommune"), TEXT, lambda a: a.lead.name),
    Column(_("AGS"), TEXT, lambda a: a.lead.official_key),
    Column(_("Landkreis"), TEXT, lambda a: a.lead.landkreis.name if a.lead.landkreis else ""),
    Column(_("Partnerkommunen"), TEXT, lambda a: a.n_partners),
    Column(_("Themenbereiche"), TEXT, lambda a: ", ".join(str(t.number) for t in a.topics.all())),
    Column(_("Status"), TEXT, lambda a: choice_label(a, "state")),
    Column(_("Eingang"), DATE, lambda a: timezone.localtime(a.submitted_at) if a.submitted_at else None),
    Column(_("Gesamtausgaben"), MONEY, lambda a: a.total_costs),
    Column(_("Zuwendungsfähige Ausgaben"), MONEY, lambda a: a.eligible_costs),
    Column(_("Beantragte Zuwendung"), MONEY, lambda a: a.grant_amount),
    Column(_("Eigenanteil"), MONEY, lambda a: a.own_share),
)
