"""Pages of the proofs area: the municipality's proofs of use (this module) and the staff pages
(check, settlement, recoveries, base rates: proofs_staff.py). Mounted under /zuwendungen/."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.rules import is_staff_member
from applications.forms import CaseSearchForm
from foundation.files import private_pdf_response
from foundation.forms import filter_context
from foundation.paging import paginate

from ..enums import OPEN_PROOF_STATES, ProofKind, RecoveryState
from ..exceptions import PaymentsError
from ..models import Recovery
from ..proofs_forms import AddedLineFormSet, PlannedLineForm, ProofForm, add_payments_error
from ..rules import may_submit_proof
from ..selectors import proofs as selectors
from ..services import proofs as services
from ..services.proofs_recovery import recovery_notice
from . import proofs_staff as staff


@login_required
def proof_list(request):
    """All grants of the user's municipalities with their proofs and due dates (?offen=1: only
    the proofs still to hand in)."""
    open_only = request.GET.get("offen") == "1"
    form = CaseSearchForm(request.GET or None)
    grants = paginate(request, selectors.own_grants_with_proofs(request.user, open_only=open_only, q=form.text))
    for grant in grants:
        grant.may_edit_proofs = may_submit_proof(request.user, grant)
    return render(request, "payments/proofs/list.html", {
        "grants": grants, "page": grants, "today": timezone.localdate(), "open_only": open_only,
        "for_staff": is_staff_member(request.user),
        **filter_context(form, reverse("payments:proofs"), offen="1" if open_only else "")})


@login_required
def grant_proofs(request, grant_id: int):
    grant = selectors.grant_for_user(request.user, grant_id)
    proofs = list(grant.proofs.order_by("due_on", "pk"))
    recoveries = list(Recovery.objects.filter(grant=grant).order_by("-created_at"))
    notices = {r.pk: recovery_notice(r) for r in recoveries}
    return render(request, "payments/proofs/grant.html", {
        "grant": grant, "proofs": proofs, "recoveries": [(r, notices[r.pk]) for r in recoveries],
        "may_edit": may_submit_proof(request.user, grant), "today": timezone.localdate()})


@login_required
def proof_detail(request, pk: int):
    proof = selectors.proof_for_user(request.user, pk)
    lines = list(proof.cost_lines.all())
    may_edit = may_submit_proof(request.user, proof.grant) and proof.editable
    return render(request, "payments/proofs/detail.html", {
        "proof": proof, "grant": proof.grant, "lines": lines, "figures": services.proof_figures(proof, lines),
        "may_edit": may_edit,
        "problems": services.submission_problems(proof) if may_edit else [],
        "may_check": staff.may_check(request.user) and proof.state == "submitted", "today": timezone.localdate()})


def _years(proof) -> list[int]:
    if proof.kind == ProofKind.INTERIM:
        return [proof.budget_year]
    return list(range(proof.grant.project_start.year, proof.grant.project_end.year + 1))


def _editable(request, pk: int):
    proof = selectors.proof_for_user(request.user, pk)
    if not may_submit_proof(request.user, proof.grant):
        raise PermissionDenied
    if proof.state not in OPEN_PROOF_STATES:
        messages.info(request, _("Der Nachweis ist eingereicht und kann nicht mehr geändert werden."))
        return proof, redirect("payments:proof-detail", pk=proof.pk)
    if proof.superseded:
        messages.info(request, services.SUPERSEDED)
        return proof, redirect("payments:proof-detail", pk=proof.pk)
    return proof, None


@login_required
def proof_edit(request, pk: int):
    proof, done = _editable(request, pk)
    if done:
        return done
    if not proof.cost_lines.exists():
        services.prefill_lines(proof)
    lines = list(proof.cost_lines.order_by("budget_year", "position", "pk"))
    planned = [line for line in lines if line.planned > 0]
    added = [line for line in lines if line.planned == 0]
    years = _years(proof)
    data = request.POST if request.method == "POST" else None
    form = ProofForm(data, initial={"report": proof.report, "third_party_funds": proof.third_party_funds})
    planned_forms = [(line, PlannedLineForm(data, prefix=f"l{line.pk}", initial={"amount": line.amount}))
                     for line in planned]
    formset = AddedLineFormSet(data, prefix="added", form_kwargs={"years": years}, initial=[
        {"line_id": line.pk, "category": line.category, "description": line.description,
         "budget_year": line.budget_year, "amount": line.amount, "eligible": line.eligible} for line in added])
    status = 200
    if request.method == "POST":
        lines_valid = [f.is_valid() for _line, f in planned_forms]  # every form validated, for its errors
        valid = form.is_valid() & all(lines_valid) & formset.is_valid()
        if valid:
            inputs = [services.ProofLineInput(amount=f.cleaned_data["amount"], line_id=line.pk)
                      for line, f in planned_forms]
            known = {line.pk for line in added}
            for row in formset.forms:
                cd = row.cleaned_data
                if not cd or cd.get("DELETE") or (not row.has_changed() and not cd.get("line_id")):
                    continue
                line_id = cd.get("line_id") if cd.get("line_id") in known else None
                inputs.append(services.ProofLineInput(
                    amount=cd["amount"], line_id=line_id, category=cd["category"], description=cd["description"],
                    budget_year=cd["budget_year"], eligible=cd["eligible"]))
            try:
                services.save_proof_draft(actor=request.user, proof_id=proof.pk, report=form.cleaned_data["report"],
                                          third_party_funds=form.cleaned_data["third_party_funds"], lines=inputs)
            except PaymentsError as exc:
                add_payments_error(form, exc)
            else:
                messages.success(request, _("Ihre Angaben wurden als Entwurf gespeichert."))
                action = request.POST.get("action")
                if action == "more":
                    return redirect("payments:proof-edit", pk=proof.pk)
                if action == "submit":
                    return redirect("payments:proof-submit", pk=proof.pk)
                return redirect("payments:proof-detail", pk=proof.pk)
        messages.error(request, _("Die Angaben wurden nicht gespeichert. Bitte prüfen Sie die markierten Felder."))
        status = 400
    return render(request, "payments/proofs/edit.html", {
        "proof": proof, "grant": proof.grant, "form": form, "planned_forms": planned_forms, "formset": formset,
        "figures": services.proof_figures(proof, lines), "lines": lines,
        "overrun_percent": proof.grant.call.program.line_overrun_percent,
        "planned_third_party": services.planned_third_party(proof)}, status=status)


@login_required
def proof_submit(request, pk: int):
    """Confirmation step: the totals, warnings and what is missing; POST submits."""
    proof, done = _editable(request, pk)
    if done:
        return done
    if request.method == "POST":
        try:
            services.submit_proof(actor=request.user, proof_id=proof.pk)
        except PaymentsError as exc:
            messages.error(request, exc.message)
            return redirect("payments:proof-submit", pk=proof.pk)
        messages.success(request, _("Der Nachweis wurde eingereicht. Die Sachbearbeitung prüft ihn."))
        return redirect("payments:proof-detail", pk=proof.pk)
    lines = list(proof.cost_lines.all())
    return render(request, "payments/proofs/submit.html", {
        "proof": proof, "grant": proof.grant, "lines": lines, "figures": services.proof_figures(proof, lines),
        "problems": services.submission_problems(proof)})


@login_required
def recovery_notice_download(request, pk: int):
    """The stored Rückforderungsbescheid, for the grantee and for staff."""
    recovery = selectors.recovery_for_grantee(request.user, pk)
    notice = recovery_notice(recovery)
    if notice is None:
        messages.info(request, _("Der Rückforderungsbescheid wird erstellt. Bitte versuchen Sie es gleich noch "
                                 "einmal."))
        if recovery.state == RecoveryState.OPEN and staff.may_manage(request.user):
            return redirect("payments:recovery-detail", pk=recovery.pk)
        return redirect("payments:grant-proofs", grant_id=recovery.grant_id)
    return private_pdf_response(notice.file, notice.download_name)


urlpatterns = [
    path("nachweise/", proof_list, name="proofs"),
    path("<int:grant_id>/nachweise/", grant_proofs, name="grant-proofs"),
    path("nachweise/<int:pk>/", proof_detail, name="proof-detail"),
    path("nachweise/<int:pk>/bearbeiten/", proof_edit, name="proof-edit"),
    path("nachweise/<int:pk>/einreichen/", proof_submit, name="proof-submit"),
    path("rueckforderungen/<int:pk>/bescheid/", recovery_notice_download, name="recovery-notice"),
    *staff.urlpatterns,
]
