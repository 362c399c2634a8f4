"""Building evaluated calls quickly: eligible applications, a panel, submitted scores."""

from decimal import Decimal

from django.utils import timezone

from applications.enums import ApplicationState
from applications.models import Application, CostLine
from grants.models import CallBudgetYear, Criterion
from grants.money import eligible_costs_for
from jury.enums import Declaration, SheetState
from jury.models import Assignment, Panel, PanelMember, Score, ScoreSheet
from tests.factories import CallFactory, MunicipalityFactory, UserFactory


def evaluated_call(*, budget="1000000.00", years=None, criteria=((1, "2.0", None), (1, "2.0", None)), **panel_kwargs):
    """A call in evaluation with a panel. criteria: (weight, ?, threshold) tuples."""
    call = CallFactory(total_budget=Decimal(budget))
    call.budget_years.all().delete()
    for year, amount in (years or {}).items():
        CallBudgetYear.objects.create(call=call, year=year, amount=Decimal(amount))
    call.program.criteria.all().delete()
    for i, (weight, _unused, threshold) in enumerate(criteria, 1):
        Criterion.objects.create(program=call.program, order=i, name=f"Kriterium {i}", weight=Decimal(weight),
                                 threshold=Decimal(threshold) if threshold is not None else None)
    panel = Panel.objects.create(call=call, **panel_kwargs)
    return call, panel


def application_in_evaluation(call, *, grant, years=None, partners=(), n=[0]):  # noqa: B006 - a counter
    """An application in evaluation whose eligible costs give exactly `grant` (90 %)."""
    n[0] += 1
    grant = Decimal(grant)
    eligible = eligible_costs_for(rate=call.program.funding_rate, grant=grant)
    app = Application.objects.create(
        call=call, lead=MunicipalityFactory(), title=f"Projekt {n[0]}", created_by=UserFactory(),
        state=ApplicationState.IN_EVALUATION, case_number=f"T-{n[0]:05d}",
        submitted_at=timezone.now() + timezone.timedelta(seconds=n[0]),
        total_costs=eligible, eligible_costs=eligible, grant_amount=grant)
    shares = years or {2027: "1"}
    total_share = sum(Decimal(v) for v in shares.values())
    remaining = eligible
    for i, (year, share) in enumerate(sorted(shares.items())):
        share_amount = (eligible * Decimal(share) / total_share).quantize(Decimal("0.01"))
        amount = remaining if i == len(shares) - 1 else share_amount
        remaining -= amount
        CostLine.objects.create(application=app, category="investment", description="x", budget_year=year,
                                amount=amount)
    for p in partners:
        app.partners.add(p)
    return app


def score(panel, app, member_scores):
    """member_scores: list of lists of values per criterion, one list per member (submitted)."""
    criteria = list(panel.call.program.criteria.order_by("order"))
    for i, values in enumerate(member_scores):
        user = UserFactory(roles=["jury"])
        member = PanelMember.objects.create(panel=panel, user=user)
        assignment = Assignment.objects.create(member=member, application=app, assigned=True,
                                               declaration=Declaration.NO_CONFLICT)
        sheet = ScoreSheet.objects.create(assignment=assignment, state=SheetState.SUBMITTED,
                                          submitted_at=timezone.now())
        Score.objects.bulk_create(Score(sheet=sheet, criterion=c, value=Decimal(str(v)))
                                  for c, v in zip(criteria, values, strict=True))
    return app
