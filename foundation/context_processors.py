from django.conf import settings
from django.utils.functional import SimpleLazyObject

from .navigation import menu_for


def navigation(request):
    user = getattr(request, "user", None)
    return {
        "is_staff_role": bool(user and user.is_authenticated and user.is_staff_role),
        "demo_mode": settings.DEMO_MODE,
        # Computed only when a template shows the menu (not for fragments and PDFs).
        "menu": SimpleLazyObject(lambda: menu_for(user, request.path)),
    }
