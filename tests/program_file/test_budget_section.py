"""The budget section of the program file: what the real file loads, idempotence, and errors by key path."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from budget.models import Allocation, BudgetLine, CategoryCap, GpuNote, ReferenceFigure
from budget.selectors import budget_line_figures, gpu_by_team_over_time
from common.loading import ProgramFileError
from common.models import AuditEvent
from tests.shipped_program import program_load

pytestmark = pytest.mark.django_db

D = dt.date
RATE = 200_000


def test_real_lines_caps_and_reference_figures(kai_program):
    assert dict(BudgetLine.objects.values_list("code", "amount_krw")) == {
        "FY25-GPU-LEASE": 157_600_000_000,
        "FY25-DATA": 30_000_000_000,
        "FY25-TALENT": 5_000_000_000,
        "FY25-BROADCAST-DATA": 20_000_000_000,
    }
    assert sorted(CategoryCap.objects.values_list("category", "fiscal_year", "per_team_amount_krw")) == [
        ("data_processing", None, 5_000_000_000),
        ("data_purchase", None, 10_000_000_000),
        ("talent_matching", None, 2_000_000_000),
    ]
    assert ReferenceFigure.objects.count() == 7
    assert ReferenceFigure.objects.get(code="FY25-PROPOSAL-TOTAL").amount_krw == 193_600_000_000
    assert (
        ReferenceFigure.objects.get(code="FY25-PASSED-TOTAL").source_note == "sources differ; scope uncertain"
    )


def test_real_gpu_allocations_with_transparent_illustrative_amounts(kai_program):
    rows = {a.load_key: a for a in Allocation.objects.select_related("consortium", "line")}
    assert sorted(rows) == [
        "2025H2:LG:B200",
        "2025H2:NCAI:H200",
        "2025H2:UPSTAGE:B200",
        "2026H1:LG:B200",
        "2026H1:LG:H100",
        "2026H1:MOTIF:B200",
        "2026H1:UPSTAGE:B200",
        "2026H1:UPSTAGE:H100",
    ]
    assert {a.line.code for a in rows.values()} == {"FY25-GPU-LEASE"}
    motif = rows["2026H1:MOTIF:B200"]
    assert (motif.gpu_count, motif.period_start, motif.period_end) == (768, D(2026, 1, 1), D(2026, 6, 30))
    assert motif.amount_krw == 768 * 181 * RATE
    assert motif.is_illustrative
    assert motif.source_note == (
        "etoday 2548794; KRW amount illustrative (not published): 768 GPUs x 181 days x ₩200,000 per GPU-day"
    )
    upstage = rows["2025H2:UPSTAGE:B200"]
    assert upstage.amount_krw == 480 * 184 * RATE
    assert upstage.source_note.startswith(
        "model card (training hw); government lease inferred; KRW amount illustrative"
    )
    assert all(a.is_illustrative for a in rows.values())
    figures = budget_line_figures(program_id=kai_program.pk).get(code="FY25-GPU-LEASE")
    assert figures.allocated_krw == 156_844_800_000
    assert figures.remaining_krw == 157_600_000_000 - 156_844_800_000


def test_eliminated_teams_allocations_are_recorded_frozen_as_of_their_leaving_date(kai_program):
    ncai = Allocation.objects.get(load_key="2025H2:NCAI:H200")
    # The 2025H2 period ended before the P1 result: nothing is cut or released.
    assert (ncai.status, ncai.frozen_on, ncai.frozen_in_phase.code) == ("frozen", D(2026, 1, 15), "P1")
    assert (ncai.period_end, ncai.released_krw) == (D(2025, 12, 31), 0)
    assert Allocation.objects.filter(status="active").count() == 7
    # Recorded frozen as the file states it (its creation is audited), not frozen again by the service.
    assert not AuditEvent.objects.filter(action="freeze").exists()
    assert AuditEvent.objects.filter(
        action="create", object_type="budget.allocation", object_id=str(ncai.pk), actor_username="system"
    ).exists()


def test_a_departure_the_file_records_after_the_first_load_is_reported_not_applied(program_data):
    program_load(data=copy.deepcopy(program_data))
    upstage = next(c for c in program_data["consortia"] if c["code"] == "UPSTAGE")
    upstage.update(status="withdrawn", left_on=D(2026, 3, 31), exit_reason="illustrative withdrawal")
    report = program_load(data=program_data)
    # A withdrawal is recorded in the portal (which freezes the allocations there), never by the file.
    assert Allocation.objects.filter(consortium__code="UPSTAGE", status="active").count() == 3
    assert not AuditEvent.objects.filter(action="freeze").exists()
    index = program_data["consortia"].index(upstage)
    assert {str(d) for d in report.differences} >= {
        f"consortia[{index}].status: file 'withdrawn', database 'active'",
        f"consortia[{index}].left_on: file 2026-03-31, database (empty)",
    }


def test_real_gpu_notes_and_gpu_figures(kai_program):
    notes = {
        (n.period_label, n.consortium.code if n.consortium else "*")
        for n in GpuNote.objects.select_related("consortium")
    }
    assert notes == {("2025H2", "SKT"), ("2026H1", "SKT"), ("2026H2", "*")}
    rows = {
        (r.consortium_code, r.period_label): r.gpu_count
        for r in gpu_by_team_over_time(program_id=kai_program.pk)
        if r.gpu_model == "B200"
    }
    assert rows == {
        ("LG", "2025H2"): 512,
        ("UPSTAGE", "2025H2"): 480,
        ("LG", "2026H1"): 512,
        ("UPSTAGE", "2026H1"): 512,
        ("MOTIF", "2026H1"): 768,
    }


def test_loading_twice_changes_nothing(program_data):
    program_load(data=copy.deepcopy(program_data))
    last = AuditEvent.objects.order_by("id").last().pk
    report = program_load(data=program_data)
    assert report.changed is False
    assert report.unchanged["allocation"] == 8 and report.unchanged["gpunote"] == 3
    # Only the load's own event.
    assert list(AuditEvent.objects.filter(pk__gt=last).values_list("action", "object_type")) == [
        ("update", "consortia.program")
    ]


def test_explicit_amounts_zero_counts_and_rate_override(program_data):
    budget = program_data["budget"]
    budget["gpu_rate_krw_per_gpu_day"] = 100_000
    budget["gpu_allocations"][3].update(amount_krw=20_000_000_000, source="published contract")
    budget["gpu_allocations"].append({"period": "2025H2", "consortium": "MOTIF", "count": 0})
    program_load(data=program_data)
    lg = Allocation.objects.get(load_key="2026H1:LG:B200")
    assert (lg.amount_krw, lg.is_illustrative, lg.source_note) == (
        20_000_000_000,
        False,
        "published contract",
    )
    assert Allocation.objects.get(load_key="2026H1:MOTIF:B200").amount_krw == 768 * 181 * 100_000
    assert not Allocation.objects.filter(consortium__code="MOTIF", period_start=D(2025, 7, 1)).exists()
    assert (
        GpuNote.objects.get(period_label="2025H2", consortium__code="MOTIF").note
        == "no government GPUs in this period"
    )


def _mutations():
    def set_row(section, index, **values):
        return lambda d: d["budget"][section][index].update(values)

    return [
        (
            set_row("gpu_allocations", 0, period="2025H3"),
            "budget.gpu_allocations[0].period: expected a half-year like 2025H2, got '2025H3'",
        ),
        (
            set_row("gpu_allocations", 1, consortium="XX"),
            "budget.gpu_allocations[1].consortium: unknown consortium code 'XX'",
        ),
        (
            set_row("gpu_allocations", 2, count=500.0),
            "budget.gpu_allocations[2].count: expected a whole number, got 500.0",
        ),
        (
            set_row("gpu_allocations", 2, count=-1),
            "budget.gpu_allocations[2].count: must not be negative, got -1",
        ),
        (
            lambda d: d["budget"]["gpu_allocations"][3].pop("gpu_model"),
            "budget.gpu_allocations[3].gpu_model: required key is missing",
        ),
        (
            set_row("gpu_allocations", 3, line="FY25-DATA"),
            "budget.gpu_allocations[3].line: budget line 'FY25-DATA' is not a GPU line",
        ),
        (
            set_row("gpu_allocations", 3, line="NOPE"),
            "budget.gpu_allocations[3].line: unknown budget line code 'NOPE'",
        ),
        (
            set_row("gpu_allocations", 4, amount_krw=1.5e9),
            "budget.gpu_allocations[4].amount_krw: expected a whole number",
        ),
        (
            lambda d: d["budget"]["gpu_allocations"].append(dict(d["budget"]["gpu_allocations"][0])),
            "budget.gpu_allocations[8]: duplicate GPU allocation 2025H2:UPSTAGE:B200 on FY25-GPU-LEASE",
        ),
        (
            lambda d: d["budget"].update(gpu_rate_krw_per_gpu_day=300_000),
            "budget.gpu_allocations: allocations on FY25-GPU-LEASE total ₩235,267,200,000, "
            "more than the line's ₩157,600,000,000",
        ),
        (
            lambda d: d["budget"].update(gpu_rate_krw_per_gpu_day=0),
            "budget.gpu_rate_krw_per_gpu_day: must be positive, got 0",
        ),
        (
            set_row("per_team_caps", 0, category="snacks"),
            "budget.per_team_caps[0].category: 'snacks' is not one of",
        ),
        (
            set_row("per_team_caps", 1, category="data_purchase"),
            "budget.per_team_caps[1].category: duplicate cap for data_purchase (every year)",
        ),
        (
            set_row("per_team_caps", 2, amount_krw="2bn"),
            "budget.per_team_caps[2].amount_krw: expected a whole number, got '2bn'",
        ),
        (
            set_row("reference_figures", 0, amount_krw=-1),
            "budget.reference_figures[0].amount_krw: must be positive, got -1",
        ),
        (
            set_row("reference_figures", 1, code="FY25-PROPOSAL-TOTAL"),
            "budget.reference_figures[1].code: duplicate reference figure code 'FY25-PROPOSAL-TOTAL'",
        ),
        (
            set_row("gpu_notes", 0, consortium="XX"),
            "budget.gpu_notes[0].consortium: unknown consortium code 'XX'",
        ),
        (
            set_row("gpu_notes", 1, period="2025H2", consortium="SKT", note="again"),
            "budget.gpu_notes[1]: duplicate GPU note for SKT in 2025H2 (see budget.gpu_notes[0])",
        ),
        (
            lambda d: d["budget"]["gpu_allocations"].append(
                {"period": "2026H1", "consortium": "SKT", "count": 0}
            ),
            "budget.gpu_notes[1]: duplicate GPU note for SKT in 2026H1 (see budget.gpu_allocations[8])",
        ),
        (
            lambda d: d["budget"]["gpu_notes"][2].pop("note"),
            "budget.gpu_notes[2].note: required key is missing",
        ),
        (
            set_row("lines", 0, amount_krw=157_600_000_000.0),
            "budget.lines[0].amount_krw: expected a whole number",
        ),
    ]


@pytest.mark.parametrize(("mutate", "message"), _mutations())
def test_loader_errors_name_the_key_path_and_save_nothing(program_data, mutate, message):
    mutate(program_data)
    with pytest.raises(ProgramFileError) as info:
        program_load(data=program_data)
    assert str(info.value).startswith(message)
    assert not BudgetLine.objects.exists() and not Allocation.objects.exists()


def test_a_frozen_allocation_is_not_changed_by_the_file(program_data):
    program_load(data=copy.deepcopy(program_data))
    program_data["budget"]["gpu_allocations"][2]["count"] = 600  # NCAI, frozen
    report = program_load(data=program_data)
    assert [str(d) for d in report.differences] == [
        "budget.gpu_allocations[2].amount_krw (derived from the count): "
        "file 22080000000, database 18400000000",
        "budget.gpu_allocations[2].count: file 600, database 500",
        "budget.gpu_allocations[2].source: file 'KRW amount illustrative (not published): 600 GPUs x 184 days"
        " x ₩200,000 per GPU-day', database 'KRW amount illustrative (not published): 500 GPUs x 184 days"
        " x ₩200,000 per GPU-day'",
    ]
    assert Allocation.objects.get(load_key="2025H2:NCAI:H200").gpu_count == 500
