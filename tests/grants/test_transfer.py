"""A program as a file (issue 12, reuse by other Länder): export here, import there; all or nothing."""

import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from audit.models import AuditEntry
from grants import transfer
from grants.exceptions import GrantsError
from grants.models import Criterion, FundingProgram, Topic
from tests.factories import ProgramFactory, UserFactory, member_of, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def program():
    program = ProgramFactory(short_name="SHH2", summary="Smarte Kommunen.", eligible_applicants="Kommunen",
                             required_documents="Ratsbeschluss", case_number_template="{prefix}/{year}/{seq:05d}")
    Criterion.objects.create(program=program, order=2, name="Nutzen", weight=Decimal("1.50"),
                             threshold=Decimal("2.5"), step=Decimal("0.5"))
    return program


def without_name(data):
    return {**data, "program": {k: v for k, v in data["program"].items() if k != "short_name"}}


def test_an_exported_program_imports_as_the_same_program(program):
    data = json.loads(transfer.export_json(program))  # through the file's text
    copy = transfer.import_program(actor=None, data=data, short_name="RLP-SK")
    assert copy.pk != program.pk and copy.short_name == "RLP-SK"
    assert without_name(transfer.export_program(copy)) == without_name(transfer.export_program(program))
    assert [t.name for t in copy.topics.order_by("number")] == ["Verwaltungsdigitalisierung", "Smart Environment",
                                                               "Gesellschaft"]
    assert copy.criteria.get(name="Nutzen").threshold == Decimal("2.5")
    assert copy.funding_rate == Decimal("0.9000") and copy.case_number_template == "{prefix}/{year}/{seq:05d}"
    assert AuditEntry.objects.filter(action="program.imported").count() == 1


def test_another_land_changes_its_money_rules_in_the_file(program):
    data = transfer.export_program(program)
    data["program"].update(short_name="SL-DD", name="Digitale Dörfer Saarland", funding_rate="0.8000",
                           min_grant="50000.00", max_grant="1000000.00", case_number_prefix="SL-DD")
    copy = transfer.import_program(actor=None, data=data)
    assert (copy.funding_rate, copy.min_grant, copy.max_grant) == (Decimal("0.8"), Decimal("50000"),
                                                                   Decimal("1000000"))


def broken(program, change):
    data = transfer.export_program(program)
    data["program"]["short_name"] = "NEU"
    change(data)
    return data


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.update(format="anderes"), "keine Programmdatei"),
    (lambda d: d.update(version=2), "Fassung 2"),
    (lambda d: d["program"].update(colour="blau"), "Unbekannte Felder: colour"),
    (lambda d: d["program"].update(funding_rate="1.5"), "Fördersatz"),
    (lambda d: d["program"].update(funding_rate="NaN"), "Fördersatz"),
    (lambda d: d["program"].update(min_grant="abc"), "Mindestzuwendung"),
    (lambda d: d["program"].update(min_grant="3000000.00"), "Programm"),  # above the maximum
    (lambda d: d["program"].update(period_start="2030-13-01"), "Förderzeitraum von"),
    (lambda d: d["program"].update(name=""), "Name"),
    (lambda d: d["program"].update(name=["eine", "Liste"]), "Name"),
    (lambda d: d.update(topics={"number": 1}), "Listen"),
    (lambda d: d["topics"].append({"number": 1, "name": "Doppelt"}), "widerspricht sich"),
    (lambda d: d["criteria"].append({"name": "Ohne Gewicht", "weight": "-1"}), "Kriterium 3"),
    (lambda d: d["program"].update(short_name="SHH2"), "gibt es hier schon"),
])
def test_a_broken_file_creates_nothing_and_says_why(program, change, message):
    before = (FundingProgram.objects.count(), Topic.objects.count(), Criterion.objects.count())
    data = broken(program, change)
    with pytest.raises(GrantsError) as exc:
        transfer.import_program(actor=None, data=data)
    assert message in exc.value.message
    assert (FundingProgram.objects.count(), Topic.objects.count(), Criterion.objects.count()) == before


@pytest.mark.parametrize(("raw", "message"), [(b"\xff\xfe", "kein gültiges JSON"), (b"{", "kein gültiges JSON"),
                                              (b"[]", "keine Programmdatei"), (b" " * 1_000_001, "zu groß")])
def test_what_is_not_a_program_file_is_refused(raw, message):
    with pytest.raises(GrantsError) as exc:
        transfer.import_program(actor=None, data=transfer.parse_file(raw))
    assert message in exc.value.message


def test_the_commands_carry_a_program_to_another_installation(program, tmp_path):
    path = tmp_path / "programm.json"
    call_command("export_program", "SHH2", output=str(path), stdout=io.StringIO())
    out = io.StringIO()
    call_command("import_program", str(path), short_name="HE-2", stdout=out)
    assert "HE-2 angelegt" in out.getvalue() and "3 Themenbereiche, 2 Kriterien" in out.getvalue()
    with pytest.raises(CommandError, match="gibt es hier schon"):
        call_command("import_program", str(path), stdout=io.StringIO())
    with pytest.raises(CommandError, match="Kein Programm"):
        call_command("export_program", "GIBTSNICHT", stdout=io.StringIO())


def test_the_api_gives_and_takes_program_files_for_admins_only(program):
    from tests.payments.factories import api_as

    admin = staff_user("admin")
    exported = api_as(admin).get(f"/api/v1/staff/programs/{program.pk}/export/")
    assert exported.status_code == 200 and exported.json()["format"] == transfer.FORMAT
    created = api_as(admin).post("/api/v1/staff/programs/import/", {"file": exported.json(), "short_name": "RP-1"},
                                 format="json")
    assert created.status_code == 201 and created.json()["short_name"] == "RP-1"
    again = api_as(admin).post("/api/v1/staff/programs/import/", {"file": exported.json()}, format="json")
    assert again.status_code == 400 and "gibt es hier schon" in json.dumps(again.json(), ensure_ascii=False)
    for user in (staff_user("case_worker"), staff_user("approver"), member_of_someone(), UserFactory()):
        client = api_as(user)
        assert client.get(f"/api/v1/staff/programs/{program.pk}/export/").status_code == 403
        assert client.post("/api/v1/staff/programs/import/", {"file": exported.json(), "short_name": "X"},
                           format="json").status_code == 403
    assert not FundingProgram.objects.filter(short_name="X").exists()


def test_the_admin_exports_one_program_and_imports_a_file(client, program):
    admin = staff_user("admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(reverse("admin:grants_fundingprogram_changelist"),
                           {"action": "export_program", "_selected_action": [program.pk]})
    assert response.status_code == 200
    assert 'filename="Foerderprogramm-SHH2.json"' in response["Content-Disposition"]
    content = response.content
    page = client.get(reverse("admin:grants_program_import"))
    assert page.status_code == 200 and "Aus Datei einlesen" in page.content.decode()
    bad = client.post(reverse("admin:grants_program_import"),
                      {"file": io.BytesIO(content), "short_name": ""})  # the name exists here
    assert bad.status_code == 200 and "gibt es hier schon" in bad.content.decode()
    upload = io.BytesIO(content)
    upload.name = "Foerderprogramm-SHH2.json"
    done = client.post(reverse("admin:grants_program_import"), {"file": upload, "short_name": "HE-NEU"})
    assert done.status_code == 302
    assert FundingProgram.objects.get(short_name="HE-NEU").topics.count() == 3


def member_of_someone():
    from tests.factories import MunicipalityFactory

    return member_of(MunicipalityFactory())
