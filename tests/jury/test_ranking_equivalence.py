"""A varied panel whose whole list is pinned: places, outcomes, flags, figures and explanations.

Written before the ranking moved into one SQL statement (issue 13) and kept unchanged through it, on
PostgreSQL and SQLite: ties on the total broken by the named criterion, then joint projects, then case
number; rows below a criterion's or the total threshold; too few scorers; a large spread; the budget
cut-off skipping a too-expensive application and going on; a budget year's tranche; sheets that must
not count (a draft, an excluded member's); an application outside the evaluation.
"""

from decimal import Decimal
from decimal import Decimal as D

import pytest

from applications.enums import ApplicationState
from applications.models import Application
from jury.enums import DecisionOutcome as O
from jury.enums import ExclusionKind, SheetState
from jury.selectors import ranking
from tests.factories import MunicipalityFactory
from tests.jury.factories import ScoreFactory, ScoreSheetFactory, application_in_evaluation, evaluated_call, score

pytestmark = pytest.mark.django_db

R, Q, N = O.RECOMMENDED, O.RESERVE, O.NOT_RECOMMENDED


def build():
    call, panel = evaluated_call(
        budget="1000000.00", years={2027: "450000.00", 2028: "700000.00"},
        criteria=((2, "", "2.0"), (1, "", None), (Decimal("1.5"), "", None)), names=["Wirkung", "Innovation", "Kosten"],
        min_scorers=2, total_threshold=Decimal("2.5"), spread_threshold=Decimal("1.0"))
    crit = list(call.program.criteria.order_by("order"))
    panel.tie_breaks = [f"criterion:{crit[1].pk}", "joint_first"]
    panel.save()

    def app(title, grant, marks, years=None, partners=()):
        a = application_in_evaluation(call, grant=grant, years=years or {2027: "1", 2028: "1"}, partners=partners,
                                      title=title)
        return score(panel, a, marks)

    app("Spitze", "300000.00", [[5, 4, 4.5], [4.5, 5, 4]])
    # three ties on the total 4.0: better "Innovation" first, then the joint project before the single one
    app("Gleich-Innovation", "100000.00", [[4, 5, 3], [4, 4.5, 3.5]])  # means 4, 4.75, 3.25
    app("Gleich-Einzel", "100000.00", [[4, 4, 3.5], [4, 4, 4.0]])  # means 4, 4, 3.75: the same total
    app("Gleich-Gemeinsam", "100000.00", [[4, 4, 3.5], [4, 4, 4.0]], partners=[MunicipalityFactory()])
    app("Zu-teuer", "400000.00", [[3.5, 3.5, 3.5], [3.5, 3.5, 3.5]])  # does not fit: skipped, the list goes on
    app("Passt-danach", "150000.00", [[3.5, 3, 3], [3.5, 3, 3]])
    app("Tranche-2027", "160000.00", [[3, 3, 3], [3, 3, 3]], years={2027: "1"})  # total fits, 2027 does not
    app("Nur-2028", "100000.00", [[3, 3, 2.5], [3, 3, 2.5]], years={2028: "1"})
    app("Ein-Bewerter", "50000.00", [[3, 3, 3]])  # too few scorers, still ranked
    app("Streit", "50000.00", [[5, 5, 5], [2, 2.5, 2]])  # members' totals 5 and 2.11: flagged
    app("Unter-Kriterium", "50000.00", [[1.5, 5, 5], [2, 5, 5]])  # "Wirkung" below 2.0
    app("Unter-Gesamt", "50000.00", [[2, 2, 2], [2.5, 2.5, 2.5]])  # total below 2.5
    application_in_evaluation(call, grant="50000.00", title="Ohne-Bewertung")
    # sheets that do not count: a draft, and the submitted sheet of a member excluded afterwards
    draft_app = app("Mit-Entwurf", "50000.00", [[3, 3, 3], [3, 3, 3]])
    draft = ScoreSheetFactory(assignment__member__panel=panel, assignment__application=draft_app,
                              state=SheetState.DRAFT)
    for c in crit:
        ScoreFactory(sheet=draft, criterion=c, value=Decimal("0"))
    excluded_app = app("Mit-Ausschluss", "50000.00", [[2.5, 3, 3], [2.5, 3, 3]])
    gone = ScoreSheetFactory(assignment__member__panel=panel, assignment__application=excluded_app)
    for c in crit:
        ScoreFactory(sheet=gone, criterion=c, value=Decimal("5"))
    gone.assignment.assigned, gone.assignment.excluded = False, True
    gone.assignment.exclusion_kind = ExclusionKind.DECLARED
    gone.assignment.save()
    outside = application_in_evaluation(call, grant="50000.00", title="Nicht-in-Bewertung")
    score(panel, outside, [[5, 5, 5], [5, 5, 5]])
    Application.objects.filter(pk=outside.pk).update(state=ApplicationState.ELIGIBLE)
    return call


