"""Request middleware shared by every domain."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class JapaneseFirstLocaleMiddleware(LocaleMiddleware):
    """Pages are Japanese unless the visitor chose English with the language switch.

    A browser's Accept-Language is not enough: a municipal portal is read in
    Japanese by default even on an English-language phone. API clients are
    programs, so on /api/ the standard negotiation (cookie, then
    Accept-Language) still applies to their error messages.
    """

    def process_request(self, request):
        if request.path_info.startswith("/api/"):
            return super().process_request(request)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class OpenDataCorsMiddleware:
    """Let web apps on other sites call the open data APIs from the browser, as CKAN portals allow.

    Responses under ``HIRAKU_CORS_PATHS`` say ``Access-Control-Allow-Origin: *``,
    and a preflight there is answered at once. Credentials are never allowed,
    so a browser neither sends its cookies nor shows another site a signed-in
    visitor's data; writes carry an API token in a header.
    """

    ALLOWED_HEADERS = "Authorization, X-CKAN-API-Key, Content-Type"

    def __init__(self, get_response):
        self.get_response = get_response
        self.paths = tuple(settings.HIRAKU_CORS_PATHS)

    def __call__(self, request):
        if not self.paths or not request.path_info.startswith(self.paths):
            return self.get_response(request)
        if request.method == "OPTIONS" and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in request.META:
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response["Access-Control-Allow-Headers"] = self.ALLOWED_HEADERS
            response["Access-Control-Max-Age"] = "86400"
        else:
            response = self.get_response(request)
        response["Access-Control-Allow-Origin"] = "*"
        return response
