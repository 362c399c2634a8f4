"""A second URL configuration for tests/foundation/test_url_tag.py: the same name, another address."""

from django.http import HttpResponse
from django.urls import include, path


def _view(request, call_id):
    return HttpResponse()


jury = ([path("anderswo/<int:call_id>/", _view, name="panel")], "jury")
urlpatterns = [path("", include(jury))]
