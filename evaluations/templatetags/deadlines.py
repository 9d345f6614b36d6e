"""``{% deadline_badge phase team %}``: a deadline in KST with its D-day count ("D-3", "D-day", "마감됨"),
wherever members and evaluators act. The count comes from ``deadline_display``, which takes the current
time as an argument (evaluations.deadlines has the arithmetic and the boundary rule)."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluations.deadlines import TeamDeadline, days_left, kst_iso, kst_text
from evaluations.selectors import team_submission_deadline

register = template.Library()

SUBMISSION, SCORING = "submission", "scoring"


def d_day_label(deadline: dt.datetime, *, now: dt.datetime) -> str:
    """ "D-3" three KST calendar days ahead, "D-day" on the deadline's own KST day until the deadline,
    "Closed" (마감됨) from the deadline itself on."""
    days = days_left(deadline, now=now)
    if days is None:
        return _("Closed")
    return "D-day" if days == 0 else f"D-{days}"


def deadline_display(deadline: TeamDeadline | None, *, kind: str, now: dt.datetime) -> dict | None:
    """What the badge shows, or None when there is no deadline (nothing is shown then)."""
    if deadline is None:
        return None
    return {
        "kind": kind,
        "title": _("Results submission deadline") if kind == SUBMISSION else _("Scoring deadline"),
        "text": kst_text(deadline.at),
        "iso": kst_iso(deadline.at),
        "label": d_day_label(deadline.at, now=now),
        "closed": days_left(deadline.at, now=now) is None,
        "extended": deadline.extended,
    }


@register.inclusion_tag("evaluations/_deadline_badge.html")
def deadline_badge(phase, team=None, kind: str = SUBMISSION):
    """The phase's results-submission deadline as ``team`` faces it (its extension when later), or with
    ``kind="scoring"`` the scoring deadline. A phase without that deadline shows nothing and costs no
    query."""
    if kind == SCORING:
        deadline = TeamDeadline(phase.scoring_deadline) if phase.scoring_deadline else None
    else:
        deadline = team_submission_deadline(phase=phase, consortium_id=getattr(team, "pk", None))
    return {"deadline": deadline_display(deadline, kind=kind, now=timezone.now())}
