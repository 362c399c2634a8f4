"""Demo data: the real SHH2 program, an open call dated relative to today, users for every role,
Hessen's municipalities and a few applications. Safe to run again: nothing is duplicated."""

import datetime as dt
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.enums import MembershipState
from accounts.models import Membership, Municipality, User
from applications.enums import AttachmentKind, CostCategory
from applications.models import Application
from applications.services import (
    CostLineInput,
    add_attachment,
    create_application,
    submit_application,
    update_application,
)
from foundation.pdf import render_pdf
from grants.models import Call, CallBudgetYear, Criterion, FundingProgram, Topic
from grants.services import publish_call

BERLIN = ZoneInfo("Europe/Berlin")
PASSWORD = "Demo-Passwort-2026"
# Fixed demo TOTP secrets (base32) so a demo login can be set up in any authenticator app.
USERS = [
    ("kommune@demo.example", "Kim", "Kommunal", ["applicant"], None),
    ("partner@demo.example", "Pat", "Partner", ["applicant"], None),
    ("jury@demo.example", "Jo", "Jurorin", ["jury"], None),
    ("jury2@demo.example", "Jan", "Juror", ["jury"], None),
    ("jury3@demo.example", "Jule", "Jurorin", ["jury"], None),
    ("sachbearbeitung@demo.example", "Sascha", "Sachbearbeitung", ["case_worker"], "JBSWY3DPEHPK3PXPSHH2CASEWORKER22"),
    ("bewilligung@demo.example", "Bea", "Bewilligung", ["approver"], "JBSWY3DPEHPK3PXPSHH2APPROVER2222"),
    ("admin@demo.example", "Ada", "Administration", ["admin"], "JBSWY3DPEHPK3PXPSHH2ADMINISTRA22"),
]
TOPICS = [
    (1, "Verwaltungsdigitalisierung/eGovernment", "eAkte, Open Data, Open Government, digitale Kompetenzen"),
    (2, "Smart Environment", "Sensornetze, Datenplattformen"),
    (3, "Gesellschaft", "Digitalisierungsdialoge, Stadtlabore"),
    (4, "Transfer durch Coaching", ""),
    (5, "Smart Mobility", "Verkehrsflüsse"),
    (6, "Smart Business", "stationärer Einzelhandel"),
    (7, "Smart Health", "Videosprechstunde"),
    (8, "Smart Energy", "Straßenbeleuchtung, Energiemarktplätze, effiziente digitale Infrastruktur"),
]
# Postal addresses of the municipalities the demo writes to (the directory import has none); only set
# where empty, so that an address edited in the admin stays.
ADDRESSES = [
    ("sonderstatusstadt", "Marburg", "Markt 1", "35037", "Marburg"),
    ("landkreis", "Gießen", "Riversplatz 1-9", "35394", "Gießen"),
    ("landkreis", "Vogelsberg", "Goldhelg 20", "36341", "Lauterbach"),
    ("landkreis", "Lahn-Dill", "Karl-Kellner-Ring 51", "35576", "Wetzlar"),
    ("landkreis", "Marburg-Biedenkopf", "Im Lichtenholz 60", "35043", "Marburg"),
]
CRITERIA = [
    ("Neuheit und Innovationsgehalt", Decimal("2"), Decimal("2.5")),
    ("Nutzen für Bürgerinnen und Bürger", Decimal("2"), Decimal("2.5")),
    ("Übertragbarkeit auf andere Kommunen", Decimal("1.5"), Decimal("2")),
    ("Geringer Energieverbrauch", Decimal("1"), None),
    ("Gemeinschaftsvorhaben mehrerer Kommunen", Decimal("1"), None),
]


