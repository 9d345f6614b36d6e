"""The evaluations sections of the program file: phases, benchmarks with reference scores, and
(phase details) rubrics, gates, benchmark sets, target models, participants, recorded results and outcomes.

A phase's workflow belongs to the portal once the phase exists, so a reload never rewinds it:

* A phase row keeps its status, order, dates, team counts and frontier threshold; only its name, source
  and illustrative mark follow the file. Dates are not applied even to a draft: staff set a draft's dates
  in the portal, and the file must not undo that.
* A phase's set-up (rubric components and criteria, gates, benchmark set, target models, participants) is
  created from the file while the phase is new (created by this load) or still a draft; rows that exist
  keep their weights, maximum points, sources of points, groups and models, and only their names, notes,
  descriptions and provenance follow the file, and only while the phase is a draft. Once a phase is open
  its set-up is the portal's: existing rows are kept whole (what evaluators score against does not change
  under them) and missing ones are reported, not created.
* Recorded results (panel points, gate decisions) and official outcomes are written only into a phase
  this load creates (the program's history as published). In an existing phase they are what staff
  entered or what finalizing decided: kept whole, and differences reported.
* Benchmarks keep their scale and direction and reference scores their value once they exist (they are
  standings inputs); names, categories and sources follow the file.

Creation: set-up added to a phase that already exists (a draft) goes through the evaluations services
with the system actor (``rubric_component_create``, ``rubric_criterion_create``, ``rubric_gate_create``,
``phase_participant_add``, ``phase_benchmark_add``, ``target_model_set``), which check it, audit it and
mark the standings stale as they do for staff. No service creates a phase, a benchmark or a reference
score, so a phase this load creates is written here together with its set-up, results and outcomes, each
row with its own audit event, and its standings are marked stale once: the file records the program's
history as published (phases already open, evaluating or finalized, with their results), which the
services rightly refuse to write into, and a first load must give the same world whatever the phases'
statuses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

from common.loading import (
    PROVENANCE,
    Difference,
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
    seed_row,
    sourced,
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
from evaluations.services import (
    phase_benchmark_add,
    phase_participant_add,
    rubric_component_create,
    rubric_criterion_create,
    rubric_gate_create,
    standings_inputs_changed,
    target_model_set,
)


def phases_section_load(data: dict, context: LoadContext, report: LoadReport) -> None:
    statuses = choice(Phase.Status.values)
    for i, raw in enumerate(list_at(data.get("phases"), "phases")):
        path = f"phases[{i}]"
        node = mapping_at(raw, path)
        code = read(node, "code", path, text)
        if code in context.phases:
            raise ProgramFileError(f"{path}.code", f"duplicate phase code {code!r}")
        threshold = read(
            node, "frontier_threshold", path, decimal, default=context.program.frontier_threshold
        )
        if not 0 < threshold <= Decimal("1.5"):
            raise ProgramFileError(f"{path}.frontier_threshold", f"{threshold} is not in (0, 1.5]")
        context.phases[code] = seed_row(
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
                "frontier_threshold": threshold,
                **sourced(node, path),
            },
            context,
            report,
            path,
            descriptive=("name", *PROVENANCE),
        )


def benchmarks_section_load(data: dict, context: LoadContext, report: LoadReport) -> None:
    categories = choice(Benchmark.Category.values)
    for i, raw in enumerate(list_at(data.get("benchmarks"), "benchmarks")):
        path = f"benchmarks[{i}]"
        node = mapping_at(raw, path)
        code = read(node, "code", path, text)
        if code in context.benchmarks:
            raise ProgramFileError(f"{path}.code", f"duplicate benchmark code {code!r}")
        benchmark = seed_row(
            Benchmark,
            {"code": code},
            {
                "name": read(node, "name", path, text),
                "category": read(node, "category", path, categories),
                "higher_is_better": read(node, "higher_is_better", path, boolean, default=True),
                "scale": read(node, "scale", path, decimal, default=Decimal("100")),
                **sourced(node, path),
            },
            context,
            report,
            path,
            descriptive=("name", "category", *PROVENANCE),
        )
        context.benchmarks[code] = benchmark
        references = read(node, "reference_scores", path, lambda v, p: mapping_at(v, p), default={})
        for model_name, raw_score in references.items():
            rpath = f"{path}.reference_scores.{model_name}"
            seed_row(
                ReferenceScore,
                {"benchmark": benchmark, "reference_model": str(model_name)},
                {"score": decimal(raw_score, rpath)},
                context,
                report,
                rpath,
                keys={"score": rpath},
            )


@dataclass
class _Seed:
    """One phase's details being loaded: whether this load created the phase, and what it may write."""

    phase: Phase
    new: bool
    context: LoadContext

    @property
    def setup_refused(self) -> str:
        """Why missing set-up rows are not created ("" when they are)."""
        if self.new or self.phase.status == Phase.Status.DRAFT:
            return ""
        return (
            f"{self.phase.code} is {self.phase.status} in the database; its set-up is managed in the portal"
        )

    @property
    def results_refused(self) -> str:
        """Why missing results and outcomes are not written ("" when they are)."""
        if self.new:
            return ""
        return f"{self.phase.code} already exists; its results and outcomes are entered in the portal"

    def descriptive(self, *fields: str) -> tuple[str, ...]:
        """The fields of a set-up row that follow the file: while the set-up is the file's to create.
        The record of a phase that is running or done is kept whole, names and notes included."""
        return () if self.setup_refused else fields

    def service(self, call):
        """``call`` (a service call) for set-up added to a phase that already exists (a draft: the
        services' own rules apply); None for a phase this load creates, whose set-up is written with it."""
        return None if self.new else call


