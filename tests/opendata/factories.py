"""Builders of the open-data tests (used by tests/opendata and tests/browser/test_opendata.py)."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from accounts.enums import MunicipalityKind
from applications.enums import ApplicationState
from payments.enums import GrantState
from payments.models import BankAccount
from tests.factories import ApplicationFactory, CallFactory, LandkreisFactory, MunicipalityFactory
from tests.payments.factories import make_grant


def funded(call, *, lead, state=GrantState.FINAL, eligible="200000.00", topics=(), partners=(), title=None,
           start=dt.date(2027, 3, 1), end=dt.date(2028, 12, 31)):
    has_account = BankAccount.objects.filter(municipality=lead).exists()
    grant = make_grant(call=call, lead=lead, state=state, eligible=eligible, start=start, end=end,
                       with_bank_account=not has_account)
    app = grant.application
    if title:
        app.title = title
        app.save(update_fields=["title"])
    app.topics.set([call.program.topics.get(number=n) for n in topics])
    app.partners.set(partners)
    return grant


def open_data_world():
    """Two Landkreise, a kreisfreie Stadt, grants in several states and an application that was refused."""
    call = CallFactory()
    vogelsberg = LandkreisFactory(name="Vogelsbergkreis", official_key="06535")
    giessen = LandkreisFactory(name="Landkreis Gießen", official_key="06531")
    alsfeld = MunicipalityFactory(name="Alsfeld", official_key="06535001", landkreis=vogelsberg)
    lauterbach = MunicipalityFactory(name="Lauterbach", official_key="06535014", landkreis=vogelsberg)
    lich = MunicipalityFactory(name="Lich", official_key="06531011", landkreis=giessen)
    kassel = MunicipalityFactory(name="Kassel", official_key="06611000", landkreis=None,
                                 kind=MunicipalityKind.KREISFREIE_STADT)
    final = funded(call, lead=alsfeld, topics=[1, 2], partners=[lauterbach], title="Sensornetz Vogelsberg",
                   eligible="200000.00")
    running = funded(call, lead=lich, state=GrantState.IN_IMPLEMENTATION, topics=[2], title="Datenplattform Lich",
                     eligible="300000.00", start=dt.date(2028, 1, 1), end=dt.date(2029, 6, 30))
    closed = funded(call, lead=lauterbach, state=GrantState.CLOSED, topics=[3], title="Stadtlabor Lauterbach",
                    eligible="150000.00")
    city = funded(call, lead=kassel, state=GrantState.RECOVERY_OPEN, topics=[1], title="eAkte Kassel",
                  eligible="400000.00")
    approved = funded(call, lead=lich, state=GrantState.APPROVED, title="Noch nicht bestandskräftig A")
    issued = funded(call, lead=lich, state=GrantState.NOTICE_ISSUED, title="Noch nicht bestandskräftig B")
    refused = ApplicationFactory(call=call, lead=alsfeld, state=ApplicationState.REJECTED,
                                 title="Abgelehntes Vorhaben", case_number="SHH2-2027-9999")
    draft = ApplicationFactory(call=call, lead=alsfeld, title="Entwurf ohne Aktenzeichen")
    return SimpleNamespace(call=call, program=call.program, vogelsberg=vogelsberg, giessen=giessen, alsfeld=alsfeld,
                           lauterbach=lauterbach, lich=lich, kassel=kassel, final=final, running=running,
                           closed=closed, city=city, approved=approved, issued=issued, refused=refused, draft=draft,
                           published=[final, running, closed, city], total=Decimal("945000.00"))
