"""The evaluations sections of the program file: phases, benchmarks with reference scores, and
(phase details) rubrics, gates and recorded results."""

from __future__ import annotations

from decimal import Decimal

from common.loading import (
    LoadContext,
    LoadReport,
    ProgramFileError,
    boolean,
    choice,
    date,
    decimal,
    integer,
    list_at,
    mapping_at,
    positive_integer,
    read,
    sourced,
    sync_row,
    text,
)
from evaluations import standings as pure
from evaluations.models import (
    Benchmark,
    BenchmarkGroup,
    GateResult,
    PanelResult,
    Phase,
    PhaseBenchmark,
    PhaseParticipant,
    ReferenceScore,
    RubricComponent,
    RubricCriterion,
    RubricGate,
    TargetModel,
)
from evaluations.services import standings_inputs_changed


def phases_section_load(data: dict, context: LoadContext, report: LoadReport) -> None:
    statuses = choice(Phase.Status.values)
    for i, raw in enumerate(list_at(data.get("phases"), "phases")):
        path = f"phases[{i}]"
        node = mapping_at(raw, path)
        code = read(node, "code", path, text)
        if code in context.phases:
            raise ProgramFileError(f"{path}.code", f"duplicate phase code {code!r}")
        context.phases[code] = sync_row(
            Phase,
            {"program": context.program, "code": code},
            {
                "order": read(node, "order", path, integer),
                "name": read(node, "name", path, text),
                "development_start": read(node, "development_start", path, date, default=None),
                "showcase_on": read(node, "showcase_on", path, date, default=None),
                "evaluation_start": read(node, "evaluation_start", path, date, default=None),
                "result_on": read(node, "result_on", path, date, default=None),
                "status": read(node, "status", path, statuses),
                "teams_in": read(node, "teams_in", path, integer, default=None),
                "teams_advancing": read(node, "teams_advancing", path, integer),
                **sourced(node, path),
            },
            report,
            path,
        )


def benchmarks_section_load(data: dict, context: LoadContext, report: LoadReport) -> None:
    categories = choice(Benchmark.Category.values)
    for i, raw in enumerate(list_at(data.get("benchmarks"), "benchmarks")):
        path = f"benchmarks[{i}]"
        node = mapping_at(raw, path)
        code = read(node, "code", path, text)
        if code in context.benchmarks:
            raise ProgramFileError(f"{path}.code", f"duplicate benchmark code {code!r}")
        benchmark = sync_row(
            Benchmark,
            {"code": code},
            {
                "name": read(node, "name", path, text),
                "category": read(node, "category", path, categories),
                "higher_is_better": read(node, "higher_is_better", path, boolean, default=True),
                "scale": read(node, "scale", path, decimal, default=Decimal("100")),
                **sourced(node, path),
            },
            report,
            path,
        )
        context.benchmarks[code] = benchmark
        references = read(node, "reference_scores", path, lambda v, p: mapping_at(v, p), default={})
        for model_name, raw_score in references.items():
            rpath = f"{path}.reference_scores.{model_name}"
            sync_row(
                ReferenceScore,
                {"benchmark": benchmark, "reference_model": str(model_name)},
                {"score": decimal(raw_score, rpath)},
                report,
                rpath,
            )