@dataclass
class _Component:
    """A rubric component as the file states it (what results are checked against), and its row."""

    key: str
    weight: Decimal
    max_points: Decimal
    obj: RubricComponent | None
    criteria: dict[str, tuple[Decimal, RubricCriterion | None]] = field(default_factory=dict)


def phase_details_load(data: dict, context: LoadContext, report: LoadReport) -> None:
    """Rubrics (components, criteria, gates), participants, benchmark sets, target models, recorded
    results and outcomes of each phase. Phases whose details the loader wrote get a standings recompute
    (the services it calls mark theirs themselves)."""
    for i, raw in enumerate(list_at(data.get("phases"), "phases")):
        path = f"phases[{i}]"
        node = mapping_at(raw, path)
        phase = context.phases[read(node, "code", path, text)]
        seed = _Seed(phase=phase, new=context.is_new(phase), context=context)
        before = _changes(report)
        results = list_at(node.get("results"), f"{path}.results")
        components = _rubric_load(seed, node, path, bool(results), report)
        gates = _gates_load(seed, node, path, report)
        participants = _participants(phase, node, path, results, context)
        outcomes = _outcomes(node, path, participants)
        for code, consortium in participants.items():
            outcome = outcomes.get(code)
            seed_row(
                PhaseParticipant,
                {"phase": phase, "consortium": consortium},
                {"outcome": outcome[0]} if outcome else {},
                context,
                report,
                f"{path}.participants.{code}",
                creatable=seed.setup_refused,
                create=seed.service(
                    partial(phase_participant_add, phase=phase, consortium=consortium, actor=context.actor),
                ),
                keys={"outcome": outcome[1]} if outcome else None,
            )
        _benchmark_set_load(seed, node, path, report)
        _target_models_load(seed, node, path, report)
        for j, row in enumerate(results):
            _result_load(
                seed,
                mapping_at(row, f"{path}.results[{j}]"),
                f"{path}.results[{j}]",
                components,
                gates,
                report,
            )
        if _changes(report) != before:
            standings_inputs_changed(phase_id=phase.pk, trigger="program file load")


def _changes(report: LoadReport) -> int:
    return sum(report.created.values()) + sum(report.updated.values())


