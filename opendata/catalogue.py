"""The DCAT-AP.de 3.0 catalogue of the open data (built with rdflib; served as Turtle, JSON-LD, RDF/XML).

One dcat:Catalog holds one dcat:Dataset, "Geförderte Projekte", with a dcat:Distribution each for
the CSV and the JSON file. The vocabularies are those DCAT-AP.de prescribes: the licence from
dcat-ap.de/def/licenses, themes, file types and languages from the EU authority tables, the
political geocoding of the installation's Land (level "state", dct:spatial = its state key, settings.LAND;
dcatde:politicalGeocodingURI is deprecated in 3.0). The tests validate the graph against the vendored shapes in
data/dcat-ap-de/3.0/ with pyshacl.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

from .formats import LICENSE_NAME, LICENSE_URI, dataset_title
from .selectors import published_span

DCATDE = Namespace("http://dcat-ap.de/def/dcatde/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
EU = "http://publications.europa.eu/resource/authority/"
IANA = "https://www.iana.org/assignments/media-types/"
LEVEL_STATE = URIRef("http://dcat-ap.de/def/politicalGeocoding/Level/state")
STATE_KEY = "http://dcat-ap.de/def/politicalGeocoding/stateKey/"
FORMATS = {  # name → (EU file type, IANA media type)
    "csv": (URIRef(EU + "file-type/CSV"), URIRef(IANA + "text/csv")),
    "json": (URIRef(EU + "file-type/JSON"), URIRef(IANA + "application/json")),
}
RDF_FORMATS = {  # URL ending → (rdflib serializer, content type)
    "ttl": ("turtle", "text/turtle; charset=utf-8"),
    "jsonld": ("json-ld", "application/ld+json; charset=utf-8"),
    "rdf": ("xml", "application/rdf+xml; charset=utf-8"),
}


def publisher_name() -> str:
    """The authority that publishes the data (the same as on the grant notices), also in its attribution text.
    From the letterhead configuration (LETTERHEAD_AUTHORITY), read when the data is written, so another Land's
    installation names its own."""
    return settings.LETTERHEAD["authority"]


def _url(name: str) -> URIRef:
    return URIRef(settings.SITE_URL + reverse(name))


def _date(value) -> Literal:
    return Literal(value.isoformat(), datatype=XSD.date)


def catalogue_graph(*, now: dt.datetime | None = None) -> Graph:
    """The catalogue as an rdflib graph (a handful of queries, whatever the number of projects)."""
    now = timezone.localtime(now or timezone.now())
    span = published_span()
    g = Graph()
    g.bind("dcat", DCAT)
    g.bind("dct", DCTERMS)
    g.bind("foaf", FOAF)
    g.bind("vcard", VCARD)
    g.bind("dcatde", DCATDE)

    catalogue = _url("opendata:catalogue")
    dataset = _url("opendata:page")
    publisher, authority = URIRef(settings.SITE_URL + "/#herausgeber"), publisher_name()
    licence = URIRef(LICENSE_URI)
    german = URIRef(EU + "language/DEU")
    issued = _date(span.first_final or now.date())
    modified = _date(span.last_final or now.date())  # a status change of a published project is not counted

    g.add((publisher, RDF.type, FOAF.Agent))
    g.add((publisher, FOAF.name, Literal(authority, lang="de")))

    g.add((catalogue, RDF.type, DCAT.Catalog))
    with translation.override("de"):  # the catalogue's texts are German (lang="de")
        portal = str(settings.PORTAL["name"])
    g.add((catalogue, DCTERMS.title, Literal(f"Offene Daten – {portal}", lang="de")))
    g.add((catalogue, DCTERMS.description, Literal(
        f"Offene Daten zu den Projekten, die im {portal} gefördert werden.", lang="de")))
    g.add((catalogue, DCTERMS.publisher, publisher))
    g.add((catalogue, DCTERMS.language, german))
    g.add((catalogue, DCTERMS.license, licence))
    g.add((catalogue, DCTERMS.modified, modified))
    g.add((catalogue, FOAF.homepage, _url("opendata:page")))
    g.add((catalogue, DCAT.dataset, dataset))

    contact = URIRef(settings.SITE_URL + "/#kontakt")
    g.add((contact, RDF.type, VCARD.Kind))
    g.add((contact, RDF.type, VCARD.Organization))
    g.add((contact, VCARD.fn, Literal(authority, lang="de")))
    g.add((contact, VCARD.hasURL, _url("imprint")))

    g.add((dataset, RDF.type, DCAT.Dataset))
    g.add((dataset, DCTERMS.identifier, Literal(str(dataset))))
    g.add((dataset, DCTERMS.title, Literal(dataset_title(), lang="de")))
    g.add((dataset, DCTERMS.description, Literal(
        f"Projekte von Kommunen, die im {portal} gefördert werden, sobald die Zuwendung bestandskräftig ist: "
        "Projekttitel, Kommunen mit "
        "amtlichem Gemeindeschlüssel, Landkreis, Themenbereiche, Zuwendung, Bewilligungszeitraum und Status. "
        "Welche Angaben erscheinen, legt das Förderprogramm fest; personenbezogene Daten enthält der "
        "Datensatz nicht.", lang="de")))
    g.add((dataset, DCTERMS.publisher, publisher))
    g.add((dataset, DCAT.contactPoint, contact))
    g.add((dataset, DCTERMS.language, german))
    g.add((dataset, DCTERMS.license, licence))
    for theme in ("GOVE", "ECON"):
        g.add((dataset, DCAT.theme, URIRef(EU + "data-theme/" + theme)))
    for word in ("Förderung", "Kommunen", "Smart City", "Digitalisierung", settings.LAND["name"],
                 settings.PORTAL["short_name"]):
        g.add((dataset, DCAT.keyword, Literal(word, lang="de")))
    g.add((dataset, DCTERMS.spatial, URIRef(STATE_KEY + settings.LAND["key"])))
    g.add((dataset, DCATDE.politicalGeocodingLevelURI, LEVEL_STATE))
    g.add((dataset, DCTERMS.accrualPeriodicity, URIRef(EU + "frequency/DAILY")))
    g.add((dataset, DCTERMS.issued, issued))
    g.add((dataset, DCTERMS.modified, modified))
    g.add((dataset, DCAT.landingPage, _url("opendata:page")))
    if span.start or span.end:
        period = BNode()
        g.add((period, RDF.type, DCTERMS.PeriodOfTime))
        if span.start:
            g.add((period, DCAT.startDate, _date(span.start)))
        if span.end:
            g.add((period, DCAT.endDate, _date(span.end)))
        g.add((dataset, DCTERMS.temporal, period))

    for name, (file_type, media_type) in FORMATS.items():
        url = _url(f"opendata:{name}")
        distribution = URIRef(str(url) + "#distribution")
        g.add((dataset, DCAT.distribution, distribution))
        g.add((distribution, RDF.type, DCAT.Distribution))
        g.add((distribution, DCTERMS.title, Literal(f"Geförderte Projekte ({name.upper()})", lang="de")))
        g.add((distribution, DCAT.accessURL, url))
        g.add((distribution, DCAT.downloadURL, url))
        g.add((distribution, DCTERMS.format, file_type))
        g.add((distribution, DCAT.mediaType, media_type))
        g.add((distribution, DCTERMS.license, licence))
        g.add((distribution, DCATDE.licenseAttributionByText, Literal(f"{authority} ({LICENSE_NAME})", lang="de")))
        g.add((distribution, DCTERMS.modified, modified))
    return g


def serialize(graph: Graph, ending: str) -> bytes:
    serializer, _content_type = RDF_FORMATS[ending]
    return graph.serialize(format=serializer, encoding="utf-8")
