"""factory-boy factories of the jury, and three small builders on top of them for evaluated calls.

The grant of an application in evaluation comes from the one money rule
(`grants.money.proportional_grant`), never from a re-implemented 90 %.
"""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from applications.enums import ApplicationState
from applications.models import Application, CostLine
from grants.models import CallBudgetYear, Criterion
from grants.money import proportional_grant
from jury.enums import Declaration, ExclusionKind, SessionState, SheetState
from jury.models import Assignment, Decision, Panel, PanelMember, Score, ScoreSheet, Session
from tests.factories import CallFactory, MunicipalityFactory, UserFactory


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    program = factory.LazyAttribute(lambda o: CallFactory().program)
    order = factory.Sequence(lambda n: n + 1)
    name = factory.LazyAttribute(lambda o: f"Kriterium {o.order}")
    weight = Decimal("1")


class PanelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Panel

    call = factory.SubFactory(CallFactory)


class PanelMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PanelMember

    panel = factory.SubFactory(PanelFactory)
    user = factory.SubFactory(UserFactory, roles=["jury"])


class ApplicationInEvaluationFactory(factory.django.DjangoModelFactory):
    """An application in evaluation; `grant` sets the eligible costs so that the money rule gives it."""

    class Meta:
        model = Application
        skip_postgeneration_save = True

    class Params:
        grant = Decimal("200000.00")

    call = factory.SubFactory(CallFactory)
    lead = factory.SubFactory(MunicipalityFactory)
    title = factory.Sequence(lambda n: f"Projekt {n}")
    created_by = factory.SubFactory(UserFactory)
    state = ApplicationState.IN_EVALUATION
    case_number = factory.Sequence(lambda n: f"T-{n:05d}")
    submitted_at = factory.Sequence(lambda n: timezone.now() + dt.timedelta(seconds=n))
    eligible_costs = factory.LazyAttribute(lambda o: eligible_for(o.call.program, Decimal(o.grant)))
    total_costs = factory.SelfAttribute("eligible_costs")
    grant_amount = factory.LazyAttribute(lambda o: Decimal(o.grant))

    @factory.post_generation
    def years(self, create, extracted, **kwargs):
        """Cost lines per budget year, in the given shares ({2027: "1"} by default)."""
        shares = extracted or {2027: "1"}
        total_share = sum(Decimal(v) for v in shares.values())
        remaining = self.eligible_costs
        for i, (year, share) in enumerate(sorted(shares.items())):
            amount = remaining if i == len(shares) - 1 else \
                (self.eligible_costs * Decimal(share) / total_share).quantize(Decimal("0.01"))
            remaining -= amount
            CostLine.objects.create(application=self, category="investment", description="x", budget_year=year,
                                    amount=amount)

    @factory.post_generation
    def partners(self, create, extracted, **kwargs):
        for partner in extracted or ():
            self.partners.add(partner)


def eligible_for(program, grant: Decimal) -> Decimal:
    """The smallest eligible costs for which the program's money rule gives exactly `grant`."""
    def rule(costs):
        return proportional_grant(rate=program.funding_rate, eligible_costs=costs, maximum=program.max_grant)

    eligible = (grant / program.funding_rate).quantize(Decimal("0.01"))
    while rule(eligible) < grant:
        eligible += Decimal("0.01")
    while eligible > 0 and rule(eligible - Decimal("0.01")) >= grant:
        eligible -= Decimal("0.01")
    return eligible


class AssignmentFactory(factory.django.DjangoModelFactory):
    """A member assigned to an application, declared free of conflict unless told otherwise."""

    class Meta:
        model = Assignment

    member = factory.SubFactory(PanelMemberFactory)
    application = factory.SubFactory(ApplicationInEvaluationFactory)
    assigned = True
    declaration = Declaration.NO_CONFLICT

    class Params:
        declared_conflict = factory.Trait(
            assigned=False, declaration=Declaration.CONFLICT, declaration_reason="Mitglied im Förderverein",
            excluded=True, exclusion_kind=ExclusionKind.DECLARED, exclusion_reason="Mitglied im Förderverein")


class ScoreSheetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScoreSheet

    assignment = factory.SubFactory(AssignmentFactory)
    state = SheetState.SUBMITTED
    submitted_at = factory.LazyFunction(timezone.now)


class ScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Score

    sheet = factory.SubFactory(ScoreSheetFactory)
    criterion = factory.SubFactory(CriterionFactory)
    value = Decimal("3")


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    panel = factory.SubFactory(PanelFactory)
    held_on = dt.date(2027, 6, 1)
    state = SessionState.OPEN


class DecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Decision

    session = factory.SubFactory(SessionFactory)
    application = factory.SubFactory(ApplicationInEvaluationFactory)
    computed = "recommended"
    outcome = factory.SelfAttribute("computed")
    decided_by = factory.SubFactory(UserFactory, roles=["jury"])


# ---------------------------------------------------------------- builders of a whole evaluated call


def evaluated_call(*, budget="1000000.00", years=None, criteria=((1, "2.0", None), (1, "2.0", None)), names=None,
                   **panel_kwargs):
    """A call in evaluation with a panel. criteria: (weight, unused, threshold) tuples; names: their names."""
    call = CallFactory(total_budget=Decimal(budget))
    call.budget_years.all().delete()
    for year, amount in (years or {}).items():
        CallBudgetYear.objects.create(call=call, year=year, amount=Decimal(amount))
    call.program.criteria.all().delete()
    for i, (weight, _unused, threshold) in enumerate(criteria, 1):
        CriterionFactory(program=call.program, order=i, weight=Decimal(weight),
                         threshold=Decimal(threshold) if threshold is not None else None,
                         **({"name": names[i - 1]} if names else {}))
    return call, PanelFactory(call=call, **panel_kwargs)


def application_in_evaluation(call, *, grant, years=None, partners=(), **kwargs):
    """An application in evaluation whose eligible costs give exactly `grant`."""
    return ApplicationInEvaluationFactory(call=call, grant=Decimal(grant), years=years, partners=partners, **kwargs)


def score(panel, app, member_scores):
    """member_scores: list of lists of values per criterion, one list per new member (submitted)."""
    criteria = list(panel.call.program.criteria.order_by("order"))
    for values in member_scores:
        sheet = ScoreSheetFactory(assignment__member__panel=panel, assignment__application=app)
        for criterion, value in zip(criteria, values, strict=True):
            ScoreFactory(sheet=sheet, criterion=criterion, value=Decimal(str(value)))
    return app


def add_member(panel, user=None, **user_kwargs):
    if user is not None:
        return PanelMemberFactory(panel=panel, user=user)
    return PanelMemberFactory(panel=panel, **{f"user__{key}": value for key, value in user_kwargs.items()})


def assign(member, app, *, declared=True):
    return AssignmentFactory(member=member, application=app,
                             declaration=Declaration.NO_CONFLICT if declared else Declaration.PENDING)


def scored_call():
    """Two applications scored by two members each; 400,000 € budget: the second goes to the reserve list."""
    call, panel = evaluated_call(budget="400000.00")
    first = score(panel, application_in_evaluation(call, grant="300000.00"), [[5, 5], [4, 4]])
    second = score(panel, application_in_evaluation(call, grant="200000.00"), [[4, 4], [4, 3]])
    return call, panel, first, second
