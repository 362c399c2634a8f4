from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("kommunen/", views.memberships, name="memberships"),
    path("kommunen/anfragen/", views.membership_review, name="membership-review"),
    path("kommunen/anfragen/<int:pk>/<str:decision>/", views.membership_decide, name="membership-decide"),
    path("kommunen/einladen/", views.invite, name="invite"),
    path("konto/api-schluessel/", views.api_token, name="api-token"),
]
