from django.shortcuts import render

from .selectors import start_sections


def home(request):
    """The landing page for visitors; for a signed-in person what they have to do now, per role."""
    if not request.user.is_authenticated:
        from grants.selectors import open_calls

        return render(request, "pages/landing.html", {"calls": open_calls()})
    return render(request, "pages/home.html", {"sections": start_sections(request.user)})
