"""Who may see a team's rows, decided in one place (in the spirit of NetBox's
``RestrictedQuerySet.restrict(user, action)``).

Each team-owned model declares how its rows reach their consortium, next to its manager::

    objects = TeamScopedQuerySet.as_manager()
    team_scope = TeamScope(team="upload__consortium")

and every list, detail page, export, API view and selector starts from ``Model.objects.visible_to(user)``:

- ministry staff and auditors see every row (``common.roles.can_read_everything``);
- a consortium member sees their own team's rows (``consortia.permissions.member_team_id``), unless the
  model says ``members=False`` (the evaluators' scoring of a team is not shown to that team);
- an evaluator sees the rows of their own assignments, where the model names the path to the evaluator;
- anyone else sees nothing.

The same rule for one team, as a yes/no, is ``consortia.permissions.can_view_team_data``. Published data
(a finalized phase's standings) is not owned by a team; its rule is the selector
``evaluations.selectors.standings_snapshots_visible_to``.

This lives in consortia, not common, because "the user's team" is the consortia app's fact (Affiliation);
budget and evaluations, which own the scoped models, sit above consortia in the layer order.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import reduce
from typing import Self

from django.db import models
from django.db.models import Q

from common.roles import can_read_everything, evaluator_id
from consortia.permissions import member_team_id


@dataclass(frozen=True, slots=True)
class TeamScope:
    """How a team-owned model's rows are scoped.

    ``team``: the field path from the model to its consortium (``"consortium"``,
    ``"allocation__consortium"``).
    ``members``: whether the team's own members see the rows.
    ``evaluator``: the field path to the assigned evaluator (a user), for rows evaluators see when theirs.
    """

    team: str
    members: bool = True
    evaluator: str | None = None

    def q(self, user) -> Q | None:
        """The filter selecting what ``user`` may see: ``Q()`` for every row, None for none at all."""
        if can_read_everything(user):
            return Q()
        allowed = []
        team_id = member_team_id(user) if self.members else None
        if team_id is not None:
            allowed.append(Q(**{self.team: team_id}))
        own_id = evaluator_id(user) if self.evaluator else None
        if own_id is not None:
            allowed.append(Q(**{self.evaluator: own_id}))
        return reduce(operator.or_, allowed) if allowed else None


class TeamScopedQuerySet(models.QuerySet):
    """The manager of every team-owned model (its model declares ``team_scope``)."""

    def visible_to(self, user) -> Self:
        condition = self.model.team_scope.q(user)
        return self.none() if condition is None else self.filter(condition)
