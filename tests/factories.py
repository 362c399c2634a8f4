import datetime as dt
from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.enums import MembershipState, MunicipalityKind
from accounts.models import Membership, Municipality, User
from applications.enums import AttachmentKind, CostCategory
from applications.models import Application
from grants.models import Call, CallBudgetYear, Criterion, FundingProgram, Topic


def minimal_pdf(text: str = "Ratsbeschluss") -> bytes:
    """A small but valid one-page PDF."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def pdf_upload(name="ratsbeschluss.pdf", text="Ratsbeschluss"):
    return SimpleUploadedFile(name, minimal_pdf(text), content_type="application/pdf")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = "Kim"
    last_name = factory.Sequence(lambda n: f"Muster{n}")
    password = factory.PostGenerationMethodCall("set_password", "Geheim-Passwort-123")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        self.save()
        EmailAddress.objects.get_or_create(user=self, email=self.email, defaults={"verified": True, "primary": True})
        for role in extracted or []:
            self.groups.add(Group.objects.get_or_create(name=role)[0])


def staff_user(role: str = "case_worker", **kwargs) -> User:
    """A staff member with TOTP set up (as the system requires of staff roles)."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    user = UserFactory(roles=[role], **kwargs)
    TOTP.activate(user, generate_totp_secret())
    return user


class LandkreisFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ("official_key",)

    name = factory.Sequence(lambda n: f"Landkreis {n}")
    kind = MunicipalityKind.LANDKREIS
    official_key = factory.Sequence(lambda n: f"064{31 + n % 10:02d}")


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality

    name = factory.Sequence(lambda n: f"Gemeinde {n}")
    kind = MunicipalityKind.GEMEINDE
    landkreis = factory.SubFactory(LandkreisFactory)

    @factory.lazy_attribute_sequence
    def official_key(self, n):
        """The next free key in the Landkreis: a test may have given one of the sequence's keys by hand (the money
        dashboard's "06433002"), and which keys the sequence gives depends on the tests run before in the process."""
        prefix = self.landkreis.official_key
        taken = set(Municipality.objects.filter(official_key__startswith=prefix).values_list("official_key", flat=True))
        return next(key for i in range(999) if (key := f"{prefix}{(n + i) % 999 + 1:03d}") not in taken)


def member_of(municipality, user=None, **kwargs) -> User:
    user = user or UserFactory(roles=["applicant"], **kwargs)
    Membership.objects.create(user=user, municipality=municipality, state=MembershipState.APPROVED)
    return user


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundingProgram
        skip_postgeneration_save = True

    name = "Starke Heimat Hessen – Phase 2"
    short_name = factory.Sequence(lambda n: f"SHH2-{n}")
    legal_basis = "§§ 23, 44 LHO"
    funding_rate = Decimal("0.9000")
    min_grant = Decimal("100000.00")
    max_grant = Decimal("2500000.00")
    period_start = dt.date(2026, 1, 1)
    period_end = dt.date(2029, 12, 31)
    max_duration_months = 24
    case_number_prefix = "SHH2"

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):
        for number, name in enumerate(["Verwaltungsdigitalisierung", "Smart Environment", "Gesellschaft"], 1):
            Topic.objects.create(program=self, number=number, name=name)
        Criterion.objects.create(program=self, order=1, name="Innovationsgehalt", weight=Decimal("2"))


class CallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Call
        skip_postgeneration_save = True

    program = factory.SubFactory(ProgramFactory)
    title = factory.Sequence(lambda n: f"Förderaufruf {n}")
    opens_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=10))
    closes_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=30))
    total_budget = Decimal("16000000.00")
    state = "open"

    @factory.post_generation
    def budget_years(self, create, extracted, **kwargs):
        for year in (2027, 2028):
            CallBudgetYear.objects.create(call=self, year=year, amount=Decimal("8000000.00"))


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    call = factory.SubFactory(CallFactory)
    lead = factory.SubFactory(MunicipalityFactory)
    title = factory.Sequence(lambda n: f"Digitales Rathaus {n}")
    created_by = factory.SubFactory(UserFactory)


def complete_draft(application, *, user, eligible_amount=Decimal("200000.00"), partners=()):
    """Fill a draft through the service so that it can be submitted."""
    from applications.services import CostLineInput, add_attachment, update_application

    update_application(
        actor=user, application_id=application.pk,
        data={"summary": "Kurz", "objectives": "Ziele", "benefit": "Nutzen", "transferability": "Übertragbar",
              "start_date": dt.date(2027, 3, 1), "end_date": dt.date(2028, 12, 31),
              "declaration_not_started": True, "declaration_own_share": True},
        topic_ids=[application.call.program.topics.first().pk],
        partner_ids=[p.pk for p in partners],
        cost_lines=[CostLineInput(CostCategory.INVESTMENT, "Sensoren", 2027, eligible_amount, True),
                    CostLineInput(CostCategory.OTHER, "Bewirtung", 2028, Decimal("1000.00"), False)],
    )
    add_attachment(actor=user, application_id=application.pk, kind=AttachmentKind.COUNCIL_RESOLUTION,
                   upload=pdf_upload())
    application.refresh_from_db()
    return application



def api_key_for(user: User, *, scope: str = "write", days: int = 30) -> str:
    """A personal API key for `user`, made as the key page makes it (after the second factor)."""
    from accounts.services import create_api_token

    _token, key = create_api_token(user=user, name="Test", scope=scope, days=days, second_factor_passed=True)
    return key