def table(result):
    return [(r.application.title, r.position, r.outcome, str(r.tie_break), r.n_scores, r.too_few, r.disagreement,
             r.total, r.spread, r.budget_left, r.years_left, r.grant_by_year, [str(f) for f in r.failed],
             str(r.explanation)) for r in result.rows]


EXPECTED = [
    # title, place, outcome, tie-break, scores, too few, spread flag, total, spread, budget left, years left,
    # grant by year, failed thresholds, explanation
    ('Spitze', 1, R, '', 2, False, False, D('4.5278'), D('0.1667'), D('700000.00'),
     {2027: D('300000.00'), 2028: D('550000.00')}, {2027: D('150000.00'), 2028: D('150000.00')}, [],
     'Platz 1, 4,53 Punkte: empfohlen; danach verbleiben 700.000,00\xa0€.'),
    ('Gleich-Innovation', 2, R, '', 2, False, False, D('3.9167'), D('0.0555'), D('600000.00'),
     {2027: D('250000.00'), 2028: D('500000.00')}, {2027: D('50000.00'), 2028: D('50000.00')}, [],
     'Platz 2, 3,92 Punkte: empfohlen; danach verbleiben 600.000,00\xa0€.'),
    ('Gleich-Gemeinsam', 3, R, 'höhere Bewertung in „Innovation“', 2, False, False, D('3.9167'), D('0.1667'),
     D('500000.00'), {2027: D('200000.00'), 2028: D('450000.00')}, {2027: D('50000.00'), 2028: D('50000.00')}, [],
     'Platz 3, 3,92 Punkte: empfohlen; danach verbleiben 500.000,00\xa0€.'),
    ('Gleich-Einzel', 4, R, 'Gemeinschaftsvorhaben vor Einzelvorhaben', 2, False, False, D('3.9167'), D('0.1667'),
     D('400000.00'), {2027: D('150000.00'), 2028: D('400000.00')}, {2027: D('50000.00'), 2028: D('50000.00')}, [],
     'Platz 4, 3,92 Punkte: empfohlen; danach verbleiben 400.000,00\xa0€.'),
    ('Streit', 5, R, '', 2, False, True, D('3.5556'), D('2.8889'), D('350000.00'),
     {2027: D('125000.00'), 2028: D('375000.00')}, {2027: D('25000.00'), 2028: D('25000.00')}, [],
     'Platz 5, 3,56 Punkte: empfohlen; danach verbleiben 350.000,00\xa0€.'),
    ('Zu-teuer', 6, Q, '', 2, False, False, D('3.5000'), D('0.0000'), D('350000.00'),
     {2027: D('125000.00'), 2028: D('375000.00')}, {2027: D('200000.00'), 2028: D('200000.00')}, [],
     'Platz 6, 3,50 Punkte: Nachrückliste, weil die Zuwendung von 400.000,00\xa0€ '
     'die verbleibenden Mittel von 350.000,00\xa0€ um 50.000,00\xa0€ übersteigt.'),
    ('Passt-danach', 7, R, '', 2, False, False, D('3.2222'), D('0.0000'), D('200000.00'),
     {2027: D('50000.00'), 2028: D('300000.00')}, {2027: D('75000.00'), 2028: D('75000.00')}, [],
     'Platz 7, 3,22 Punkte: empfohlen; danach verbleiben 200.000,00\xa0€.'),
    ('Tranche-2027', 8, Q, '', 2, False, False, D('3.0000'), D('0.0000'), D('200000.00'),
     {2027: D('50000.00'), 2028: D('300000.00')}, {2027: D('160000.00')}, [],
     'Platz 8, 3,00 Punkte: Nachrückliste, weil der Anteil 160.000,00\xa0€ im Haushaltsjahr 2027 '
     'die verbleibende Tranche von 50.000,00\xa0€ übersteigt.'),
    ('Ein-Bewerter', 9, R, 'Aktenzeichen', 1, True, False, D('3.0000'), D('0.0000'), D('150000.00'),
     {2027: D('25000.00'), 2028: D('275000.00')}, {2027: D('25000.00'), 2028: D('25000.00')}, [],
     'Platz 9, 3,00 Punkte: empfohlen; danach verbleiben 150.000,00\xa0€.'),
    ('Mit-Entwurf', 10, R, 'Aktenzeichen', 2, False, False, D('3.0000'), D('0.0000'), D('100000.00'),
     {2027: D('0.00'), 2028: D('250000.00')}, {2027: D('25000.00'), 2028: D('25000.00')}, [],
     'Platz 10, 3,00 Punkte: empfohlen; danach verbleiben 100.000,00\xa0€.'),
    ('Nur-2028', 11, R, '', 2, False, False, D('2.8333'), D('0.0000'), D('0.00'),
     {2027: D('0.00'), 2028: D('150000.00')}, {2028: D('100000.00')}, [],
     'Platz 11, 2,83 Punkte: empfohlen; danach verbleiben 0,00\xa0€.'),
    ('Mit-Ausschluss', 12, Q, '', 2, False, False, D('2.7778'), D('0.0000'), D('0.00'),
     {2027: D('0.00'), 2028: D('150000.00')}, {2027: D('25000.00'), 2028: D('25000.00')}, [],
     'Platz 12, 2,78 Punkte: Nachrückliste, weil die Zuwendung von 50.000,00\xa0€ '
     'die verbleibenden Mittel von 0,00\xa0€ um 50.000,00\xa0€ übersteigt.'),
    ('Unter-Kriterium', None, N, '', 2, False, False, D('3.5556'), D('0.2223'), None, {},
     {2027: D('25000.00'), 2028: D('25000.00')}, ['„Wirkung“ unter der Schwelle 2'],
     'Nicht empfohlen: „Wirkung“ unter der Schwelle 2.'),
    ('Unter-Gesamt', None, N, '', 2, False, False, D('2.2500'), D('0.5000'), None, {},
     {2027: D('25000.00'), 2028: D('25000.00')}, ['Gesamtbewertung unter der Schwelle 2,5'],
     'Nicht empfohlen: Gesamtbewertung unter der Schwelle 2,5.'),
    ('Ohne-Bewertung', None, N, '', 0, True, False, None, None, None, {}, {2027: D('50000.00')},
     ['noch keine vollständige Bewertung'], 'Nicht empfohlen: noch keine vollständige Bewertung.'),
]


def test_the_whole_list_is_pinned():
    assert table(ranking(call=build())) == EXPECTED


def test_hidden_rows_keep_the_places_of_the_whole_list():
    from jury.models import Assignment

    call = build()
    member = Assignment.objects.get(application__title="Mit-Ausschluss", excluded=True).member
    seen = table(ranking(call=call, exclude_for_user=member.user))
    assert seen == [row for row in EXPECTED if row[0] != "Mit-Ausschluss"]
