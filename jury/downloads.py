"""The live ranking list as PDF and as Excel workbook, made in the background (downloads.registry): at 10,000
applications the PDF took 52 s inside the web request. The rows are those the requesting person may see
(selectors.result_for). The CSV is streamed in the request (jury.views.ranking)."""

from django.utils.translation import gettext_lazy as _

from downloads.registry import Made, Maker, register
from foundation.exports import CONTENT_TYPES
from foundation.files import download_name

from .models import Panel


def _clean(params: dict) -> dict:
    return {"call_id": int(params["call_id"])}


def _panel(params: dict) -> Panel | None:
    return Panel.objects.select_related("call__program").filter(call_id=params["call_id"]).first()


def _allowed(user, params: dict) -> bool:
    panel = _panel(params)
    return panel is not None and user.has_perm("jury.view_ranking", panel)


def _maker(ext: str, content_type: str, label: str):
    def make(user, params: dict) -> Made:
        from . import documents, selectors

        result = selectors.result_for(panel=_panel(params), viewer=user)
        content = documents.ranking_pdf(result) if ext == "pdf" else documents.ranking_xlsx(result)
        return Made(content=content, content_type=content_type,
                    filename=download_name("Rangliste", "Aufruf", params["call_id"], ext=ext))

    def describe(params: dict) -> str:
        return label % {"call": params["call_id"]}

    return Maker(name=f"jury.ranking_{ext}", label=describe, allowed=_allowed, make=make, clean=_clean)


RANKING_PDF = register(_maker("pdf", "application/pdf", _("Rangliste zu Aufruf %(call)s (PDF)")))
RANKING_XLSX = register(_maker("xlsx", CONTENT_TYPES["xlsx"], _("Rangliste zu Aufruf %(call)s (Excel)")))
