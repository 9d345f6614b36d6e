"""Writes for the budget. Every interface (UI, API, admin actions, the evaluations finalize step, the
program loader) goes through these keyword-only functions; each runs in one transaction and either does
everything or nothing."""

from budget.services.allocations import allocation_create, allocations_freeze_for_elimination
from budget.services.executions import execution_approve, execution_record, execution_reject
from budget.services.gpu_usage import gpu_usage_upload
from budget.services.lines import budget_line_amend, budget_line_create, category_cap_set

__all__ = [
    "allocation_create",
    "allocations_freeze_for_elimination",
    "budget_line_amend",
    "budget_line_create",
    "category_cap_set",
    "execution_approve",
    "execution_record",
    "execution_reject",
    "gpu_usage_upload",
]