def _rubric_load(seed: _Seed, node: dict, path: str, has_results: bool, report: LoadReport) -> dict:
    """component key -> _Component, as the file states it (with its row, None if not created)."""
    rubric = read(node, "rubric", path, lambda v, p: mapping_at(v, p), default={})
    rpath = f"{path}.rubric.components"
    raw_components = list_at(rubric.get("components"), rpath)
    sources = choice(RubricComponent.Source.values)
    groups = choice(BenchmarkGroup.values)
    loaded: dict[str, _Component] = {}
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
        scale_from = "criteria" if criteria_specs else "weight"
        if has_results or not criteria_specs:
            inferred = pure.Source.PANEL
        elif all(c.get("group") for _p, c, _m in criteria_specs):
            inferred = pure.Source.BENCHMARKS
        else:
            inferred = pure.Source.EVALUATORS
        values = {
            "name": read(comp, "name", cpath, text),
            "order": j,
            "weight": weight,
            "max_points": scale,
            "source": read(comp, "source", cpath, sources, default=inferred),
            "panel_size": read(comp, "panel_size", cpath, positive_integer, default=None),
            "note": read(comp, "note", cpath, text, default=""),
            **sourced(comp, cpath),
        }
        component = seed_row(
            RubricComponent,
            {"phase": seed.phase, "key": key},
            values,
            seed.context,
            report,
            cpath,
            descriptive=seed.descriptive("name", "note", *PROVENANCE),
            keys={"order": f"{cpath} (position)", "max_points": f"{cpath}.{scale_from} (maximum points)"},
            creatable=seed.setup_refused,
            create=seed.service(
                partial(
                    rubric_component_create,
                    phase=seed.phase,
                    actor=seed.context.actor,
                    key=key,
                    name=values["name"],
                    weight=weight,
                    source=values["source"],
                    max_points=scale,
                    panel_size=values["panel_size"],
                    note=values["note"],
                ),
            ),
        )
        spec = _Component(key=key, weight=weight, max_points=scale, obj=component)
        for k, (kpath, crit, max_points) in enumerate(criteria_specs):
            ckey = read(crit, "key", kpath, text)
            if ckey in spec.criteria:
                raise ProgramFileError(
                    f"{kpath}.key", f"duplicate criterion key {ckey!r} in component {key!r}"
                )
            criterion_values = {
                "name": read(crit, "name", kpath, text),
                "order": k,
                "max_points": max_points,
                "benchmark_group": read(crit, "group", kpath, groups, default=""),
                "note": read(crit, "note", kpath, text, default=""),
                **sourced(crit, kpath),
            }
            criterion = None
            if component is not None:
                criterion = seed_row(
                    RubricCriterion,
                    {"component": component, "key": ckey},
                    criterion_values,
                    seed.context,
                    report,
                    kpath,
                    descriptive=seed.descriptive("name", "note", *PROVENANCE),
                    creatable=seed.setup_refused,
                    create=seed.service(
                        partial(
                            rubric_criterion_create,
                            component=component,
                            actor=seed.context.actor,
                            key=ckey,
                            name=criterion_values["name"],
                            max_points=max_points,
                            benchmark_group=criterion_values["benchmark_group"],
                            note=criterion_values["note"],
                        ),
                    ),
                    keys={"benchmark_group": f"{kpath}.group", "order": f"{kpath} (position)"},
                )
            spec.criteria[ckey] = (max_points, criterion)
        loaded[key] = spec
    if raw_components and total != 100:
        raise ProgramFileError(rpath, f"component weights add up to {total}, not 100")
    return loaded


