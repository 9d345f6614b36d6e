"""The budget section of the program file: lines, reference figures, per-team caps, GPU allocations and
GPU notes. Rows are matched by natural keys and created when missing (``common.loading.seed_row``); every
error names the key path.

A reload never changes money: a line keeps its fiscal year, category and amount (amendments are made in
the portal, with a reason), a cap its amount, and an allocation everything (amount, GPUs, period, status,
freeze); where the file says otherwise the load reports the difference. Names, sources and illustrative
marks of lines and caps, reference figures and GPU notes follow the file. Nothing here touches
executions, amendments or GPU usage reports.

Creation: lines go through ``budget.services.budget_line_create`` and caps through
``budget.services.category_cap_set``, with the system actor. Allocations are written here, each with its
own audit event, because ``allocation_create`` cannot record what the file states: the row's program-file
key (how a reload finds it), the illustrative mark of a derived amount, and the allocations of teams that
already left, which the file records frozen and the service refuses. No service creates reference figures
or GPU notes.

GPU allocations: the program publishes GPU counts per team and half-year but not what each lease costs.
Unless a row gives ``amount_krw``, its KRW amount is derived transparently as GPUs × days × a per-GPU-day
rate (``budget.gpu_rate_krw_per_gpu_day``, default ₩200,000 ≈ ₩8,333 per GPU-hour, chosen so that the
published allocations fit in the ₩157.6bn leasing line), and the allocation is marked illustrative with
the derivation in its source note. Allocations of teams that already left (as the database records them)
are recorded frozen as of the leaving date, by the same rule as the freeze service. A departure is never
applied to existing allocations here: finalizing a phase (or a withdrawal) freezes them in the portal.
"""

from __future__ import annotations

from functools import partial

from django.db.models import Sum

from budget.arithmetic import days_inclusive, freeze_terms, half_year_period, illustrative_gpu_amount, krw
from budget.models import (
    Allocation,
    BudgetLine,
    Category,
    CategoryCap,
    GpuNote,
    ReferenceFigure,
)
from budget.selectors import committed_krw
from budget.services import budget_line_create, category_cap_set
from common.loading import (
    PROVENANCE,
    LoadContext,
    LoadReport,
    ProgramFileError,
    choice,
    integer,
    list_at,
    mapping_at,
    positive_integer,
    read,
    seed_row,
    sourced,
    text,
)

DEFAULT_GPU_RATE_KRW_PER_GPU_DAY = 200_000


def budget_section_load(data: dict, context: LoadContext, report: LoadReport) -> None:
    budget = mapping_at(data.get("budget") or {}, "budget")
    lines = _lines_load(budget, context, report)
    _reference_figures_load(budget, context, report)
    _caps_load(budget, context, report)
    notes: dict[tuple[str, str], str] = {}  # (period, team code) -> key path of the row that made the note
    _gpu_allocations_load(budget, context, report, lines, notes)
    _gpu_notes_load(budget, context, report, notes)


def _lines_load(budget: dict, context, report: LoadReport) -> dict[str, BudgetLine]:
    categories = choice(Category.values)
    lines: dict[str, BudgetLine] = {}
    for i, raw in enumerate(list_at(budget.get("lines"), "budget.lines")):
        path = f"budget.lines[{i}]"
        node = mapping_at(raw, path)
        code = read(node, "code", path, text)
        if code in lines:
            raise ProgramFileError(f"{path}.code", f"duplicate budget line code {code!r}")
        values = {
            "name": read(node, "name", path, text),
            "fiscal_year": read(node, "fiscal_year", path, integer),
            "category": read(node, "category", path, categories),
            "amount_krw": read(node, "amount_krw", path, positive_integer),
            **sourced(node, path),
        }
        lines[code] = seed_row(
            BudgetLine,
            {"program": context.program, "code": code},
            values,
            context,
            report,
            path,
            descriptive=("name", *PROVENANCE),
            create=partial(
                budget_line_create,
                program=context.program,
                code=code,
                actor=context.actor,
                **values,
            ),
        )
    return lines


