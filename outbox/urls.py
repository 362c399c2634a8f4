from django.urls import path

from . import views

app_name = "outbox"
urlpatterns = [
    path("", views.stuck_work, name="stuck"),
    path("<int:pk>/erneut/", views.retry, name="retry"),
]