def _gates_load(seed: _Seed, node: dict, path: str, report: LoadReport) -> dict:
    rubric = read(node, "rubric", path, lambda v, p: mapping_at(v, p), default={})
    gates = {}
    for j, raw in enumerate(list_at(rubric.get("gates"), f"{path}.rubric.gates")):
        gpath = f"{path}.rubric.gates[{j}]"
        gate = mapping_at(raw, gpath)
        key = read(gate, "key", gpath, text)
        if key in gates:
            raise ProgramFileError(f"{gpath}.key", f"duplicate gate key {key!r}")
        values = {
            "name": read(gate, "name", gpath, text),
            "description": read(gate, "description", gpath, text, default=""),
            **sourced(gate, gpath),
        }
        gates[key] = seed_row(
            RubricGate,
            {"phase": seed.phase, "key": key},
            values,
            seed.context,
            report,
            gpath,
            descriptive=seed.descriptive(*values),
            creatable=seed.setup_refused,
            create=seed.service(
                partial(
                    rubric_gate_create,
                    phase=seed.phase,
                    actor=seed.context.actor,
                    key=key,
                    name=values["name"],
                    description=values["description"],
                ),
            ),
        )
    return gates


def _consortium_ref(context, code: str, path: str):
    try:
        return context.consortia[code]
    except KeyError:
        raise ProgramFileError(path, f"unknown consortium code {code!r}") from None


def _benchmark_set_load(seed: _Seed, node: dict, path: str, report: LoadReport) -> None:
    groups = choice(BenchmarkGroup.values)
    context = seed.context
    for j, raw in enumerate(list_at(node.get("benchmark_set"), f"{path}.benchmark_set")):
        bpath = f"{path}.benchmark_set[{j}]"
        entry = mapping_at(raw, bpath)
        code = read(entry, "benchmark", bpath, text)
        benchmark = context.benchmarks.get(code)
        if benchmark is None:
            raise ProgramFileError(f"{bpath}.benchmark", f"unknown benchmark code {code!r}")
        team_code = read(entry, "consortium", bpath, text, default=None)
        consortium = _consortium_ref(context, team_code, f"{bpath}.consortium") if team_code else None
        group = read(entry, "group", bpath, groups)
        seed_row(
            PhaseBenchmark,
            {"phase": seed.phase, "benchmark": benchmark, "consortium": consortium},
            {"group": group, **sourced(entry, bpath)},
            context,
            report,
            bpath,
            descriptive=seed.descriptive(*PROVENANCE),
            creatable=seed.setup_refused,
            create=seed.service(
                partial(
                    phase_benchmark_add,
                    phase=seed.phase,
                    benchmark=benchmark,
                    group=group,
                    consortium=consortium,
                    actor=context.actor,
                ),
            ),
        )


def _target_models_load(seed: _Seed, node: dict, path: str, report: LoadReport) -> None:
    targets = read(node, "target_models", path, lambda v, p: mapping_at(v, p), default={})
    context = seed.context
    for code, model_name in targets.items():
        tpath = f"{path}.target_models.{code}"
        consortium = _consortium_ref(context, str(code), tpath)
        reference_model = text(model_name, tpath)
        seed_row(
            TargetModel,
            {"phase": seed.phase, "consortium": consortium},
            {"reference_model": reference_model},
            context,
            report,
            tpath,
            creatable=seed.setup_refused,
            create=seed.service(
                partial(
                    target_model_set,
                    phase=seed.phase,
                    consortium=consortium,
                    reference_model=reference_model,
                    actor=context.actor,
                ),
            ),
            keys={"reference_model": tpath},
        )


def _participants(phase: Phase, node: dict, path: str, results: list, context) -> dict:
    """Who takes part: the teams with recorded results, an explicit list, or (for a running phase) the
    teams the database records as active."""
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


def _write_panel(seed: _Seed, report: LoadReport, path: str, consortium, component, criterion, points, row):
    """One recorded panel figure: a whole component's (``criterion`` None), or one criterion's (``criterion``
    the row, or False when the criterion was not created)."""
    if component is None or criterion is False:
        report.differences.append(_not_created(path, seed.results_refused or seed.setup_refused))
        return
    criterion = criterion or None
    panel_size = component.panel_size
    seed_row(
        PanelResult,
        {"consortium": consortium, "component": component, "criterion": criterion},
        {"phase": seed.phase, "points": points, "panel_size": panel_size, **sourced(row, path)},
        seed.context,
        report,
        path,
        creatable=seed.results_refused,
        keys={
            "points": path,
            "panel_size": path,
            "phase": path,
            "is_illustrative": f"{path.rsplit('.', 1)[0]}.illustrative",
            "source_note": f"{path.rsplit('.', 1)[0]}.source",
        },
    )


