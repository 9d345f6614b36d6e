"""A fingerprint of a phase's standings inputs, stored with each snapshot (``inputs_hash``) so a table can
be traced to exactly the data it was computed from."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields, is_dataclass
from decimal import Decimal
from typing import TypeVar

from evaluations.standings.types import BenchmarkSpec, PhaseInputs, RatioSum

JSON = str | int | bool | None | list["JSON"] | dict[str, "JSON"]
V = TypeVar("V")


def _plain(value: object) -> JSON:
    """Dataclasses, mappings, sequences and Decimals as JSON-able values (numbers as canonical text)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return _number(value)
    if value is None or isinstance(value, str | int | bool):
        return value
    raise TypeError(f"cannot digest a {type(value).__name__}")


def _number(value: Decimal) -> str:
    """Canonical text of a number: 9.20 and 9.2 read the same (cheap path for the usual plain form)."""
    text = str(value)
    if "E" in text:
        return format(value.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _benchmark_key(spec: BenchmarkSpec) -> tuple[str, int]:
    return spec.code, spec.consortium_id or 0


class _MappingTexts:
    """The text of each mapping of the teams, made once per mapping object: teams with the same target
    model share one reference-score mapping, which is long."""

    def __init__(self) -> None:
        self._memo: dict[int, tuple[object, str]] = {}

    def text(self, mapping: Mapping[str, V], value_text: Callable[[V], str]) -> str:
        cached = self._memo.get(id(mapping))
        # The object is kept in the memo, so its id cannot be reused by another mapping meanwhile.
        if cached is None or cached[0] is not mapping:
            keys = sorted(mapping)
            # Unit/record separators cannot occur in benchmark codes or rubric keys.
            text = "\x1f".join(keys) + "\x1e" + "\x1f".join(value_text(mapping[key]) for key in keys)
            cached = self._memo[id(mapping)] = (mapping, text)
        return cached[1]


def _decimal_text(value: Decimal) -> str:
    # normalize() gives equal numbers one text (9.20 and 9.2 both "9.2"; 100 is "1E+2").
    return str(value.normalize())


def _ratio_sum_text(value: RatioSum) -> str:
    return f"{value.total.normalize()}/{value.count}"


def inputs_digest(inputs: PhaseInputs) -> str:
    """sha256 of the canonical JSON of the inputs: equal inputs, equal digest, whatever their order.

    Teams are hashed one by one and mappings shared between teams (the same target model's reference
    scores) are serialised once; the digest is still a function of the values only. Numbers must be
    Decimals (as everywhere in these inputs).
    """
    digest = hashlib.sha256()
    head: dict[str, JSON] = {
        "components": _plain(inputs.components),
        "gates": list(inputs.gates),
        "benchmarks": [_plain(b) for b in sorted(inputs.benchmarks, key=_benchmark_key)],
        "teams_advancing": inputs.teams_advancing,
        "frontier_threshold": _number(inputs.frontier_threshold),
    }
    digest.update(json.dumps(head, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode())
    texts = _MappingTexts()
    for team in sorted(inputs.teams, key=lambda t: t.consortium_id):
        digest.update(b"\n")
        header: Sequence[JSON] = [
            team.consortium_id,
            team.label,
            team.target_model,
            team.sheets_assigned,
            team.sheets_submitted,
        ]
        digest.update(json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode())
        parts = (
            texts.text(team.benchmark_scores, _decimal_text),
            texts.text(team.reference_scores, _decimal_text),
            texts.text(team.benchmark_ratio_sums, _ratio_sum_text),
            texts.text(team.evaluator_points, _decimal_text),
            texts.text(team.panel_points, _decimal_text),
            texts.text(team.gates, str),
        )
        for part in parts:
            digest.update(b"|")
            digest.update(part.encode())
    return digest.hexdigest()
