from django.urls import path

from . import views

app_name = "grants"
urlpatterns = [
    path("", views.call_list, name="public-calls"),
    path("<int:pk>/", views.call_detail, name="public-call"),
    path("programme/<int:pk>/", views.program_detail, name="public-program"),
]