def _reference_figures_load(budget: dict, context, report: LoadReport) -> None:
    seen: set[str] = set()
    for i, raw in enumerate(list_at(budget.get("reference_figures"), "budget.reference_figures")):
        path = f"budget.reference_figures[{i}]"
        node = mapping_at(raw, path)
        code = read(node, "code", path, text)
        if code in seen:
            raise ProgramFileError(f"{path}.code", f"duplicate reference figure code {code!r}")
        seen.add(code)
        values = {
            "name": read(node, "name", path, text),
            "amount_krw": read(node, "amount_krw", path, positive_integer),
            **sourced(node, path),
        }
        # A published figure quoted for reference (no computation uses it): descriptive.
        seed_row(
            ReferenceFigure,
            {"program": context.program, "code": code},
            values,
            context,
            report,
            path,
            descriptive=tuple(values),
        )


def _caps_load(budget: dict, context, report: LoadReport) -> None:
    categories = choice(Category.values)
    seen: set[tuple[str, int | None]] = set()
    for i, raw in enumerate(list_at(budget.get("per_team_caps"), "budget.per_team_caps")):
        path = f"budget.per_team_caps[{i}]"
        node = mapping_at(raw, path)
        category = read(node, "category", path, categories)
        fiscal_year = read(node, "fiscal_year", path, positive_integer, default=None)
        if (category, fiscal_year) in seen:
            raise ProgramFileError(
                f"{path}.category", f"duplicate cap for {category} ({fiscal_year or 'every year'})"
            )
        seen.add((category, fiscal_year))
        amount = read(node, "amount_krw", path, positive_integer)
        meta = sourced(node, path)
        seed_row(
            CategoryCap,
            {"program": context.program, "category": category, "fiscal_year": fiscal_year},
            {"per_team_amount_krw": amount, **meta},
            context,
            report,
            path,
            descriptive=PROVENANCE,
            create=partial(
                category_cap_set,
                program=context.program,
                category=category,
                fiscal_year=fiscal_year,
                per_team_amount_krw=amount,
                source_note=meta["source_note"],
                actor=context.actor,
            ),
            keys={"per_team_amount_krw": f"{path}.amount_krw"},
        )


def _half_year(node: dict, path: str):
    label = read(node, "period", path, text)
    try:
        start, end = half_year_period(label)
    except ValueError as exc:
        raise ProgramFileError(f"{path}.period", str(exc)) from None
    return label, start, end


def _consortium_ref(context, code: str, path: str):
    try:
        return context.consortia[code]
    except KeyError:
        raise ProgramFileError(path, f"unknown consortium code {code!r}") from None


def _gpu_line(node: dict, path: str, lines: dict[str, BudgetLine]) -> BudgetLine:
    code = read(node, "line", path, text, default=None)
    if code is not None:
        line = lines.get(code)
        if line is None:
            raise ProgramFileError(f"{path}.line", f"unknown budget line code {code!r}")
        if line.category != Category.GPU:
            raise ProgramFileError(f"{path}.line", f"budget line {code!r} is not a GPU line")
        return line
    gpu_lines = [line for line in lines.values() if line.category == Category.GPU]
    if len(gpu_lines) != 1:
        raise ProgramFileError(f"{path}.line", f"required when the file has {len(gpu_lines)} GPU lines")
    return gpu_lines[0]


