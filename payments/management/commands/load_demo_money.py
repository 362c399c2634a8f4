"""Demo data of the money side (run after load_demo): an earlier call whose jury has decided, with a
grant that is final and partly paid, a decision awaiting the approver, and a reserve application.

Every step after the jury goes through the payments services, so the demo shows real cases with
their history. Safe to run again: a call that exists is left as it is."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Municipality, User
from applications.enums import ApplicationState, CostCategory
from applications.financing import figures_for
from applications.models import Application, CostLine
from grants.enums import CallState
from grants.models import Call, CallBudgetYear, FundingProgram
from grants.services import next_case_number
from payments import schedule
from payments.enums import DecisionKind
from payments.selectors.disbursements import current_bank_account
from payments.services import decisions, disbursements
from payments.tasks import render_grant_notice

BERLIN = ZoneInfo("Europe/Berlin")
TITLE = "Förderaufruf Smarte Region (erste Runde)"
# (title, lead: "kommune" = the demo applicant's town, else a Landkreis name part, state, eligible per year)
CASES = [
    ("Smarte Straßenbeleuchtung", "kommune", ApplicationState.RECOMMENDED, (Decimal("420000.00"),
                                                                            Decimal("380000.00"))),
    ("Digitale Bürgerdienste im Kreis", "Vogelsberg", ApplicationState.RECOMMENDED, (Decimal("300000.00"),
                                                                                     Decimal("250000.00"))),
    ("Mobilitätsdaten-Plattform", "Lahn-Dill", ApplicationState.RESERVE, (Decimal("650000.00"),
                                                                          Decimal("600000.00"))),
]


class Command(BaseCommand):
    help = "Lädt Demodaten zu Bewilligung, Bescheid und Auszahlung (nach load_demo; idempotent)."

    def handle(self, *args, **options):
        program = FundingProgram.objects.filter(short_name="SHH2").first()
        if program is None:
            raise CommandError("Zuerst load_demo ausführen.")
        if Call.objects.filter(program=program, title=TITLE).exists():
            return
        users = {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith="@demo.example")}
        worker, approver, applicant = users["sachbearbeitung"], users["bewilligung"], users["kommune"]
        with transaction.atomic():
            call = self._call(program)
            apps = [self._application(call, applicant, *case) for case in CASES]
        # 1: approved, notice issued (Celery, after commit), appeal waived, one instalment paid, one requested
        d = decisions.prepare_decision(actor=worker, application_id=apps[0].pk, kind=DecisionKind.APPROVE)
        decisions.confirm_decision(actor=approver, decision_id=d.pk)
        grant = Application.objects.get(pk=apps[0].pk).grant
        render_grant_notice(grant_id=grant.pk)  # normally after commit via Celery; safe to run twice
        decisions.waive_appeal(actor=applicant, grant_id=grant.pk)
        if current_bank_account(grant.application.lead_id) is None:
            account = disbursements.change_bank_account(actor=applicant, municipality_id=grant.application.lead_id,
                                                        holder=grant.application.lead.name[:70],
                                                        iban="DE89 3704 0044 0532 0130 00")
            disbursements.confirm_bank_account(actor=worker, account_id=account.pk)
        today = timezone.localdate()
        bank_day = today  # the last TARGET2 business day up to today: the demo run was executed on it
        while not schedule.is_target2_business_day(bank_day):
            bank_day -= dt.timedelta(days=1)
        first = disbursements.request_disbursement(
            actor=applicant, grant_id=grant.pk, amount=Decimal("120000.00"),
            purpose="Abschlagsrechnung Leuchtenköpfe und Steuerungsmodule (Los 1)",
            needed_on=today + dt.timedelta(days=14), own_spending=Decimal("13400.00"))
        disbursements.check_disbursement(actor=worker, disbursement_id=first.pk)
        disbursements.release_disbursement(actor=approver, disbursement_id=first.pk)
        run = disbursements.create_payment_run(actor=worker, execution_date=bank_day, disbursement_ids=[first.pk],
                                               today=bank_day)
        disbursements.confirm_payment_run(actor=approver, run_id=run.pk, paid_on=bank_day)
        disbursements.request_disbursement(
            actor=applicant, grant_id=grant.pk, amount=Decimal("85000.00"),
            purpose="Datenplattform: erste Teilleistung", needed_on=today + dt.timedelta(days=30),
            own_spending=Decimal("22900.00"))
        # 2: prepared by the case worker, waiting for the approver (four-eyes)
        decisions.prepare_decision(actor=worker, application_id=apps[1].pk, kind=DecisionKind.APPROVE)
        # 3: stays on the reserve list (Nachrücker)
        if options["verbosity"] > 1:
            self.stdout.write(f"Demo-Zuwendungen: {call.title} mit {len(apps)} Vorgängen.")

    def _call(self, program):
        today = timezone.localdate(timezone=BERLIN)
        opens = dt.datetime.combine(today - dt.timedelta(days=200), dt.time(9, 0), tzinfo=BERLIN)
        closes = dt.datetime.combine(today - dt.timedelta(days=120), dt.time(12, 0), tzinfo=BERLIN)
        call = Call.objects.create(
            program=program, title=TITLE, opens_at=opens, closes_at=closes, total_budget=Decimal("4000000.00"),
            state=CallState.CLOSED,
            description="Die erste Runde: die Jury hat entschieden, das Ministerium bewilligt und zahlt aus.")
        # the budget years are this year and the next, so that money is requested inside the funding period
        # and booked to a committed year whatever day the demo is loaded
        for year, amount in ((today.year, Decimal("2000000.00")), (today.year + 1, Decimal("2000000.00"))):
            CallBudgetYear.objects.create(call=call, year=year, amount=amount, chapter="07 02", title_code="883 01")
        Call.objects.filter(pk=call.pk).update(frozen_at=closes)  # its applications came in
        call.refresh_from_db()
        return call

    def _application(self, call, applicant, title, lead_hint, state, per_year):
        first_year = min(call.budget_years.values_list("year", flat=True))
        if lead_hint == "kommune":
            lead = Membership.objects.filter(user=applicant).order_by("pk").first().municipality
        else:
            lead = Municipality.objects.filter(kind="landkreis", name__icontains=lead_hint).first() \
                or Municipality.objects.filter(kind="landkreis").first()
        app = Application.objects.create(
            call=call, lead=lead, title=title, created_by=applicant, state=state,
            case_number=next_case_number(program=call.program, year=call.closes_at.year),
            submitted_at=call.closes_at - dt.timedelta(days=3), submissions=1,
            summary="Modellprojekt mit offenen Schnittstellen, übertragbar auf andere Kommunen.",
            objectives="Weniger Energieverbrauch, bessere Dienste.", benefit="Spürbar im Alltag.",
            transferability="Open Source, dokumentiert.", start_date=dt.date(first_year, 1, 1),
            end_date=dt.date(first_year + 1, 12, 31), declaration_not_started=True, declaration_own_share=True)
        app.topics.set(call.program.topics.filter(number__in=[8 if "Licht" in title or "Beleucht" in title else 1]))
        for position, (year, amount) in enumerate(zip((first_year, first_year + 1), per_year, strict=True)):
            CostLine.objects.create(application=app, position=position, category=CostCategory.INVESTMENT,
                                    description=f"Umsetzung {year}", budget_year=year, amount=amount)
        figures = figures_for(app)
        Application.objects.filter(pk=app.pk).update(
            total_costs=figures.total_costs, eligible_costs=figures.eligible_costs,
            third_party_funds=figures.third_party_funds, grant_amount=figures.grant,
            own_share=figures.own_share)
        return app