def _not_created(path: str, reason: str) -> Difference:
    return Difference(path, missing=True, reason=reason or "what it belongs to was not created")


def _result_load(
    seed: _Seed, row: dict, path: str, components: dict[str, _Component], gates: dict, report: LoadReport
) -> None:
    context = seed.context
    consortium = _consortium_ref(context, read(row, "consortium", path, text), f"{path}.consortium")
    known = {"consortium", "total", "illustrative", "source", "gate_reason"}
    total = Decimal(0)
    for key, spec in components.items():
        known.add(key)
        known.update(spec.criteria)
        if key in row:
            points = _points(row[key], f"{path}.{key}", spec.max_points)
            _write_panel(seed, report, f"{path}.{key}", consortium, spec.obj, None, points, row)
            total += points * spec.weight / spec.max_points
        elif spec.criteria and all(ckey in row for ckey in spec.criteria):
            for ckey, (max_points, criterion) in spec.criteria.items():
                points = _points(row[ckey], f"{path}.{ckey}", max_points)
                _write_panel(
                    seed, report, f"{path}.{ckey}", consortium, spec.obj, criterion or False, points, row
                )
                total += points * spec.weight / spec.max_points
        else:
            wanted = f"{key!r}" + (f" or all of {', '.join(sorted(spec.criteria))}" if spec.criteria else "")
            raise ProgramFileError(path, f"no points for component {key!r}: give {wanted}")
    for gkey, gate in gates.items():
        known.update({f"gate_{gkey}", f"gate_{gkey}_reason"})
        outcome = read(row, f"gate_{gkey}", path, choice(["pass", "fail"]))
        reason = read(row, f"gate_{gkey}_reason", path, text, default=None) or read(
            row, "gate_reason", path, text, default=""
        )
        if outcome == "fail" and not reason:
            raise ProgramFileError(f"{path}.gate_{gkey}", "a failed gate needs a reason (gate_reason)")
        gpath = f"{path}.gate_{gkey}"
        if gate is None:
            report.differences.append(_not_created(gpath, seed.results_refused or seed.setup_refused))
            continue
        passed = outcome == "pass"
        seed_row(
            GateResult,
            {"gate": gate, "consortium": consortium},
            {"passed": passed, "reason": reason, **sourced(row, path)},
            context,
            report,
            gpath,
            creatable=seed.results_refused,
            keys={
                "passed": gpath,
                "reason": gpath + "_reason",
                "is_illustrative": f"{path}.illustrative",
                "source_note": f"{path}.source",
            },
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


def _outcomes(node: dict, path: str, participants: dict) -> dict[str, tuple[str, str]]:
    """The officially announced outcome by team code, as published (the standings test recomputes it),
    with the key path that states it."""
    outcome = read(node, "actual_outcome", path, lambda v, p: mapping_at(v, p), default=None)
    if outcome is None:
        return {}
    opath = f"{path}.actual_outcome"
    if node.get("status") != Phase.Status.FINALIZED:
        raise ProgramFileError(opath, "only a finalized phase has an official outcome")
    for key in outcome:
        if key not in _OUTCOME_KEYS:
            raise ProgramFileError(
                f"{opath}.{key}", f"unknown outcome; expected one of {', '.join(_OUTCOME_KEYS)}"
            )
    seen: dict[str, tuple[str, str]] = {}
    for key, value in _OUTCOME_KEYS.items():
        for j, code in enumerate(list_at(outcome.get(key), f"{opath}.{key}")):
            where = f"{opath}.{key}[{j}]"
            code = text(code, where)
            if code not in participants:
                raise ProgramFileError(where, f"{code!r} is not a participant of this phase")
            if code in seen:
                raise ProgramFileError(where, f"{code!r} has more than one outcome")
            seen[code] = (value, where)
    return seen
