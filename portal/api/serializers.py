from __future__ import annotations

from rest_framework import serializers

from budget.models import Category
from evaluations.api.standings_serializers import StandingsRowSerializer
from evaluations.models import Phase


class ConsortiumWithdrawInputSerializer(serializers.Serializer):
    left_on = serializers.DateField()
    reason = serializers.CharField(max_length=2000)


# --- The dashboard summary's shape (GET dashboard/summary/). The answer is built by
# portal.dashboard.dashboard_summary (cached as plain data); these serializers describe it for the schema.


class DashboardProgramSerializer(serializers.Serializer):
    code = serializers.CharField()
    name_ko = serializers.CharField()
    name_en = serializers.CharField()


class DashboardPhaseSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    order = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Phase.Status.choices)
    development_start = serializers.DateField(allow_null=True)
    showcase_on = serializers.DateField(allow_null=True)
    evaluation_start = serializers.DateField(allow_null=True)
    result_on = serializers.DateField(allow_null=True)
    teams_in = serializers.IntegerField(allow_null=True)
    teams_advancing = serializers.IntegerField()
    is_illustrative = serializers.BooleanField()


class DashboardStandingsRowSerializer(StandingsRowSerializer):
    code = serializers.CharField(allow_null=True, help_text="the team's code (null if it left the program)")
    name = serializers.CharField()


class DashboardStandingsSerializer(serializers.Serializer):
    snapshot_id = serializers.IntegerField()
    phase = serializers.CharField()
    generation = serializers.IntegerField()
    computed_at = serializers.DateTimeField()
    duration_ms = serializers.IntegerField()
    trigger = serializers.CharField()
    is_official = serializers.BooleanField()
    cut_count = serializers.IntegerField()
    rows = DashboardStandingsRowSerializer(many=True)
    is_stale = serializers.BooleanField(help_text="the inputs changed since this table was computed")
    age_seconds = serializers.IntegerField()


class DashboardConsortiaSerializer(serializers.Serializer):
    active = serializers.IntegerField()
    eliminated = serializers.IntegerField()
    withdrawn = serializers.IntegerField()


class DashboardBudgetLineSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    fiscal_year = serializers.IntegerField()
    category = serializers.ChoiceField(choices=Category.choices)
    amount_krw = serializers.IntegerField()
    allocated_krw = serializers.IntegerField(help_text="held by allocations, net of what freezes released")
    active_allocated_krw = serializers.IntegerField(help_text="of allocated_krw, held by active allocations")
    frozen_allocated_krw = serializers.IntegerField(help_text="of allocated_krw, kept by frozen allocations")
    released_krw = serializers.IntegerField(help_text="released back to the line by freezes")
    executed_krw = serializers.IntegerField(help_text="approved spending")
    pending_krw = serializers.IntegerField(help_text="spending awaiting approval")
    remaining_krw = serializers.IntegerField(help_text="not allocated")
    unspent_krw = serializers.IntegerField(help_text="allocated, neither spent nor pending")
    is_illustrative = serializers.BooleanField()


class DashboardSupportSerializer(serializers.Serializer):
    consortium = serializers.CharField()
    category = serializers.ChoiceField(choices=Category.choices)
    allocated_krw = serializers.IntegerField()
    released_krw = serializers.IntegerField()
    executed_krw = serializers.IntegerField()


class DashboardFrozenAllocationSerializer(serializers.Serializer):
    line = serializers.CharField()
    category = serializers.ChoiceField(choices=Category.choices)
    consortium = serializers.CharField()
    amount_krw = serializers.IntegerField()
    released_krw = serializers.IntegerField()
    allocated_krw = serializers.IntegerField(help_text="what the team keeps: amount_krw - released_krw")
    executed_krw = serializers.IntegerField()
    pending_krw = serializers.IntegerField()
    frozen_on = serializers.DateField(allow_null=True)
    frozen_in_phase = serializers.CharField(allow_null=True)


class DashboardBurnSerializer(serializers.Serializer):
    month = serializers.DateField(help_text="the month's first day")
    executed_krw = serializers.IntegerField()
    pending_krw = serializers.IntegerField()


class DashboardBudgetSerializer(serializers.Serializer):
    lines = DashboardBudgetLineSerializer(many=True)
    support_by_category = DashboardSupportSerializer(many=True)
    frozen_allocations = DashboardFrozenAllocationSerializer(many=True)
    burn_by_month = DashboardBurnSerializer(many=True)


class DashboardGpuSerializer(serializers.Serializer):
    period = serializers.CharField(help_text="a half-year, e.g. 2026H1")
    consortium = serializers.CharField()
    gpu_model = serializers.CharField()
    gpu_count = serializers.IntegerField()
    gpu_hours = serializers.IntegerField()


class DashboardSummarySerializer(serializers.Serializer):
    """The ministry dashboard in one answer."""

    program = DashboardProgramSerializer()
    phases = DashboardPhaseSerializer(many=True)
    current_phase = serializers.CharField(allow_null=True)
    standings = DashboardStandingsSerializer(allow_null=True, help_text="the current phase's latest table")
    consortia = DashboardConsortiaSerializer()
    budget = DashboardBudgetSerializer()
    gpu = DashboardGpuSerializer(many=True)
    cached = serializers.BooleanField()
    generated_at = serializers.DateTimeField()
