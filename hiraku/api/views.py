"""HTTP side of the Action API: read the request, dispatch to the registry,
write CKAN's envelope. No catalog logic lives here."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from hiraku.accounts import tokens

from . import registry
from .errors import ActionError, NotAuthorized

logger = logging.getLogger(__name__)

JSON_TYPE = "application/json;charset=utf-8"
# CKAN clients match these bare strings, so they stay untranslated.
BAD_REQUEST_PREFIX = "Bad request: "
UNKNOWN_ACTION = "Action name not known: {name}"
POST_REQUIRED = "Invalid request. Please use POST method for your request"
# A dotted JavaScript identifier: anything else could inject script into a JSONP response.
_CALLBACK = re.compile(r"^[A-Za-z_$][\w$]{0,99}(\.[A-Za-z_$][\w$]{0,99}){0,5}$")
# Parameters the transport uses and actions never see.
_TRANSPORT_PARAMS = ("callback", "_")


class BadRequest(Exception):
    """Answered as CKAN answers a bad request: HTTP 400 with a bare JSON string."""


def api_version(request: HttpRequest) -> HttpResponse:
    return _json_response({"version": 3})


@csrf_exempt
def action_view(request: HttpRequest, name: str) -> HttpResponse:
    if request.method not in ("GET", "POST"):
        response = _json_response(BAD_REQUEST_PREFIX + _("use GET or POST"), status=405)
        response["Allow"] = "GET, POST"
        return response
    try:
        entry = _find_action(name)
        callback = _jsonp_callback(request)
        data = _request_data(request, entry)
    except (RequestDataTooBig, TooManyFieldsSent):
        return _json_response(BAD_REQUEST_PREFIX + _("the request body is too large"), status=400)
    except BadRequest as error:
        return _json_response(BAD_REQUEST_PREFIX + str(error), status=400)
    envelope = {"help": _help_url(entry.name), "success": False}
    if callback:
        # JSONP can be read by any site embedding it, so it answers as to an anonymous visitor.
        user = AnonymousUser()
    else:
        try:
            user, by_token = _authenticate(request)
        except tokens.InvalidToken:
            # CKAN refuses a bad token rather than quietly treating the caller as anonymous.
            error = NotAuthorized(_("the API token is not valid"))
            return _json_response({**envelope, "error": error.error_body()}, status=error.status)
        if not by_token and not entry.side_effect_free and user.is_authenticated and _csrf_rejects(request):
            # A browser session may only change data from the site's own pages.
            error = NotAuthorized(_("CSRF verification failed; send an API token or the CSRF token"))
            return _json_response({**envelope, "error": error.error_body()}, status=error.status)
    status, body = _run(entry, registry.ActionContext(user=user, request=request), data)
    if callback and status == 200:
        return _jsonp_response(callback, body)
    return _json_response(body, status=status)


def _authenticate(request: HttpRequest):
    """(user, True) for a valid API token, (session user, False) when none was sent."""
    token = tokens.token_from_headers(request.META)
    if token is None:
        return request.user, False
    return tokens.authenticate(token), True


def _csrf_rejects(request: HttpRequest) -> bool:
    """Django's own CSRF check, for session-authenticated writes only (the view is exempt otherwise)."""
    check = CsrfViewMiddleware(lambda _request: None)
    return check.process_view(request, None, (), {}) is not None


def _find_action(name: str) -> registry.Action:
    entry = registry.get_action(name)
    if entry is None:
        raise BadRequest(UNKNOWN_ACTION.format(name=name))
    return entry


def _jsonp_callback(request: HttpRequest) -> str | None:
    callback = request.GET.get("callback") if request.method == "GET" else None
    if callback is None:
        return None
    if not _CALLBACK.match(callback):
        raise BadRequest(_("callback must be a JavaScript function name"))
    return callback


def _request_data(request: HttpRequest, entry: registry.Action) -> dict[str, Any]:
    if request.method == "GET":
        if not entry.side_effect_free:
            raise BadRequest(POST_REQUIRED)
        return _query_dict(request.GET)
    data = _query_dict(request.GET) if entry.side_effect_free else {}
    data.update(_body_data(request))
    return data


def _body_data(request: HttpRequest) -> dict[str, Any]:
    content_type = request.content_type or ""
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = _query_dict(request.POST)
        # `curl -d '{"id": "x"}'` sends JSON labelled as a form: one key, no value.
        if len(form) == 1 and next(iter(form.values())) == "" and next(iter(form)).lstrip().startswith("{"):
            return _parse_json(next(iter(form)))
        return form
    if not request.body.strip():
        return {}
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest(_("JSON Error: the request body is not UTF-8")) from None
    return _parse_json(text)


def _parse_json(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError as error:
        raise BadRequest(_("JSON Error: the request body is not valid JSON (%(error)s)") % {"error": error}) from None
    if not isinstance(data, dict):
        raise BadRequest(_("JSON Error: the request body must be a JSON object"))
    return data


def _query_dict(query) -> dict[str, Any]:
    """One value per key, or a list when the key was repeated."""
    return {key: values if len(values) > 1 else values[0]
            for key, values in query.lists() if key not in _TRANSPORT_PARAMS}


def _run(entry: registry.Action, context: registry.ActionContext, data: dict) -> tuple[int, dict]:
    envelope: dict[str, Any] = {"help": _help_url(entry.name)}
    try:
        result = registry.call(entry, context, data)
    except ActionError as error:
        return error.status, {**envelope, "success": False, "error": error.error_body()}
    except Exception:
        logger.exception("Action %s failed", entry.name)
        error = ActionError(_("the server could not complete the request"))
        return 500, {**envelope, "success": False, "error": error.error_body()}
    return 200, {**envelope, "success": True, "result": result}


def _help_url(name: str) -> str:
    return f"{settings.SITE_URL}/api/3/action/help_show?name={name}"


def _dumps(body: Any) -> str:
    return json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False)


def _json_response(body: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(_dumps(body), status=status, content_type=JSON_TYPE)


def _jsonp_response(callback: str, body: Any) -> HttpResponse:
    return HttpResponse(f"/**/{callback}({_dumps(body)});", content_type="application/javascript;charset=utf-8")
