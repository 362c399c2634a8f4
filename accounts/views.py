from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from foundation.forms import filter_context
from foundation.paging import paginate
from foundation.params import id_or_404
from foundation.permissions import require_perm

from . import services
from .exceptions import AccountsError
from .forms import ApiTokenForm, InvitationForm, MembershipRequestForm, MembershipSearchForm, RefuseForm
from .selectors import memberships_of, pending_memberships


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


@login_required
def membership_review(request):
    require_perm(request, "accounts.decide_membership")
    form = MembershipSearchForm(request.GET or None)
    return render(request, "accounts/membership_review.html", {
        "pending": paginate(request, pending_memberships(q=form.text)), "invite_form": InvitationForm(),
        "refuse_form": RefuseForm(), **filter_context(form, reverse("accounts:membership-review")),
    })


@login_required
@require_POST
def membership_decide(request, pk: int, decision: str):
    require_perm(request, "accounts.decide_membership")
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
    require_perm(request, "accounts.decide_membership")
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
        "pending": paginate(request, pending_memberships()), "invite_form": form, "refuse_form": RefuseForm(),
        **filter_context(MembershipSearchForm(), reverse("accounts:membership-review")),
    }, status=400)


@login_required
def api_token(request):
    """Personal API keys: create (shown once), renew, revoke; list with scope, expiry and last use."""
    from .mfa import session_passed_second_factor
    from .selectors import api_tokens_of

    max_days = services.max_token_days(request.user)
    form = ApiTokenForm(max_days=max_days)
    new_key = None
    errors = []
    if request.method == "POST":
        action = request.POST.get("action", "create")
        passed = session_passed_second_factor(request)
        try:
            if action == "create":
                form = ApiTokenForm(request.POST, max_days=max_days)
                if form.is_valid():
                    _token, new_key = services.create_api_token(
                        user=request.user, second_factor_passed=passed, **form.cleaned_data)
                    form = ApiTokenForm(max_days=max_days)
            elif action == "renew":
                _token, new_key = services.renew_api_token(
                    user=request.user, token_id=id_or_404(request.POST.get("token")), second_factor_passed=passed)
            elif action == "revoke":
                services.revoke_api_token(user=request.user, token_id=id_or_404(request.POST.get("token")))
                messages.success(request, _("Der API-Schlüssel wurde widerrufen und gilt ab sofort nicht mehr."))
                return redirect("accounts:api-token")
            else:
                raise Http404
        except AccountsError as exc:
            if form.is_bound:
                form.add_error(None, str(exc))
            else:
                errors.append(str(exc))
        if new_key:
            messages.success(request, _("Der API-Schlüssel wurde erzeugt."))
    status = 400 if form.errors or errors else 200
    return render(request, "accounts/api_token.html", {
        "form": form, "tokens": api_tokens_of(request.user), "new_key": new_key, "max_days": max_days,
        "errors": errors,
    }, status=status)