def _gpu_allocations_load(
    budget: dict, context, report: LoadReport, lines: dict[str, BudgetLine], notes: dict[tuple[str, str], str]
) -> None:
    rate = read(
        budget,
        "gpu_rate_krw_per_gpu_day",
        "budget",
        positive_integer,
        default=DEFAULT_GPU_RATE_KRW_PER_GPU_DAY,
    )
    seen: set[tuple[int, str]] = set()
    touched: dict[int, BudgetLine] = {}
    for i, raw in enumerate(list_at(budget.get("gpu_allocations"), "budget.gpu_allocations")):
        path = f"budget.gpu_allocations[{i}]"
        node = mapping_at(raw, path)
        label, start, end = _half_year(node, path)
        team_code = read(node, "consortium", path, text)
        consortium = _consortium_ref(context, team_code, f"{path}.consortium")
        count = read(node, "count", path, integer)
        if count < 0:
            raise ProgramFileError(f"{path}.count", f"must not be negative, got {count}")
        meta = sourced(node, path)
        if count == 0:
            # "No government GPUs this period" is a fact about the team, not an allocation.
            _note_key_claim(notes, (label, team_code), path)
            values = {
                "period_start": start,
                "period_end": end,
                "note": "no government GPUs in this period",
                **meta,
            }
            seed_row(
                GpuNote,
                {"program": context.program, "period_label": label, "consortium": consortium},
                values,
                context,
                report,
                path,
                descriptive=tuple(values),
            )
            continue
        model = read(node, "gpu_model", path, text)
        if not model or len(model) > 40:
            raise ProgramFileError(f"{path}.gpu_model", "expected a GPU model name of 1 to 40 characters")
        line = _gpu_line(node, path, lines)
        key = f"{label}:{team_code}:{model}"
        if (line.pk, key) in seen:
            raise ProgramFileError(path, f"duplicate GPU allocation {key} on {line.code}")
        seen.add((line.pk, key))
        amount = read(node, "amount_krw", path, positive_integer, default=None)
        if amount is None:
            amount = illustrative_gpu_amount(count, start, end, rate)
            derivation = (
                f"KRW amount illustrative (not published): {count} GPUs x {days_inclusive(start, end)} days "
                f"x {krw(rate)} per GPU-day"
            )
            meta = {
                "is_illustrative": True,
                "source_note": "; ".join(part for part in (meta["source_note"], derivation) if part),
            }
        values = {
            "consortium": consortium,
            "period_start": start,
            "planned_period_end": end,
            "amount_krw": amount,
            "gpu_model": model,
            "gpu_count": count,
            **meta,
        }
        existing = Allocation.objects.filter(line=line, load_key=key).first()
        if existing is None:
            if not consortium.is_active and consortium.left_on is not None:
                values.update(_frozen_as_recorded(consortium, line, start, end, amount))
            else:
                values["period_end"] = end
            touched[line.pk] = line
        # What a reload compares: the file's terms, not the effective end a freeze may have set.
        keys = {
            "consortium": f"{path}.consortium",
            "period_start": f"{path}.period",
            "planned_period_end": f"{path}.period",
            "amount_krw": f"{path}.amount_krw"
            + ("" if "amount_krw" in node else " (derived from the count)"),
            "gpu_model": f"{path}.gpu_model",
            "gpu_count": f"{path}.count",
            "is_illustrative": f"{path}.illustrative",
            "source_note": f"{path}.source",
        }
        seed_row(Allocation, {"line": line, "load_key": key}, values, context, report, path, keys=keys)
    for line in touched.values():
        total = Allocation.objects.filter(line=line).aggregate(total=Sum(committed_krw()))["total"] or 0
        if total > line.amount_krw:
            raise ProgramFileError(
                "budget.gpu_allocations",
                f"allocations on {line.code} total {krw(total)}, more than the line's {krw(line.amount_krw)}",
            )


def _note_key_claim(notes: dict[tuple[str, str], str], key: tuple[str, str], path: str) -> None:
    if key in notes:
        raise ProgramFileError(path, f"duplicate GPU note for {key[1]} in {key[0]} (see {notes[key]})")
    notes[key] = path


def _frozen_as_recorded(consortium, line: BudgetLine, start, end, amount: int) -> dict:
    """A new allocation of a team that already left is recorded frozen as of its leaving date, by the same
    rule as the freeze service (nothing was spent against a row that did not exist yet)."""
    terms = freeze_terms(
        amount_krw=amount,
        period_start=start,
        period_end=end,
        planned_period_end=end,
        effective_on=consortium.left_on,
        spent_krw=0,
        is_gpu=line.category == Category.GPU,
    )
    return {
        "period_end": terms.period_end,
        "status": Allocation.Status.FROZEN,
        "frozen_on": consortium.left_on,
        "frozen_in_phase": consortium.left_in_phase,
        "released_krw": terms.released_krw,
    }


def _gpu_notes_load(budget: dict, context, report: LoadReport, notes: dict[tuple[str, str], str]) -> None:
    for i, raw in enumerate(list_at(budget.get("gpu_notes"), "budget.gpu_notes")):
        path = f"budget.gpu_notes[{i}]"
        node = mapping_at(raw, path)
        label, start, end = _half_year(node, path)
        team_code = read(node, "consortium", path, text)
        consortium = None if team_code == "*" else _consortium_ref(context, team_code, f"{path}.consortium")
        _note_key_claim(notes, (label, team_code), path)
        values = {
            "period_start": start,
            "period_end": end,
            "note": read(node, "note", path, text),
            **sourced(node, path),
        }
        seed_row(
            GpuNote,
            {"program": context.program, "period_label": label, "consortium": consortium},
            values,
            context,
            report,
            path,
            descriptive=tuple(values),
        )
