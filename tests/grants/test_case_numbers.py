"""Case numbers unique per rendered pattern, so several programs run side by side (issue 13): the pattern owns
the sequence, and a program whose numbers could read as another's is refused when it is saved."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from applications.models import Application
from applications.services import submit_application
from grants import case_numbers
from grants.models import CaseNumberSequence, FundingProgram
from grants.services import next_case_number
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    MunicipalityFactory,
    ProgramFactory,
    complete_draft,
    member_of,
)

pytestmark = pytest.mark.django_db


def unsaved(name: str, **fields) -> FundingProgram:
    import datetime as dt

    return FundingProgram(name=name, short_name=name, legal_basis="§ 44 LHO", funding_rate=Decimal("0.9"),
                          min_grant=Decimal("1.00"), max_grant=Decimal("2.00"), period_start=dt.date(2026, 1, 1),
                          period_end=dt.date(2029, 12, 31), **fields)


def submit(call) -> str:
    lead = MunicipalityFactory()
    user = member_of(lead)
    app = complete_draft(ApplicationFactory(call=call, lead=lead, created_by=user), user=user,
                         eligible_amount=Decimal("300000.00"))
    return submit_application(actor=user, application_id=app.pk).case_number


@pytest.mark.parametrize(("template", "prefix"), [
    ("SHH2-{year}-{seq:04d}", "X"),        # the prefix written as text
    ("{prefix}-{year}-{seq}", "SHH2"),      # no zero padding: 1042 reads like the other's 1042
    ("{prefix}2-{year}-{seq:05d}", "SHH"),  # part of the prefix in the template
])
def test_two_programs_whose_numbers_render_alike_never_collide(template, prefix):
    """Before: each (template, prefix) had its own counter, so the second program's first submission got
    SHH2-2027-0001 again — the unique constraint answered 500."""
    first = CallFactory()  # SHH2, {prefix}-{year}-{seq:04d}
    other = ProgramFactory(name="Zweites Programm", case_number_prefix=prefix, case_number_template=template)
    other.full_clean()  # a pattern equal to another's is allowed: both count on one sequence
    second = CallFactory(program=other)
    numbers = [submit(call) for call in (first, second, first, second)]
    assert len(set(numbers)) == 4, numbers
    assert CaseNumberSequence.objects.count() == 1
    # and by the service alone, far past the padding
    CaseNumberSequence.objects.update(last=1040)
    year = int(numbers[0].split("-")[1])  # the submissions' year
    more = [next_case_number(program=p, year=year) for p in (first.program, other, first.program, other)]
    assert len(set(more)) == 4 and all(n.endswith(("1041", "1042", "1043", "1044")) for n in more), more


@pytest.mark.parametrize(("template", "prefix", "field", "message"), [
    ("{prefix}{seq}", "SHH2-2027-1", "case_number_prefix", "übereinstimmen"),  # its 11042 is SHH2's 11042
    ("{prefix}-{year}-1{seq}", "SHH2", "case_number_prefix", "übereinstimmen"),
    ("{prefix}-{year}-{seq:04d}{year}", "SHH2", "case_number_template", "keine Ziffer"),
    ("{prefix}-{year}", "SHH2", "case_number_template", "genau einmal"),
    ("{prefix}-{seq}-{seq}", "SHH2", "case_number_template", "genau einmal"),
    ("{prefix}-{jahr}-{seq}", "SHH2", "case_number_template", "Unbekannter Platzhalter „{jahr}“"),
    ("{prefix}-{year-{seq}", "SHH2", "case_number_template", "ungültig"),
    ("{prefix}-{year:q}-{seq}", "SHH2", "case_number_template", "ungültig"),
])
def test_a_program_whose_numbers_could_be_misread_is_refused_on_save(template, prefix, field, message):
    CallFactory()  # SHH2-{year}-{seq:04d}
    program = unsaved("Neu", case_number_prefix=prefix, case_number_template=template)
    with pytest.raises(ValidationError) as refused:
        program.full_clean()
    assert message in " ".join(refused.value.message_dict[field])
    assert FundingProgram.objects.count() == 1  # nothing saved


def test_different_patterns_are_accepted():
    CallFactory()
    for prefix, template in (("DD", "{prefix}-{year}-{seq:04d}"), ("SHH3", "{prefix}-{year}-{seq:04d}"),
                             ("SHH2", "{prefix}/{year}/{seq:05d}"), ("SHH", "{prefix}-{year}-{seq:04d}")):
        unsaved(prefix + template[:10], case_number_prefix=prefix, case_number_template=template).full_clean()


def test_the_overlap_check_holds_for_every_year():
    """The year's digits are compared as any digit: SHH-2028-{seq} vs SHH-{year}-1{seq}."""
    fixed = case_numbers.check("SHH-2028-{seq}", prefix="")
    assert case_numbers.overlaps(case_numbers.check("{prefix}-{year}-1{seq}", prefix="SHH"), fixed)
    assert not case_numbers.overlaps(case_numbers.check("{prefix}-{year}-{seq}", prefix="SHH"), fixed)
    assert not case_numbers.overlaps(case_numbers.check("{prefix}-{year}-X{seq}", prefix="SHH"), fixed)


def test_a_number_already_taken_is_skipped_not_handed_out_again():
    """A pattern changed, or saved before the check: the number exists, the next free one is given."""
    call = CallFactory()
    taken = submit(call)
    CaseNumberSequence.objects.update(last=0)  # as if the counter were lost
    again = submit(call)
    assert again != taken and Application.objects.filter(case_number=taken).count() == 1


def test_the_database_still_refuses_a_duplicate():
    call = CallFactory()
    number = submit(call)
    with pytest.raises(IntegrityError):
        ApplicationFactory(call=call, case_number=number)


def test_an_imported_program_whose_numbers_overlap_is_refused_with_the_reason():
    from grants import transfer
    from grants.exceptions import GrantsError

    program = CallFactory().program
    data = transfer.export_program(program)
    data["program"].update(short_name="NEU", case_number_prefix="SHH2-2027-1", case_number_template="{prefix}{seq}")
    with pytest.raises(GrantsError, match="übereinstimmen"):
        transfer.import_program(actor=None, data=data)
    assert FundingProgram.objects.count() == 1


@pytest.mark.slow  # replays the grants migrations back and forth
@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_each_rendered_pattern_the_highest_counter():
    import datetime as dt

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("grants", "0005_call_min_trust_level")]
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes("grants")
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    programs, sequences = old.get_model("grants", "FundingProgram"), old.get_model("grants", "CaseNumberSequence")
    common = {"legal_basis": "x", "funding_rate": Decimal("0.9"), "min_grant": 1, "max_grant": 2,
              "period_start": dt.date(2026, 1, 1), "period_end": dt.date(2029, 1, 1)}
    a = programs.objects.create(name="A", short_name="A", case_number_prefix="SHH2", **common)
    b = programs.objects.create(name="B", short_name="B", case_number_prefix="X",
                                case_number_template="SHH2-{year}-{seq:04d}", **common)
    sequences.objects.create(program=a, year=2027, last=7)
    sequences.objects.create(program=b, year=2027, last=3)
    sequences.objects.create(program=a, year=2028, last=2)

    executor = MigrationExecutor(connection)
    executor.migrate(latest)
    new = executor.loader.project_state(latest).apps
    assert dict(new.get_model("grants", "CaseNumberSequence").objects.values_list("key", "last")) == {
        "SHH2-2027-{seq}": 7, "SHH2-2028-{seq}": 2}
