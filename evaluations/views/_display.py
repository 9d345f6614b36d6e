"""Turning standings rows (a snapshot's JSON or a freshly computed table) into what the templates show."""

from __future__ import annotations

from decimal import Decimal

from evaluations import standings as pure
from evaluations.selectors import missing_item_text
from evaluations.selectors import outcome_label as _label


def _dec(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(value)


def display_rows(rows: list[dict], *, component_keys: list[str], team_names: dict[str, str]) -> list[dict]:
    out = []
    for row in rows:
        points = {c["key"]: _dec(c["points"]) for c in row.get("components", [])}
        outcome = pure.Outcome(row["outcome"])
        out.append(
            {
                "rank": row.get("rank"),
                "code": row["label"],
                "name": team_names.get(row["label"], row["label"]),
                "outcome": outcome.value,
                "outcome_label": _label(outcome),
                "points": [points.get(key) for key in component_keys],
                "total": _dec(row.get("total")),
                "frontier_ratio": _dec(row.get("frontier_ratio")),
                "meets_threshold": row.get("meets_frontier_threshold"),
                "gates": [g["passed"] for g in row.get("gates", [])],
                "missing": [missing_item_text(m) for m in row.get("missing", [])],
            }
        )
    return out


def outcome_label(value: str) -> str:
    return _label(pure.Outcome(value))
