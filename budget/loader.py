"""The budget section of the program file."""

from __future__ import annotations

from budget.models import BudgetLine, Category
from common.loading import (
    LoadReport,
    ProgramFileError,
    choice,
    integer,
    list_at,
    mapping_at,
    positive_integer,
    read,
    sourced,
    sync_row,
    text,
)


def budget_section_load(data: dict, context, report: LoadReport) -> None:
    budget = mapping_at(data.get("budget") or {}, "budget")
    categories = choice(Category.values)
    seen: set[str] = set()
    for i, raw in enumerate(list_at(budget.get("lines"), "budget.lines")):
        path = f"budget.lines[{i}]"
        node = mapping_at(raw, path)
        code = read(node, "code", path, text)
        if code in seen:
            raise ProgramFileError(f"{path}.code", f"duplicate budget line code {code!r}")
        seen.add(code)
        sync_row(
            BudgetLine,
            {"program": context.program, "code": code},
            {
                "name": read(node, "name", path, text),
                "fiscal_year": read(node, "fiscal_year", path, integer),
                "category": read(node, "category", path, categories),
                "amount_krw": read(node, "amount_krw", path, positive_integer),
                **sourced(node, path),
            },
            report,
            path,
        )
