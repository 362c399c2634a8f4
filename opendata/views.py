"""The public pages and files of the open data (no login: everything here is public by design)."""


from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from foundation.exports import download
from foundation.paging import PARAM, paginate
from grants.enums import OpenDataField

from . import catalogue, formats, selectors
from .forms import ProjectFilterForm

PER_PAGE = 25


def _public(response):
    response["Access-Control-Allow-Origin"] = "*"  # open data: any portal may read it in the browser
    return response


def _chart_height(rows) -> int:
    return 52 * len(rows) or 52


@require_safe
def page(request):
    programs = selectors.all_programs()
    topics, landkreise = selectors.filter_choices(programs)
    form = ProjectFilterForm(request.GET or None, topics=topics, landkreise=landkreise)
    projects = selectors.published_projects(**form.filters(), programs=programs)
    by_landkreis, by_year = selectors.funds_by_landkreis(projects), selectors.funds_by_year(projects)
    query = request.GET.copy()
    query.pop(PARAM, None)
    return render(request, "opendata/page.html", {
        "form": form,
        "page": paginate(request, projects, per_page=PER_PAGE),
        "count": len(projects),
        "shown": formats.shown_fields(projects),
        "F": OpenDataField,
        "by_landkreis": by_landkreis,
        "by_year": by_year,
        "landkreis_height": _chart_height(by_landkreis),
        "year_height": _chart_height(by_year),
        "query": query.urlencode(),
        "license_uri": formats.LICENSE_URI,
        "license_name": formats.LICENSE_NAME,
    })


def _projects_in_german():
    return selectors.published_projects(language="de")  # the files' status words, whatever the page language


@require_safe
def projects_csv(request):
    projects = _projects_in_german()
    response = download("csv", filename="gefoerderte-projekte", columns=formats.csv_columns(projects),
                        rows=projects)
    return _public(response)


@require_safe
def projects_json(request):
    chunks = formats.dataset_json(_projects_in_german(), publisher=catalogue.publisher_name(), generated=timezone.now())
    response = StreamingHttpResponse((chunk.encode() for chunk in chunks),
                                     content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="gefoerderte-projekte.json"'
    return _public(response)


@require_safe
def catalogue_file(request, ending):
    _serializer, content_type = catalogue.RDF_FORMATS[ending]
    body = catalogue.serialize(catalogue.catalogue_graph(), ending)
    return _public(HttpResponse(body, content_type=content_type))
