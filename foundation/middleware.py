from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _


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


class PrivatePagesMiddleware:
    """Permissions-Policy on every response; pages and API answers for a logged-in user are never
    stored by a browser or proxy (Cache-Control: no-store), so the back button after logout and a
    shared computer show nothing of a case."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        authenticated = (user is not None and user.is_authenticated) or "HTTP_AUTHORIZATION" in request.META
        if (authenticated and not request.path.startswith(settings.STATIC_URL)
                and "no-store" not in response.get("Cache-Control", "")):
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
        return response


class RequestSizeLimitMiddleware:
    """Refuses a request whose declared body is larger than settings.MAX_REQUEST_MB with 413, before
    a byte of it is read (Django would otherwise stream a large upload to a temporary file first)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit_mb = settings.MAX_REQUEST_MB
        if length > limit_mb * 1024 * 1024:
            message = _("Die Anfrage ist größer als %(n)d MB und wurde nicht angenommen. Eine Anlage darf "
                        "höchstens %(u)d MB groß sein.") % {"n": limit_mb, "u": settings.MAX_UPLOAD_MB}
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=413)
            return render(request, "413.html", {"message": message}, status=413)
        return self.get_response(request)


class StorageUnavailableMiddleware:
    """A full, read-only or missing file volume (foundation.storage.StorageUnavailable) is answered with
    503 and a clear message — a page, or JSON under /api/ — never with a 500. The transaction of the
    request has rolled back by then, and the storage removed the file it had written."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from foundation.storage import StorageUnavailable

        if not isinstance(exception, StorageUnavailable):
            return None
        message = str(StorageUnavailable.message)
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": message}, status=503)
        else:
            response = render(request, "503.html", {"message": message}, status=503)
        response["Retry-After"] = "300"
        return response
