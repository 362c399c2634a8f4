from django.urls import path

from . import views

app_name = "downloads"
urlpatterns = [
    path("", views.download_list, name="list"),
    path("<uuid:public_id>/", views.download_detail, name="detail"),
    path("<uuid:public_id>/datei/", views.download_file, name="file"),
]
