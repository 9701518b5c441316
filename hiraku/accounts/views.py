"""The API token page: list, create (the token is shown once) and revoke."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from hiraku.catalog.services import CatalogValidationError, NotFound

from . import tokens


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_list(request):
    new_token = None
    errors: list[str] = []
    name = ""
    if request.method == "POST":
        name = request.POST.get("name", "")
        try:
            _record, new_token = tokens.api_token_create(request.user, request.user, name)
        except CatalogValidationError as error:
            errors = [message for messages_ in error.errors.values() for message in messages_]
        else:
            name = ""
    context = {
        "tokens": tokens.api_token_list(request.user, request.user),
        "new_token": new_token,
        "errors": errors,
        "name": name,
    }
    # A freshly created token is rendered once, in the POST response, and never stored.
    return render(request, "accounts/token_list.html", context, status=400 if errors else 200)


@login_required
@require_POST
def token_revoke(request, jti):
    try:
        tokens.api_token_revoke(request.user, str(jti))
    except NotFound:
        messages.error(request, _("That token does not exist or was already revoked."))
    else:
        messages.success(request, _("The token was revoked. Programs using it can no longer access the API."))
    return redirect("accounts:tokens")
