from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from . import services
from .exceptions import AccountsError
from .forms import InvitationForm, MembershipRequestForm, RefuseForm
from .rules import is_case_worker
from .selectors import approved_municipalities, memberships_of, pending_memberships


def home(request):
    if not request.user.is_authenticated:
        from grants.selectors import open_calls

        return render(request, "pages/landing.html", {"calls": open_calls()})
    from applications.selectors import applications_for_user, staff_queue_counts

    context = {
        "municipalities": approved_municipalities(request.user),
        "applications": applications_for_user(request.user)[:10],
    }
    if request.user.is_staff_role:
        context["queue"] = staff_queue_counts()
        context["pending_memberships"] = pending_memberships().count()
    return render(request, "pages/home.html", context)


@login_required
def memberships(request):
    form = MembershipRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_membership(user=request.user, municipality=form.cleaned_data["municipality"],
                                        function=form.cleaned_data["function"])
        except AccountsError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Ihre Anfrage wurde gesendet. Die Sachbearbeitung prüft sie."))
            return redirect("accounts:memberships")
    return render(request, "accounts/memberships.html",
                  {"form": form, "memberships": memberships_of(request.user)})


def _require_case_worker(request):
    if not is_case_worker(request.user):
        raise PermissionDenied


@login_required
def membership_review(request):
    _require_case_worker(request)
    return render(request, "accounts/membership_review.html", {
        "pending": pending_memberships(), "invite_form": InvitationForm(), "refuse_form": RefuseForm(),
    })


@login_required
@require_POST
def membership_decide(request, pk: int, decision: str):
    _require_case_worker(request)
    if decision not in {"approve", "refuse"}:
        raise Http404
    try:
        if decision == "approve":
            services.approve_membership(actor=request.user, membership_id=pk)
            messages.success(request, _("Die Mitgliedschaft wurde bestätigt."))
        else:
            form = RefuseForm(request.POST)
            if not form.is_valid():
                raise AccountsError(_("Bitte begründen Sie die Ablehnung."))
            services.refuse_membership(actor=request.user, membership_id=pk, reason=form.cleaned_data["reason"])
            messages.success(request, _("Die Anfrage wurde abgelehnt."))
    except AccountsError as exc:
        messages.error(request, str(exc))
    except services.Membership.DoesNotExist:
        messages.error(request, _("Diese Anfrage existiert nicht."))
    return redirect("accounts:membership-review")


@login_required
@require_POST
def invite(request):
    _require_case_worker(request)
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            services.invite_member(actor=request.user, email=form.cleaned_data["email"],
                                   municipality=form.cleaned_data["municipality"])
        except AccountsError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Die Einladung wurde versendet."))
        return redirect("accounts:membership-review")
    return render(request, "accounts/membership_review.html", {
        "pending": pending_memberships(), "invite_form": form, "refuse_form": RefuseForm(),
    }, status=400)


@login_required
def api_token(request):
    """Create or renew the personal API token for portals and scripts."""
    token = Token.objects.filter(user=request.user).first()
    new_key = None
    if request.method == "POST":
        if token:
            token.delete()
        token = Token.objects.create(user=request.user)
        new_key = token.key
        messages.success(request, _("Ein neuer API-Schlüssel wurde erzeugt. Der alte gilt nicht mehr."))
    return render(request, "accounts/api_token.html", {"token": token, "new_key": new_key})