def phase_details_load(data: dict, context: LoadContext, report: LoadReport) -> None:
    """Rubrics (components, criteria, gates), benchmark sets, target models, participants, recorded
    results and outcomes of each phase. Phases whose details changed get a standings recompute."""
    for i, raw in enumerate(list_at(data.get("phases"), "phases")):
        path = f"phases[{i}]"
        node = mapping_at(raw, path)
        phase = context.phases[read(node, "code", path, text)]
        before = _changes(report)
        threshold = read(
            node, "frontier_threshold", path, decimal, default=context.program.frontier_threshold
        )
        if not 0 < threshold <= Decimal("1.5"):
            raise ProgramFileError(f"{path}.frontier_threshold", f"{threshold} is not in (0, 1.5]")
        if phase.frontier_threshold != threshold:
            # The phase row itself was synced (and counted) by the phases section just before.
            Phase.objects.filter(pk=phase.pk).update(frontier_threshold=threshold)
            phase.frontier_threshold = threshold
        results = list_at(node.get("results"), f"{path}.results")
        components = _rubric_load(phase, node, path, bool(results), report)
        gates = _gates_load(phase, node, path, report)
        _benchmark_set_load(phase, node, path, context, report)
        _target_models_load(phase, node, path, context, report)
        participants = _participants(phase, node, path, results, context)
        outcomes = _outcomes(node, path, participants)
        for code, consortium in participants.items():
            # Only a published outcome is written: one set by finalizing in the portal is kept.
            sync_row(
                PhaseParticipant,
                {"phase": phase, "consortium": consortium},
                {"outcome": outcomes[code]} if code in outcomes else {},
                report,
                f"{path}.participants.{code}",
            )
        for j, row in enumerate(results):
            _result_load(
                phase,
                mapping_at(row, f"{path}.results[{j}]"),
                f"{path}.results[{j}]",
                components,
                gates,
                context,
                report,
            )
        if _changes(report) != before:
            standings_inputs_changed(phase_id=phase.pk, trigger="program file load")


def _changes(report: LoadReport) -> int:
    return sum(report.created.values()) + sum(report.updated.values())


def _rubric_load(phase: Phase, node: dict, path: str, has_results: bool, report: LoadReport) -> dict:
    """component key -> (component, {criterion key: criterion})."""
    rubric = read(node, "rubric", path, lambda v, p: mapping_at(v, p), default={})
    rpath = f"{path}.rubric.components"
    raw_components = list_at(rubric.get("components"), rpath)
    sources = choice(RubricComponent.Source.values)
    groups = choice(BenchmarkGroup.values)
    loaded: dict = {}
    total = Decimal(0)
    for j, raw in enumerate(raw_components):
        cpath = f"{rpath}[{j}]"
        comp = mapping_at(raw, cpath)
        key = read(comp, "key", cpath, text)
        if key in loaded:
            raise ProgramFileError(f"{cpath}.key", f"duplicate component key {key!r}")
        weight = read(comp, "weight", cpath, decimal)
        total += weight
        raw_criteria = list_at(comp.get("criteria"), f"{cpath}.criteria")
        criteria_specs = []
        for k, raw_criterion in enumerate(raw_criteria):
            kpath = f"{cpath}.criteria[{k}]"
            crit = mapping_at(raw_criterion, kpath)
            criteria_specs.append((kpath, crit, read(crit, "max_points", kpath, decimal)))
        scale = sum((m for _p, _c, m in criteria_specs), Decimal(0)) if criteria_specs else weight
        if has_results or not criteria_specs:
            inferred = pure.Source.PANEL
        elif all(c.get("group") for _p, c, _m in criteria_specs):
            inferred = pure.Source.BENCHMARKS
        else:
            inferred = pure.Source.EVALUATORS
        component = sync_row(
            RubricComponent,
            {"phase": phase, "key": key},
            {
                "name": read(comp, "name", cpath, text),
                "order": j,
                "weight": weight,
                "max_points": scale,
                "source": read(comp, "source", cpath, sources, default=inferred),
                "panel_size": read(comp, "panel_size", cpath, positive_integer, default=None),
                "note": read(comp, "note", cpath, text, default=""),
                **sourced(comp, cpath),
            },
            report,
            cpath,
        )
        criteria = {}
        for k, (kpath, crit, max_points) in enumerate(criteria_specs):
            ckey = read(crit, "key", kpath, text)
            if ckey in criteria:
                raise ProgramFileError(
                    f"{kpath}.key", f"duplicate criterion key {ckey!r} in component {key!r}"
                )
            criteria[ckey] = sync_row(
                RubricCriterion,
                {"component": component, "key": ckey},
                {
                    "name": read(crit, "name", kpath, text),
                    "order": k,
                    "max_points": max_points,
                    "benchmark_group": read(crit, "group", kpath, groups, default=""),
                    "note": read(crit, "note", kpath, text, default=""),
                    **sourced(crit, kpath),
                },
                report,
                kpath,
            )
        loaded[key] = (component, criteria)
    if raw_components and total != 100:
        raise ProgramFileError(rpath, f"component weights add up to {total}, not 100")
    return loaded


