from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("user/tokens", views.token_list, name="tokens"),
    path("user/tokens/<uuid:jti>/revoke", views.token_revoke, name="token_revoke"),
]
