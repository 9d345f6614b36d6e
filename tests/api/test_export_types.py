"""Exports need no cleaning: pandas and openpyxl read every export in every format with real types, one
time-zone rule (ISO 8601 with +09:00), and the XLSX workbook is ready for analysis (frozen header, autofilter,
number formats, the About sheet)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from decimal import Decimal

import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from budget.models import Allocation
from budget.services import execution_record, gpu_usage_upload
from common.exports import ABOUT_SHEET
from common.roles import Role
from consortia.models import Consortium
from evaluations.models import CriterionScore, PanelResult, Phase
from evaluations.services import standings_recompute

pytestmark = pytest.mark.django_db

KST = dt.timezone(dt.timedelta(hours=9))


@pytest.fixture
def audited_world(p2_complete, role_users):
    """P2 with every input (uploads, sheets, panel, gates) and its standings, one execution with an empty
    decision note, and one GPU-usage report of LG."""
    member = role_users[Role.CONSORTIUM_MEMBER]
    standings_recompute(phase_id=p2_complete["phase"].pk, trigger="test")
    allocation = (
        Allocation.objects.filter(consortium__code="LG", line__code="FY25-GPU-LEASE").order_by("id").last()
    )
    execution_record(
        allocation=allocation,
        spent_on=allocation.period_start,
        amount_krw=1_234_567,
        description="GPU lease",
        actor=member,
    )
    gpu_usage_upload(
        consortium=Consortium.objects.get(code="LG"),
        file=SimpleUploadedFile("usage.csv", b"month,gpu_model,gpu_hours\n2026-01,B200,1000.5\n"),
        actor=member,
    )
    return p2_complete


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _get(api_as, name: str, fmt: str, **params) -> bytes:
    response = api_as(Role.AUDITOR).get(f"/api/v1/exports/{name}.{fmt}", params)
    assert response.status_code == 200, response.content[:300]
    return _body(response)


def _read(body: bytes, fmt: str) -> pd.DataFrame:
    if fmt == "csv":
        return pd.read_csv(io.BytesIO(body), encoding="utf-8-sig")
    if fmt == "json":
        return pd.read_json(io.BytesIO(body), orient="records")
    return pd.read_excel(io.BytesIO(body), sheet_name=0)


# Per export: its filter, and the dtype kind (numpy's: i integer, f float, b bool, M date-time, O text) of
# typed columns that have a value in every row of the audited world (pandas reads whole-number floats of
# JSON as integers, so a numeric column may be either).
EXPECTED_KINDS = {
    ("results", "phase=P2"): {
        "score": "if",
        "source_row": "i",
        "upload_id": "i",
        "current": "b",
        "sha256": "O",
    },
    # P2's panel figures have no sheet: their sheet_version is empty, so the column is float with NaN.
    ("evaluation-detail", "phase=P2"): {
        "sheet_version": "if",
        "max_points": "if",
        "points": "if",
        "source": "O",
    },
    # P1 comes from the program file: staff-entered figures only.
    ("evaluation-detail", "phase=P1"): {"max_points": "if", "points": "if", "source": "O"},
    ("standings", "phase=P2"): {"rank": "i", "total": "if", "is_official": "b", "snapshot_id": "i"},
    ("budget-execution", "consortium=LG"): {"amount_krw": "i", "allocation_krw": "i", "fiscal_year": "i"},
    ("gpu-usage", "consortium=LG"): {"gpu_hours": "if", "report_id": "i", "current": "b"},
    ("audit-events", "object_type=evaluations.phase"): {"id": "i"},
}


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
@pytest.mark.parametrize(("name", "query"), list(EXPECTED_KINDS))
def test_pandas_reads_every_export_with_real_dtypes(api_as, audited_world, name, query, fmt):
    key, value = query.split("=")
    frame = _read(_get(api_as, name, fmt, **{key: value}), fmt)
    assert len(frame) > 0
    for column, kinds in EXPECTED_KINDS[(name, query)].items():
        assert frame[column].dtype.kind in kinds, (column, frame[column].dtype)


@pytest.mark.parametrize(
    ("name", "query", "column"),
    [
        ("results", {"phase": "P2"}, "uploaded_at"),
        ("standings", {"phase": "P2"}, "computed_at"),
        ("audit-events", {"object_type": "evaluations.phase"}, "occurred_at"),
        ("budget-execution", {"consortium": "LG"}, "recorded_at"),
    ],
)
def test_every_date_time_has_the_kst_offset_in_csv_and_json(api_as, audited_world, name, query, column):
    rows = list(csv.DictReader(io.StringIO(_get(api_as, name, "csv", **query).decode("utf-8-sig"))))
    items = json.loads(_get(api_as, name, "json", **query))
    texts = [r[column] for r in rows] + [item[column] for item in items]
    assert texts and all(text.endswith("+09:00") for text in texts), texts[:3]
    # pandas turns them into aware date-times with no format given.
    assert pd.to_datetime(pd.Series([r[column] for r in rows])).dt.tz is not None


def test_json_numbers_are_numbers_booleans_booleans_and_empty_is_null(api_as, audited_world):
    standings = json.loads(_get(api_as, "standings", "json", phase="P2"))
    first = standings[0]
    assert isinstance(first["total"], float) and isinstance(first["rank"], int)
    assert first["is_official"] is False and isinstance(first["expert"], float)
    execution = json.loads(_get(api_as, "budget-execution", "json", consortium="LG"))[0]
    assert execution["amount_krw"] == 1_234_567
    assert execution["decision_note"] is None and execution["decided_at"] is None
    assert (
        execution["spent_on"]
        == Allocation.objects.get(pk=execution["allocation_id"]).period_start.isoformat()
    )


def test_audit_export_nests_before_and_after_as_json(api_as, audited_world):
    events = json.loads(_get(api_as, "audit-events", "json", object_type="evaluations.phase"))
    changed = [e for e in events if e["after"] is not None]
    assert changed and all(isinstance(e["after"], dict) for e in changed)
    rows = list(
        csv.DictReader(
            io.StringIO(
                _get(api_as, "audit-events", "csv", object_type="evaluations.phase").decode("utf-8-sig")
            )
        )
    )
    # In CSV the nested value is one JSON text, which json.loads reads back as it was.
    assert [json.loads(r["after"]) if r["after"] else None for r in rows] == [e["after"] for e in events]


def test_xlsx_cells_are_typed_and_formatted(api_as, audited_world):
    workbook = load_workbook(io.BytesIO(_get(api_as, "budget-execution", "xlsx", consortium="LG")))
    sheet = workbook.worksheets[0]
    headers = [c.value for c in sheet[1]]
    row = {h: c for h, c in zip(headers, sheet[2], strict=True)}
    assert row["amount_krw"].value == 1_234_567 and row["amount_krw"].number_format == "#,##0"
    assert row["spent_on"].is_date and row["spent_on"].number_format == "yyyy-mm-dd"
    assert isinstance(row["recorded_at"].value, dt.datetime)
    assert row["recorded_at"].number_format == "yyyy-mm-dd hh:mm"
    assert row["decision_note"].value is None
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:R{sheet.max_row}"
    assert sheet.column_dimensions["A"].width >= len("execution_id")

    standings = load_workbook(io.BytesIO(_get(api_as, "standings", "xlsx", phase="P2"))).worksheets[0]
    headers = [c.value for c in standings[1]]
    total = standings.cell(row=2, column=headers.index("total") + 1)
    assert total.data_type == "n" and total.number_format == "0.00"
    official = standings.cell(row=2, column=headers.index("is_official") + 1)
    assert official.value is False


def test_xlsx_date_times_are_kst_wall_clock(api_as, audited_world):
    items = json.loads(_get(api_as, "results", "json", phase="P2"))
    sheet = load_workbook(io.BytesIO(_get(api_as, "results", "xlsx", phase="P2"))).worksheets[0]
    headers = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=headers.index("uploaded_at") + 1).value
    aware = dt.datetime.fromisoformat(items[0]["uploaded_at"])
    assert cell == aware.astimezone(KST).replace(tzinfo=None, microsecond=0)


def test_xlsx_about_sheet_names_filters_time_user_rows_and_the_json_sha256(api_as, audited_world, role_users):
    body = _get(api_as, "results", "xlsx", phase="P2", labels="ko")
    workbook = load_workbook(io.BytesIO(body))
    assert workbook.sheetnames[1] == ABOUT_SHEET
    about = {row[0]: row[1] for row in workbook[ABOUT_SHEET].iter_rows(values_only=True)}
    assert about["내보내기 / export"] == "results"
    assert json.loads(about["필터 / filters"]) == {"phase": "P2"}
    assert about["내보낸 사람 / exported by"] == role_users[Role.AUDITOR].username
    assert isinstance(about["내보낸 시각 / exported at (KST)"], dt.datetime)
    data_rows = workbook.worksheets[0].max_row - 1
    assert about["행 수 / row count"] == data_rows == 8  # 4 teams x 2 benchmarks
    json_body = _get(api_as, "results", "json", phase="P2")
    assert about["데이터 SHA-256 / data sha256"] == hashlib.sha256(json_body).hexdigest()
    # ?labels=ko: the header row in Korean for people.
    assert [c.value for c in workbook.worksheets[0][1]][:3] == ["단계", "컨소시엄", "벤치마크"]


def test_a_filter_matching_nothing_gives_headers_and_the_about_sheet_says_so(api_as, audited_world):
    body = _get(api_as, "results", "csv", phase="P2", consortium="NCAI")
    assert list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))[1:] == []
    assert pd.read_csv(io.BytesIO(body), encoding="utf-8-sig").columns[0] == "phase"
    assert json.loads(_get(api_as, "results", "json", phase="P2", consortium="NCAI")) == []
    workbook = load_workbook(io.BytesIO(_get(api_as, "results", "xlsx", phase="P2", consortium="NCAI")))
    about = {row[0]: row[1] for row in workbook[ABOUT_SHEET].iter_rows(values_only=True)}
    assert about["행 수 / row count"] == 0 and "no rows" in about["참고 / note"]


def test_csv_headers_in_korean_with_labels_ko_and_snake_case_otherwise(api_as, audited_world):
    english = _get(api_as, "standings", "csv", phase="P2").decode("utf-8-sig").splitlines()[0]
    korean = _get(api_as, "standings", "csv", phase="P2", labels="ko").decode("utf-8-sig").splitlines()[0]
    assert english.startswith("phase,rank,consortium,name,")
    assert korean.startswith("단계,순위,컨소시엄,이름,")
    # JSON keys stay the snake_case contract whatever the labels.
    assert "total" in json.loads(_get(api_as, "standings", "json", phase="P2", labels="ko"))[0]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"nonsense": "1"}, "nonsense"),
        ({"labels": "fr"}, "labels"),
        ({"phase": "P2", "consortium": "LG"}, "consortium"),
    ],
)
def test_unknown_parameters_are_a_400_naming_them(api_as, audited_world, query, field):
    name = "standings" if "phase" in query else "results"
    response = api_as(Role.AUDITOR).get(f"/api/v1/exports/{name}.csv", query)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_evaluation_detail_lists_the_program_files_panel_figures_and_says_so(api_as, kai_program):
    """P1 was loaded from the program file with staff-entered component points and no score sheets: the
    export lists those figures (source panel_result) instead of headers only, and each team's points add
    up to its standings total."""
    p1 = Phase.objects.get(code="P1")
    snapshot = standings_recompute(phase_id=p1.pk, trigger="test").snapshot
    rows = json.loads(_get(api_as, "evaluation-detail", "json", phase="P1"))
    figures = PanelResult.objects.filter(phase=p1)
    assert len(rows) == figures.count() > 0
    assert {row["source"] for row in rows} == {"panel_result"}
    assert {(row["evaluator"], row["sheet_status"], row["sheet_version"]) for row in rows} == {
        (None, None, None)
    }
    assert all(row["max_points"] is not None and row["points"] <= row["max_points"] for row in rows)
    lg = [row for row in rows if row["consortium"] == "LG"]
    total = next(row.total for row in snapshot.rows() if row.label == "LG")
    assert sum(Decimal(str(row["points"])) for row in lg) == total
    # A figure has no evaluator or sheet: asking for one leaves the figures out.
    assert json.loads(_get(api_as, "evaluation-detail", "json", phase="P1", evaluator="x")) == []
    assert json.loads(_get(api_as, "evaluation-detail", "json", phase="P1", status="submitted")) == []


def test_evaluation_detail_marks_score_sheet_rows(api_as, audited_world):
    rows = json.loads(_get(api_as, "evaluation-detail", "json", phase="P2"))
    sheets = [row for row in rows if row["source"] == "score_sheet"]
    assert len(sheets) == CriterionScore.objects.filter(sheet__assignment__phase__code="P2").count() > 0
    assert all(row["evaluator"] and row["sheet_version"] >= 1 and row["panel_size"] is None for row in sheets)
    assert {row["source"] for row in rows} == {"score_sheet", "panel_result"}