def _gates_load(phase: Phase, node: dict, path: str, report: LoadReport) -> dict:
    rubric = read(node, "rubric", path, lambda v, p: mapping_at(v, p), default={})
    gates = {}
    for j, raw in enumerate(list_at(rubric.get("gates"), f"{path}.rubric.gates")):
        gpath = f"{path}.rubric.gates[{j}]"
        gate = mapping_at(raw, gpath)
        key = read(gate, "key", gpath, text)
        if key in gates:
            raise ProgramFileError(f"{gpath}.key", f"duplicate gate key {key!r}")
        gates[key] = sync_row(
            RubricGate,
            {"phase": phase, "key": key},
            {
                "name": read(gate, "name", gpath, text),
                "description": read(gate, "description", gpath, text, default=""),
                **sourced(gate, gpath),
            },
            report,
            gpath,
        )
    return gates


def _consortium_ref(context, code: str, path: str):
    try:
        return context.consortia[code]
    except KeyError:
        raise ProgramFileError(path, f"unknown consortium code {code!r}") from None


def _benchmark_set_load(phase: Phase, node: dict, path: str, context, report: LoadReport) -> None:
    groups = choice(BenchmarkGroup.values)
    for j, raw in enumerate(list_at(node.get("benchmark_set"), f"{path}.benchmark_set")):
        bpath = f"{path}.benchmark_set[{j}]"
        entry = mapping_at(raw, bpath)
        code = read(entry, "benchmark", bpath, text)
        benchmark = context.benchmarks.get(code)
        if benchmark is None:
            raise ProgramFileError(f"{bpath}.benchmark", f"unknown benchmark code {code!r}")
        team_code = read(entry, "consortium", bpath, text, default=None)
        consortium = _consortium_ref(context, team_code, f"{bpath}.consortium") if team_code else None
        sync_row(
            PhaseBenchmark,
            {"phase": phase, "benchmark": benchmark, "consortium": consortium},
            {"group": read(entry, "group", bpath, groups), **sourced(entry, bpath)},
            report,
            bpath,
        )


def _target_models_load(phase: Phase, node: dict, path: str, context, report: LoadReport) -> None:
    targets = read(node, "target_models", path, lambda v, p: mapping_at(v, p), default={})
    for code, model_name in targets.items():
        tpath = f"{path}.target_models.{code}"
        sync_row(
            TargetModel,
            {"phase": phase, "consortium": _consortium_ref(context, str(code), tpath)},
            {"reference_model": text(model_name, tpath)},
            report,
            tpath,
        )


def _participants(phase: Phase, node: dict, path: str, results: list, context) -> dict:
    """Who takes part: the teams with recorded results, an explicit list, or (for a running phase) the
    active teams."""
    if results:
        codes = [
            read(mapping_at(r, f"{path}.results[{j}]"), "consortium", f"{path}.results[{j}]", text)
            for j, r in enumerate(results)
        ]
        where = [f"{path}.results[{j}].consortium" for j in range(len(codes))]
    elif "participants" in node:
        codes = [
            text(c, f"{path}.participants[{j}]")
            for j, c in enumerate(list_at(node["participants"], f"{path}.participants"))
        ]
        where = [f"{path}.participants[{j}]" for j in range(len(codes))]
    elif phase.status in (Phase.Status.OPEN, Phase.Status.EVALUATING):
        return {code: c for code, c in context.consortia.items() if c.is_active}
    else:
        return {}
    participants = {}
    for code, where_ in zip(codes, where, strict=True):
        if code in participants:
            raise ProgramFileError(where_, f"consortium {code!r} is listed twice")
        participants[code] = _consortium_ref(context, code, where_)
    return participants


def _points(value, path: str, maximum: Decimal) -> Decimal:
    number = decimal(value, path)
    if number < 0 or number > maximum:
        raise ProgramFileError(path, f"{number} is out of range 0..{maximum}")
    return number


