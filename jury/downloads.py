"""The live ranking list as PDF, made in the background (downloads.registry): at 10,000 applications it took
52 s inside the web request. The rows are those the requesting person may see (selectors.result_for)."""

from django.utils.translation import gettext as _

from downloads.registry import Made, Maker, register
from foundation.files import download_name

from .models import Panel


def _clean(params: dict) -> dict:
    return {"call_id": int(params["call_id"])}


def _panel(params: dict) -> Panel | None:
    return Panel.objects.select_related("call__program").filter(call_id=params["call_id"]).first()


def _allowed(user, params: dict) -> bool:
    panel = _panel(params)
    return panel is not None and user.has_perm("jury.view_ranking", panel)


def _make(user, params: dict) -> Made:
    from . import documents, selectors

    result = selectors.result_for(panel=_panel(params), viewer=user)
    return Made(content=documents.ranking_pdf(result), content_type="application/pdf",
                filename=download_name("Rangliste", "Aufruf", params["call_id"], ext="pdf"))


def _label(params: dict) -> str:
    return _("Rangliste zu Aufruf %(call)s (PDF)") % {"call": params["call_id"]}


RANKING_PDF = register(Maker(name="jury.ranking_pdf", label=_label, allowed=_allowed, make=_make, clean=_clean))
