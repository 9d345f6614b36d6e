"""Turning standings rows (a snapshot's or a freshly computed table's) into what the templates show."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from evaluations import standings as pure
from evaluations.selectors import missing_item_text
from evaluations.selectors import outcome_label as _label


def display_rows(
    rows: Iterable[pure.Row], *, component_keys: list[str], team_names: Mapping[str, str]
) -> list[dict]:
    out = []
    for row in rows:
        points = row.points_by_component
        out.append(
            {
                "rank": row.rank,
                "code": row.label,
                "name": team_names.get(row.label, row.label),
                "outcome": row.outcome.value,
                "outcome_label": _label(row.outcome),
                "points": [points.get(key) for key in component_keys],
                "total": row.total,
                "frontier_ratio": row.frontier_ratio,
                "meets_threshold": row.meets_frontier_threshold,
                "gates": [g.passed for g in row.gates],
                "missing": [missing_item_text(m) for m in row.missing],
            }
        )
    return out


def outcome_label(value: str) -> str:
    return _label(pure.Outcome(value))