def _result_load(
    phase, row: dict, path: str, components: dict, gates: dict, context, report: LoadReport
) -> None:
    consortium = _consortium_ref(context, read(row, "consortium", path, text), f"{path}.consortium")
    known = {"consortium", "total", "illustrative", "source", "gate_reason"}
    total = Decimal(0)
    for key, (component, criteria) in components.items():
        known.add(key)
        known.update(criteria)
        if key in row:
            points = _points(row[key], f"{path}.{key}", component.max_points)
            sync_row(
                PanelResult,
                {"consortium": consortium, "component": component, "criterion": None},
                {"phase": phase, "points": points, "panel_size": component.panel_size, **sourced(row, path)},
                report,
                f"{path}.{key}",
            )
            total += points * component.weight / component.max_points
        elif criteria and all(ckey in row for ckey in criteria):
            for ckey, criterion in criteria.items():
                points = _points(row[ckey], f"{path}.{ckey}", criterion.max_points)
                sync_row(
                    PanelResult,
                    {"consortium": consortium, "component": component, "criterion": criterion},
                    {
                        "phase": phase,
                        "points": points,
                        "panel_size": component.panel_size,
                        **sourced(row, path),
                    },
                    report,
                    f"{path}.{ckey}",
                )
                total += points * component.weight / component.max_points
        else:
            wanted = f"{key!r}" + (f" or all of {', '.join(sorted(criteria))}" if criteria else "")
            raise ProgramFileError(path, f"no points for component {key!r}: give {wanted}")
    for gkey, gate in gates.items():
        known.update({f"gate_{gkey}", f"gate_{gkey}_reason"})
        outcome = read(row, f"gate_{gkey}", path, choice(["pass", "fail"]))
        reason = read(row, f"gate_{gkey}_reason", path, text, default=None) or read(
            row, "gate_reason", path, text, default=""
        )
        if outcome == "fail" and not reason:
            raise ProgramFileError(f"{path}.gate_{gkey}", "a failed gate needs a reason (gate_reason)")
        sync_row(
            GateResult,
            {"gate": gate, "consortium": consortium},
            {"passed": outcome == "pass", "reason": reason, **sourced(row, path)},
            report,
            f"{path}.gate_{gkey}",
        )
    unknown = sorted(set(row) - known)
    if unknown:
        raise ProgramFileError(
            f"{path}.{unknown[0]}", "unknown key (not a component, criterion or gate of this phase)"
        )
    if "total" in row:
        stated = read(row, "total", path, decimal)
        if stated != total.quantize(Decimal("0.01")):
            raise ProgramFileError(
                f"{path}.total", f"stated total {stated} differs from the sum of the points {total}"
            )


_OUTCOME_KEYS = {
    "advanced": pure.Outcome.ADVANCES,
    "eliminated_on_points": pure.Outcome.ELIMINATED_ON_POINTS,
    "disqualified_by_gate": pure.Outcome.DISQUALIFIED_BY_GATE,
}


def _outcomes(node: dict, path: str, participants: dict) -> dict[str, str]:
    """The officially announced outcome by team code, as published (the standings test recomputes it)."""
    outcome = read(node, "actual_outcome", path, lambda v, p: mapping_at(v, p), default=None)
    if outcome is None:
        return {}
    opath = f"{path}.actual_outcome"
    for key in outcome:
        if key not in _OUTCOME_KEYS:
            raise ProgramFileError(
                f"{opath}.{key}", f"unknown outcome; expected one of {', '.join(_OUTCOME_KEYS)}"
            )
    seen: dict[str, str] = {}
    for key, value in _OUTCOME_KEYS.items():
        for j, code in enumerate(list_at(outcome.get(key), f"{opath}.{key}")):
            where = f"{opath}.{key}[{j}]"
            code = text(code, where)
            if code not in participants:
                raise ProgramFileError(where, f"{code!r} is not a participant of this phase")
            if code in seen:
                raise ProgramFileError(where, f"{code!r} has more than one outcome")
            seen[code] = value
    return seen
