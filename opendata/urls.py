"""Stable URLs of the open data (under /offene-daten/; registered with the open-data portal, never renamed)."""

from django.urls import path

from . import views

app_name = "opendata"
urlpatterns = [
    path("", views.page, name="page"),
    path("gefoerderte-projekte.csv", views.projects_csv, name="csv"),
    path("gefoerderte-projekte.json", views.projects_json, name="json"),
    path("katalog.ttl", views.catalogue_file, {"ending": "ttl"}, name="catalogue"),
    path("katalog.jsonld", views.catalogue_file, {"ending": "jsonld"}, name="catalogue-jsonld"),
    path("katalog.rdf", views.catalogue_file, {"ending": "rdf"}, name="catalogue-rdf"),
]
