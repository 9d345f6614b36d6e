"""The evaluations sections of the program file: phases, benchmarks with reference scores, and
(phase details) rubrics, gates and recorded results."""

from __future__ import annotations

from decimal import Decimal

from common.loading import (
    LoadReport,
    ProgramFileError,
    boolean,
    choice,
    date,
    decimal,
    integer,
    list_at,
    mapping_at,
    read,
    sourced,
    sync_row,
    text,
)
from evaluations.models import Benchmark, Phase, ReferenceScore


def phases_section_load(data: dict, context, report: LoadReport) -> None:
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


def benchmarks_section_load(data: dict, context, report: LoadReport) -> None:
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


def phase_details_load(data: dict, context, report: LoadReport) -> None:
    """Rubrics, gates and recorded results of each phase (built out with the evaluations models)."""
    for i, raw in enumerate(list_at(data.get("phases"), "phases")):
        mapping_at(raw, f"phases[{i}]")
