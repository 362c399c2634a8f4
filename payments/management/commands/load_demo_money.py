"""Demo data of the money side (run after load_demo): an earlier call whose jury has decided, with a
grant that is final and partly paid, a decision awaiting the approver, and a reserve application;
and a pilot round whose projects ended last year: a final proof of use waiting for the case worker's
check, a settled grant with an open recovery, and a settled grant whose final payment waits for its
check and release. Everything is dated relative to today, so that each step can be taken today.

Recovery interest: the demo's recovery runs from today (the day its settlement is confirmed), so no
interest is due on the day the demo is loaded and no base rate beyond the official table is needed;
the demo adds no base rates of its own.

Every step after the jury goes through the payments services, so the demo shows real cases with
their history. Safe to run again: a call that exists is left as it is."""

import datetime as dt
from contextlib import contextmanager
from decimal import Decimal
from unittest import mock
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
from payments.services import proofs as proof_services
from payments.services import proofs_settlement as settlement_services
from payments.tasks import render_grant_notice

BERLIN = ZoneInfo("Europe/Berlin")


@contextmanager
def _dated(day: dt.date):
    """Replay a step of the demo's past: the decision services date notices, appeal ends and finality with
    payments.services.decisions.today(); the demo sets it to `day` for the pilot round's history."""
    with mock.patch.object(decisions, "today", lambda: day):
        yield


