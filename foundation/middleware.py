from django.conf import settings
from django.utils import translation


class LanguageMiddleware:
    """German unless the user chose another language (cookie set by the language switch).

    Unlike Django's LocaleMiddleware it ignores the browser's Accept-Language header: the portal
    is German first, and English is an explicit choice.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
