from django.conf import settings


def navigation(request):
    user = getattr(request, "user", None)
    return {
        "is_staff_role": bool(user and user.is_authenticated and user.is_staff_role),
        "demo_mode": settings.DEMO_MODE,
    }