TITLE = "Förderaufruf Smarte Region (erste Runde)"
PILOT_TITLE = "Förderaufruf Smarte Region (Pilotrunde)"
# (title, lead, eligible per year, paid out, eligible costs proven per year, what happens)
PILOT_CASES = [
    ("Digitales Rathaus", "kommune", (Decimal("300000.00"), Decimal("300000.00")), Decimal("300000.00"),
     (Decimal("295000.00"), Decimal("301000.00")), "proof_submitted"),
    ("Pegelmessnetz Lahn", "Gießen", (Decimal("200000.00"), Decimal("200000.00")), Decimal("300000.00"),
     (Decimal("150000.00"), Decimal("150000.00")), "recovery"),
    ("Bürger-App mit Mängelmelder", "kommune", (Decimal("150000.00"), Decimal("150000.00")), Decimal("240000.00"),
     (Decimal("150000.00"), Decimal("150000.00")), "final_payment"),
]
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
        users = {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith="@demo.example")}
        if not Call.objects.filter(program=program, title=TITLE).exists():
            self._first_round(program, users, options)
        if not Call.objects.filter(program=program, title=PILOT_TITLE).exists():
            self._pilot_round(program, users)

    def _first_round(self, program, users, options):
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
        self._bank_account(grant, applicant, worker)
        today = timezone.localdate()
        bank_day = self._bank_day()
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

    @staticmethod
    def _bank_day(day: dt.date | None = None) -> dt.date:
        """The last TARGET2 business day up to today (or `day`): the demo's payment runs were executed on it."""
        bank_day = day or timezone.localdate()
        while not schedule.is_target2_business_day(bank_day):
            bank_day -= dt.timedelta(days=1)
        return bank_day

    @staticmethod
    def _bank_account(grant, applicant, worker):
        if current_bank_account(grant.application.lead_id) is None:
            account = disbursements.change_bank_account(actor=applicant, municipality_id=grant.application.lead_id,
                                                        holder=grant.application.lead.name[:70],
                                                        iban="DE89 3704 0044 0532 0130 00")
            disbursements.confirm_bank_account(actor=worker, account_id=account.pk)

    def _pilot_round(self, program, users):
        """Projects that ran over the two previous years: proofs, settlements, a recovery, a final payment."""
        worker, approver, applicant = users["sachbearbeitung"], users["bewilligung"], users["kommune"]
        today = timezone.localdate(timezone=BERLIN)
        # the notices a month before the projects started (1 January two years ago); the call closed
        # three months before the notices
        issued_on = dt.date(today.year - 2, 1, 1) - dt.timedelta(days=30)
        closed_days_ago = (today - issued_on).days + 90
        with transaction.atomic():
            call = self._call(program, title=PILOT_TITLE, years=(today.year - 2, today.year - 1),
                              opens_days_ago=closed_days_ago + 80, closes_days_ago=closed_days_ago,
                              description="Die Pilotrunde: die Vorhaben sind abgeschlossen, die "
                                          "Verwendungsnachweise werden geprüft und abgerechnet.")
            apps = [(self._application(call, applicant, title, lead, ApplicationState.RECOMMENDED, per_year), rest)
                    for title, lead, per_year, *rest in PILOT_CASES]
        # the past, replayed with its dates: the notices, then half of the money requested and paid in the
        # autumn of each project year (each year's share from its commitment)
        for app, _rest in apps:
            with _dated(issued_on):
                d = decisions.prepare_decision(actor=worker, application_id=app.pk, kind=DecisionKind.APPROVE)
                decisions.confirm_decision(actor=approver, decision_id=d.pk)
                grant = Application.objects.get(pk=app.pk).grant
                render_grant_notice(grant_id=grant.pk)
                decisions.waive_appeal(actor=applicant, grant_id=grant.pk)
            self._bank_account(grant, applicant, worker)
        for year in (today.year - 2, today.year - 1):
            requested_on = dt.date(year, 10, 1)
            bank_day = self._bank_day(requested_on + dt.timedelta(days=14))
            paid_requests = []
            for app, (paid, _proven, _outcome) in apps:
                half = (paid / 2).quantize(Decimal("0.01"))
                request = disbursements.request_disbursement(
                    actor=applicant, grant_id=app.grant.pk, amount=half,
                    purpose=f"Rechnungen der Auftragnehmer {year}", needed_on=requested_on + dt.timedelta(days=21),
                    own_spending=(half / 9).quantize(Decimal("0.01")), today=requested_on)
                disbursements.check_disbursement(actor=worker, disbursement_id=request.pk)
                disbursements.release_disbursement(actor=approver, disbursement_id=request.pk)
                paid_requests.append(request.pk)
            run = disbursements.create_payment_run(actor=worker, execution_date=bank_day,
                                                   disbursement_ids=paid_requests, today=bank_day)
            disbursements.confirm_payment_run(actor=approver, run_id=run.pk, paid_on=bank_day, today=bank_day)
        for app, (_paid, proven, outcome) in apps:
            grant = Application.objects.get(pk=app.pk).grant
            proof_services.schedule_proofs(grant)
            proof = grant.proofs.get(kind="final")
            lines = list(proof.cost_lines.order_by("budget_year", "position", "pk"))
            proof_services.save_proof_draft(
                actor=applicant, proof_id=proof.pk, third_party_funds="0",
                report="Das Vorhaben wurde wie geplant umgesetzt und ist in Betrieb. Die Daten stehen offen zur "
                       "Verfügung; zwei Nachbarkommunen übernehmen die Lösung.",
                lines=[proof_services.ProofLineInput(amount=amount, line_id=line.pk)
                       for line, amount in zip(lines, proven, strict=True)])
            proof_services.submit_proof(actor=applicant, proof_id=proof.pk)
            if outcome == "proof_submitted":
                continue  # waits for the case worker's check
            proof_services.accept_proof(actor=worker, proof_id=proof.pk, note="Sachbericht und Zahlen geprüft.")
            settlement = settlement_services.prepare_settlement(
                actor=worker, grant_id=grant.pk, today=today,
                ineffective_from=today if outcome == "recovery" else None)
            settlement_services.confirm_settlement(actor=approver, settlement_id=settlement.pk, today=today)

    def _call(self, program, *, title=TITLE, years=None, opens_days_ago=200, closes_days_ago=120,
              description="Die erste Runde: die Jury hat entschieden, das Ministerium bewilligt und zahlt aus."):
        today = timezone.localdate(timezone=BERLIN)
        opens = dt.datetime.combine(today - dt.timedelta(days=opens_days_ago), dt.time(9, 0), tzinfo=BERLIN)
        closes = dt.datetime.combine(today - dt.timedelta(days=closes_days_ago), dt.time(12, 0), tzinfo=BERLIN)
        call = Call.objects.create(
            program=program, title=title, opens_at=opens, closes_at=closes, total_budget=Decimal("4000000.00"),
            state=CallState.CLOSED, description=description)
        # the first round's budget years are this year and the next, so that money is requested inside the
        # funding period and booked to a committed year whatever day the demo is loaded
        for year in years or (today.year, today.year + 1):
            amount = Decimal("2000000.00")
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
