"""Signing in and out with Django's own authentication views, in the site layout."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.shortcuts import render


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """Logging out changes state, so it needs a POST; a GET shows a confirmation button."""

    http_method_names = ["get", "post", "options"]

    def get(self, request, *args, **kwargs):
        return render(request, "web/logout.html")
