"""Four eyes (Vier-Augen-Prinzip), declared once: the pair of people every two-person step records.

A model that needs two people inherits ``FourEyes``: one person prepares (``prepared_by``), a second one
confirms (``confirmed_by``). The database refuses a row where both are the same person
(``<model>_four_eyes``), whatever Python did. The one service that confirms is
``payments.services.four_eyes.confirm_as_second_person``; the permission predicate is
``payments.rules.is_second_person``.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from .enums import DecisionState


class FourEyes(models.Model):
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("vorbereitet von"))
    prepared_at = models.DateTimeField(_("vorbereitet am"), auto_now_add=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     null=True, blank=True, verbose_name=_("bestätigt von"))
    confirmed_at = models.DateTimeField(_("bestätigt am"), null=True, blank=True)

    class Meta:
        abstract = True
        constraints = [models.CheckConstraint(condition=~Q(confirmed_by=F("prepared_by")),
                                              name="%(class)s_four_eyes")]

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class FourEyesStep(FSMModelMixin, FourEyes):
    """A two-person step with a state: prepared → confirmed (by the second person) | discarded.

    Decisions, settlements and amendments. Each names the permissions its transitions ask
    (``CONFIRM_PERMISSION``, ``DISCARD_PERMISSION``, registered in payments/rules.py).
    """

    CONFIRM_PERMISSION = ""
    DISCARD_PERMISSION = ""

    state = FSMField(_("Status"), default=DecisionState.PREPARED, choices=DecisionState.choices, protected=True)

    class Meta(FourEyes.Meta):
        abstract = True

    @transition(field="state", source=DecisionState.PREPARED, target=DecisionState.CONFIRMED,
                permission=lambda obj, user: user.has_perm(obj.CONFIRM_PERMISSION, obj))
    def confirm(self):
        pass

    @transition(field="state", source=DecisionState.PREPARED, target=DecisionState.DISCARDED,
                permission=lambda obj, user: user.has_perm(obj.DISCARD_PERMISSION, obj))
    def discard(self):
        pass
