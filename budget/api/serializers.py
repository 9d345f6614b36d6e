from __future__ import annotations

import re

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from budget.models import Allocation, BudgetLine, BudgetLineAmendment, Category, Execution, GpuUsageEntry
from consortia.models import Consortium, Program


class BudgetLineAmendmentSerializer(serializers.ModelSerializer):
    amended_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = BudgetLineAmendment
        fields = ("id", "old_amount_krw", "new_amount_krw", "reason", "amended_by", "amended_at")


class BudgetLineSerializer(serializers.ModelSerializer):
    allocated_krw = serializers.IntegerField(read_only=True)
    active_allocated_krw = serializers.IntegerField(read_only=True)
    frozen_allocated_krw = serializers.IntegerField(read_only=True)
    released_krw = serializers.IntegerField(read_only=True)
    executed_krw = serializers.IntegerField(read_only=True)
    pending_krw = serializers.IntegerField(read_only=True)
    remaining_krw = serializers.IntegerField(read_only=True)
    unspent_krw = serializers.IntegerField(read_only=True)

    class Meta:
        model = BudgetLine
        fields = (
            "id",
            "program",
            "code",
            "name",
            "fiscal_year",
            "category",
            "amount_krw",
            "allocated_krw",
            "active_allocated_krw",
            "frozen_allocated_krw",
            "released_krw",
            "executed_krw",
            "pending_krw",
            "remaining_krw",
            "unspent_krw",
            "is_illustrative",
            "source_note",
        )


class AllocationSerializer(serializers.ModelSerializer):
    line = serializers.SlugRelatedField(slug_field="code", read_only=True)
    category = serializers.CharField(source="line.category", read_only=True)
    consortium = serializers.SlugRelatedField(slug_field="code", read_only=True)
    frozen_in_phase = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    executed_krw = serializers.IntegerField(read_only=True)
    pending_krw = serializers.IntegerField(read_only=True)
    gpu_hours = serializers.IntegerField(read_only=True)

    class Meta:
        model = Allocation
        fields = (
            "id",
            "line",
            "category",
            "consortium",
            "period_start",
            "period_end",
            "planned_period_end",
            "amount_krw",
            "gpu_model",
            "gpu_count",
            "gpu_hours",
            "status",
            "frozen_on",
            "frozen_in_phase",
            "released_krw",
            "executed_krw",
            "pending_krw",
            "is_illustrative",
            "source_note",
        )


class ExecutionSerializer(serializers.ModelSerializer):
    allocation = serializers.PrimaryKeyRelatedField(read_only=True)
    consortium = serializers.CharField(source="allocation.consortium.code", read_only=True)
    line = serializers.CharField(source="allocation.line.code", read_only=True)
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Execution
        fields = (
            "id",
            "allocation",
            "consortium",
            "line",
            "spent_on",
            "amount_krw",
            "description",
            "evidence_name",
            "evidence_sha256",
            "status",
            "recorded_by",
            "recorded_at",
            "decided_by",
            "decided_at",
            "decision_note",
        )


class GpuUsageEntrySerializer(serializers.ModelSerializer):
    consortium = serializers.SlugRelatedField(slug_field="code", read_only=True)
    report = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = GpuUsageEntry
        fields = (
            "id",
            "consortium",
            "month",
            "gpu_model",
            "gpu_hours",
            "notes",
            "row_number",
            "is_current",
            "report",
        )


class AllocationRoomSerializer(serializers.Serializer):
    line_amount_krw = serializers.IntegerField()
    line_allocated_krw = serializers.IntegerField()
    line_remaining_krw = serializers.IntegerField()
    cap_krw = serializers.IntegerField(allow_null=True)
    team_allocated_krw = serializers.IntegerField()
    team_remaining_krw = serializers.IntegerField(allow_null=True)
    remaining_krw = serializers.IntegerField()


# --- input: KRW fields are taken raw so the service can refuse floats and fractions with its own message ---


@extend_schema_field({"type": "integer", "format": "int64", "minimum": 1, "description": "whole won (KRW)"})
class KrwField(serializers.Field):
    """Passes the value through for the budget service to judge (it refuses floats, fractions, text with
    its own message). Form posts carry text, so plain digits become an integer first."""

    def to_internal_value(self, data):
        # Any length Python converts cheaply (its limit is 4300 digits): an amount beyond bigint is then
        # refused by the service as too large, not as "not a whole number".
        if isinstance(data, str) and re.fullmatch(r"-?[0-9]{1,4000}", data.strip()):
            return int(data)
        return data

    def to_representation(self, value):
        return value


class BudgetLineInputSerializer(serializers.Serializer):
    program = serializers.PrimaryKeyRelatedField(queryset=Program.objects.all())
    code = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=300)
    fiscal_year = serializers.IntegerField(min_value=2000, max_value=2100)
    category = serializers.ChoiceField(choices=Category.choices)
    amount_krw = KrwField()
    source_note = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")


class AmendInputSerializer(serializers.Serializer):
    new_amount_krw = KrwField()
    reason = serializers.CharField(max_length=2000)


class AllocationInputSerializer(serializers.Serializer):
    line = serializers.SlugRelatedField(slug_field="code", queryset=BudgetLine.objects.all())
    consortium = serializers.SlugRelatedField(slug_field="code", queryset=Consortium.objects.all())
    amount_krw = KrwField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    gpu_model = serializers.CharField(
        max_length=40, required=False, allow_null=True, allow_blank=True, default=None
    )
    gpu_count = serializers.IntegerField(required=False, allow_null=True, default=None)
    source_note = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")


class ExecutionInputSerializer(serializers.Serializer):
    allocation = serializers.PrimaryKeyRelatedField(queryset=Allocation.objects.all())
    spent_on = serializers.DateField()
    amount_krw = KrwField()
    description = serializers.CharField(max_length=500)
    evidence = serializers.FileField(required=False, allow_null=True, default=None, use_url=False)


class DecisionInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class RejectInputSerializer(serializers.Serializer):
    """Rejecting needs a reason; here it is refused under ``note``, the name the client sent (the service's
    own refusal is keyed ``reason``, the browser form's name)."""

    note = serializers.CharField(max_length=2000, help_text="The reason for rejecting (required).")


class GpuUsageUploadInputSerializer(serializers.Serializer):
    consortium = serializers.SlugRelatedField(slug_field="code", queryset=Consortium.objects.all())
    file = serializers.FileField(allow_empty_file=True, use_url=False)
