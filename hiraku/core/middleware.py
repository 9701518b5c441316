"""Request middleware shared by every domain."""

from __future__ import annotations

from django.conf import settings
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