class Command(BaseCommand):
    help = "Lädt Demodaten (idempotent) und gibt die Demo-Zugänge aus."

    def add_arguments(self, parser):
        parser.add_argument("--no-logins", action="store_true", help="Zugänge nicht ausgeben.")
        parser.add_argument("--only-logins", action="store_true", help="Nur die Zugänge ausgeben.")

    def handle(self, *args, **options):
        if options["only_logins"]:
            self._print_logins()
            return
        directory = Path(settings.BASE_DIR) / "data" / "destatis" / "GV100AD_hessen_demo.txt"
        if directory.exists() and not Municipality.objects.exists():
            call_command("import_municipalities", str(directory), verbosity=0)
        if not Municipality.objects.exists():
            raise CommandError("Keine Kommunen vorhanden: Gemeindeverzeichnis fehlt.")
        with transaction.atomic():
            users = self._users()
            program = self._program()
            self._public_texts(program)
            call = self._call(program, users["admin@demo.example"])
            self._second_program(users["admin@demo.example"])
            self._memberships(users)
            self._addresses()
        self._applications(call, users)
        self._jury(call, users)
        if not options["no_logins"]:
            self._print_logins()

    def _users(self):
        users = {}
        for email, first, last, roles, secret in USERS:
            user, created = User.objects.get_or_create(email=email, defaults={"first_name": first, "last_name": last})
            if created:
                user.set_password(PASSWORD)
                if "admin" in roles:
                    user.is_staff = user.is_superuser = True
                user.save()
            EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
            user.groups.add(*(Group.objects.get_or_create(name=r)[0] for r in roles))
            if secret and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
                TOTP.activate(user, secret)
            users[email] = user
        return users

    def _program(self):
        program, _ = FundingProgram.objects.get_or_create(short_name="SHH2", defaults={
            "name": "Starke Heimat Hessen – Phase 2: Förderung smarter Kommunen und Regionen",
            "legal_basis": "§§ 23, 44 Hessische Landeshaushaltsordnung (LHO) mit den Verwaltungsvorschriften; "
                           "Richtlinie des Landes Hessen zur Förderung smarter Kommunen und Regionen.",
            "funding_rate": Decimal("0.9000"), "min_grant": Decimal("100000.00"),
            "max_grant": Decimal("2500000.00"), "period_start": dt.date(2027, 1, 1),
            "period_end": dt.date(2029, 12, 31), "max_duration_months": 24, "case_number_prefix": "SHH2",
            "general_conditions_edition": "ANBest-GK (Hessen), Fassung 2023",
        })
        for number, name, description in TOPICS:
            Topic.objects.get_or_create(program=program, number=number,
                                        defaults={"name": name, "description": description})
        for order, (name, weight, threshold) in enumerate(CRITERIA, 1):
            Criterion.objects.get_or_create(program=program, name=name, defaults={
                "order": order, "weight": weight, "threshold": threshold})
        return program

    def _public_texts(self, program):
        """What the public page of the call says (from the program's published description)."""
        texts = {
            "summary": "Modellprojekte hessischer Kommunen in Smart City und Smart Region einschließlich der "
                       "Verwaltungsdigitalisierung – bevorzugt Gemeinschaftsvorhaben mehrerer Kommunen. Gefördert "
                       "wird, was neu und innovativ ist, den Bürgerinnen und Bürgern nützt, auf andere Kommunen "
                       "übertragbar ist und wenig Energie verbraucht.",
            "eligible_applicants": "Hessische Gemeinden, kreisfreie Städte, Sonderstatusstädte und Landkreise; "
                                   "bei Gemeinschaftsvorhaben beantragt eine Kommune federführend für alle.",
            "required_documents": "Beschluss des zuständigen Gremiums (Ratsbeschluss)\n"
                                  "Projektbeschreibung\n"
                                  "Finanzierungsplan nach Haushaltsjahren (im Antragsformular)\n"
                                  "Kooperationsvereinbarung bei Gemeinschaftsvorhaben",
            "contact_name": "Referat Förderung smarter Kommunen und Regionen",
        }
        blank = {field: value for field, value in texts.items() if not getattr(program, field)}
        if blank:
            FundingProgram.objects.filter(pk=program.pk).update(**blank)

    def _second_program(self, admin):
        """A second program with other money rules beside Starke Heimat Hessen (80 %, 50.000 – 1.000.000 €),
        as another Land or a later round would set it up (docs/integration.md), with an open call."""
        program, created = FundingProgram.objects.get_or_create(short_name="DD", defaults={
            "name": "Digitale Dörfer (zweites Programm der Demo)",
            "legal_basis": "§§ 23, 44 LHO; Richtlinie Digitale Dörfer (Beispiel).",
            "funding_rate": Decimal("0.8000"), "min_grant": Decimal("50000.00"),
            "max_grant": Decimal("1000000.00"), "period_start": dt.date(2027, 1, 1),
            "period_end": dt.date(2029, 12, 31), "max_duration_months": 18, "case_number_prefix": "DD",
            "summary": "Kleine Digitalisierungsvorhaben von Gemeinden im ländlichen Raum.",
            "eligible_applicants": "Hessische Gemeinden mit weniger als 20.000 Einwohnerinnen und Einwohnern.",
            "required_documents": "Ratsbeschluss\nProjektbeschreibung",
        })
        if created:
            Topic.objects.create(program=program, number=1, name="Digitale Dorfgemeinschaft")
            Criterion.objects.create(program=program, order=1, name="Nutzen für das Dorf", weight=Decimal("1"))
        today = timezone.localdate(timezone=BERLIN)
        call = Call.objects.filter(program=program).first()
        if call is None:
            call = Call.objects.create(
                program=program, title=f"Digitale Dörfer {today.year + 1}",
                description="Gefördert werden Vorhaben, die das Leben im Dorf digital erleichtern.",
                opens_at=dt.datetime.combine(today - dt.timedelta(days=7), dt.time(9, 0), tzinfo=BERLIN),
                closes_at=dt.datetime.combine(today + dt.timedelta(days=90), dt.time(12, 0), tzinfo=BERLIN),
                total_budget=Decimal("3000000.00"))
            for year in (2027, 2028):
                CallBudgetYear.objects.create(call=call, year=year, amount=Decimal("1500000.00"))
        publish_call(actor=admin, call_id=call.pk)

    def _call(self, program, admin):
        today = timezone.localdate(timezone=BERLIN)
        call = Call.objects.filter(program=program, title__startswith="Förderaufruf Smarte Region").first()
        if call is None:
            opens = dt.datetime.combine(today - dt.timedelta(days=14), dt.time(9, 0), tzinfo=BERLIN)
            closes = dt.datetime.combine(today + dt.timedelta(days=60), dt.time(12, 0), tzinfo=BERLIN)
            call = Call.objects.create(
                program=program, title=f"Förderaufruf Smarte Region {today.year + 1}",
                description="Gesucht werden Modellprojekte hessischer Kommunen in den acht Themenbereichen, "
                            "bevorzugt als Gemeinschaftsvorhaben.",
                opens_at=opens, closes_at=closes, total_budget=Decimal("16000000.00"))
            for year in (2027, 2028, 2029):
                CallBudgetYear.objects.create(call=call, year=year, amount=Decimal("5333333.33") if year != 2029
                                              else Decimal("5333333.34"), chapter="07 02", title_code="883 01")
        publish_call(actor=admin, call_id=call.pk)
        call.refresh_from_db()
        return call

    def _addresses(self):
        for kind, name, street, postal_code, city in ADDRESSES:
            Municipality.objects.filter(kind=kind, name__icontains=name, street="").update(
                street=street, postal_code=postal_code, city=city)

    def _memberships(self, users):
        marburg = Municipality.objects.filter(name__icontains="Marburg", kind="sonderstatusstadt").first() \
            or Municipality.objects.exclude(kind="landkreis").first()
        giessen = Municipality.objects.filter(kind="landkreis", name__icontains="Gießen").first() \
            or Municipality.objects.filter(kind="landkreis").first()
        for email, municipality in (("kommune@demo.example", marburg), ("kommune@demo.example", giessen),
                                    ("partner@demo.example", giessen)):
            Membership.objects.get_or_create(user=users[email], municipality=municipality,
                                             defaults={"state": MembershipState.APPROVED})

    def _applications(self, call, users):
        user = users["kommune@demo.example"]
        lead = Membership.objects.filter(user=user).order_by("pk").first().municipality
        partner = Membership.objects.filter(user=users["partner@demo.example"]).first().municipality
        if not Application.objects.filter(call=call, title="Digitaler Zwilling der Innenstadt").exists():
            app = create_application(actor=user, call=call, lead=lead, title="Digitaler Zwilling der Innenstadt")
            self._fill(app, user, partner, Decimal("480000.00"))
            add_attachment(actor=user, application_id=app.pk, kind=AttachmentKind.COUNCIL_RESOLUTION,
                           upload=SimpleUploadedFile("ratsbeschluss.pdf", render_pdf(
                               "<h1>Ratsbeschluss</h1><p>Die Stadtverordnetenversammlung beschließt die "
                               "Teilnahme am Förderaufruf.</p>")))
            submit_application(actor=user, application_id=app.pk)
        if not Application.objects.filter(call=call, title="Sensornetz Hochwasser").exists():
            app = create_application(actor=user, call=call, lead=lead, title="Sensornetz Hochwasser")
            self._fill(app, user, None, Decimal("95000.00"))

    def _jury(self, call, users):
        """Three applications of Landkreis Gießen in the jury's evaluation; jury2/jury3 have scored."""
        from jury import services as jury_services
        from jury.models import Panel

        if Panel.objects.filter(call=call).exists():
            return
        from applications.checklist import judgement_keys
        from applications.services import decide_eligibility, start_formal_check

        worker = users["sachbearbeitung@demo.example"]
        user = users["kommune@demo.example"]
        lead = Municipality.objects.filter(kind="landkreis", name__icontains="Gießen").first()
        for title, amount in (("Open-Data-Portal des Kreises", Decimal("900000.00")),
                              ("Videosprechstunde im ländlichen Raum", Decimal("400000.00")),
                              ("Smarte Straßenbeleuchtung", Decimal("1500000.00"))):
            app = create_application(actor=user, call=call, lead=lead, title=title)
            self._fill(app, user, None, amount)
            add_attachment(actor=user, application_id=app.pk, kind=AttachmentKind.COUNCIL_RESOLUTION,
                           upload=SimpleUploadedFile("beschluss.pdf", render_pdf("<h1>Kreistagsbeschluss</h1>")))
            submit_application(actor=user, application_id=app.pk)
            start_formal_check(actor=worker, application_id=app.pk)
            decide_eligibility(actor=worker, application_id=app.pk, eligible=True, confirmed=judgement_keys(app))
        panel = Panel.objects.create(call=call, chair=users["jury@demo.example"], min_scorers=2,
                                     total_threshold=Decimal("2.5"))
        members = {email: jury_services.add_member(actor=worker, panel=panel, user=users[email])
                   for email in ("jury@demo.example", "jury2@demo.example", "jury3@demo.example")}
        jury_services.add_affiliation(actor=worker, member=members["jury3@demo.example"], kind="umbrella",
                                      organisation="Hessischer Städtetag", function="Referentin Digitalisierung")
        jury_services.start_evaluation(actor=worker, panel=panel)
        jury_services.auto_assign(actor=worker, panel=panel, per_application=3)
        criteria = list(call.program.criteria.all())
        for n, email in enumerate(("jury2@demo.example", "jury3@demo.example")):
            for assignment in members[email].assignments.filter(assigned=True).order_by("application_id"):
                app_id = assignment.application_id
                jury_services.declare(user=users[email], application_id=app_id, conflict=False)
                values = {c.pk: (str(Decimal(3 + (app_id + c.pk + n) % 5) / 2 + 1), "Begründung der Punktzahl")
                          for c in criteria}
                jury_services.save_scores(user=users[email], application_id=app_id, values=values, submit=True)

    def _fill(self, app, user, partner, amount):
        program = app.call.program
        update_application(
            actor=user, application_id=app.pk,
            data={"summary": "Die Kommune baut ein offenes Datenangebot auf und macht es für Bürgerinnen und "
                             "Bürger nutzbar.",
                  "objectives": "Bessere Planung und Beteiligung.", "benefit": "Transparenz und kürzere Wege.",
                  "transferability": "Offene Software (Open Source), dokumentiert für andere Kommunen.",
                  "start_date": dt.date(2027, 4, 1), "end_date": dt.date(2028, 12, 31),
                  "declaration_not_started": True, "declaration_own_share": True},
            topic_ids=list(program.topics.filter(number__in=[1, 2]).values_list("pk", flat=True)),
            partner_ids=[partner.pk] if partner else [],
            cost_lines=[CostLineInput(CostCategory.INVESTMENT, "Sensoren und Gateways", 2027, amount / 2, True),
                        CostLineInput(CostCategory.SERVICES, "Datenplattform (Dienstleistung)", 2028, amount / 2, True),
                        CostLineInput(CostCategory.OTHER, "Eröffnungsveranstaltung", 2028, Decimal("2500.00"), False)],
        )

    def _print_logins(self):
        self.stdout.write(f"\nDemo-Zugänge (Passwort für alle: {PASSWORD}):")
        for email, _f, _l, roles, secret in USERS:
            line = f"  {roles[0]:<12} {email}"
            if secret:
                line += (f"   TOTP-Schlüssel {secret}  "
                         f"(aktueller Code: DEMO_MODE=1 .venv/bin/python manage.py demo_totp {email})")
            self.stdout.write(line)
        self.stdout.write("")
