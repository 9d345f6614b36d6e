"""Results files: the strict reader we rely on (common.uploads), the domain validator, and the upload
service (who, when, history)."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from common.models import AuditEvent
from common.roles import Role
from common.uploads import Column, UploadRejected, read_table
from evaluations import services
from evaluations.models import Phase, ResultRow, ResultUpload
from evaluations.uploads import BenchmarkRef, ResultFileRejected, result_file_parse
from tests.p2_data import team

COLUMNS = [Column("benchmark", aliases=("벤치마크",)), Column("score", aliases=("점수",))]


def read(name: str, content: bytes, **kwargs):
    return read_table(
        file=SimpleUploadedFile(name, content),
        columns=COLUMNS,
        max_bytes=kwargs.get("max_bytes", 100_000),
        max_rows=kwargs.get("max_rows", 100),
    )


def reasons(excinfo) -> list[tuple]:
    return [(e.row, e.column, e.reason) for e in excinfo.value.errors]


# --- common.uploads behaviours this app relies on ---------------------------------------------------------


def test_reader_accepts_utf8_bom():
    table = read("r.csv", "\ufeffbenchmark,score\nMMLU-Pro,80\n".encode())
    assert (table.encoding, table.rows) == ("utf-8", [(2, {"benchmark": "MMLU-Pro", "score": "80"})])


def test_reader_accepts_cp949_with_korean_headers():
    table = read("결과.csv", "벤치마크,점수\nKMMLU-Pro,70.5\n".encode("cp949"))
    assert table.encoding == "cp949"
    assert table.rows == [(2, {"benchmark": "KMMLU-Pro", "score": "70.5"})]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("r.csv", "benchmark,score\nA,1\n".encode("utf-16"), "UTF-16"),
        ("r.csv", b"PK\x03\x04rest-of-a-workbook", "ZIP archive"),
        ("r.json", b"[" * 10_000 + b"]" * 10_000, "JSON nesting is too deep"),
        ("r.json", b'[{"benchmark": "A", "score": NaN}]', "not valid JSON"),
        ("r.json", b'[{"benchmark": "A", "score": Infinity}]', "not valid JSON"),
        ("r.xlsx", b"benchmark,score\nA,1\n", "wrong file type"),
        ("r.csv", b"   \n", "empty"),
        ("r.csv", b"benchmark,score\n", "no data rows"),
        ("r.csv", b"benchmark\nA\n", "missing column"),
    ],
)
def test_reader_refuses(name, content, reason):
    with pytest.raises(UploadRejected) as excinfo:
        read(name, content)
    assert any(reason in e.reason for e in excinfo.value.errors), excinfo.value.errors


def test_reader_refuses_deep_json_nesting_inside_a_row():
    nested = b'[{"benchmark": "A", "score": ' + b"[" * 10_000 + b"]" * 10_000 + b"}]"
    with pytest.raises(UploadRejected):
        read("r.json", nested)


# --- the domain validator --------------------------------------------------------------------------------

ALLOWED = {"MMLU-Pro": BenchmarkRef(1, "MMLU-Pro", D(100)), "Elo": BenchmarkRef(2, "Elo", D(3000))}
KNOWN = {"MMLU-Pro", "Elo", "HLE"}


def parse(name: str, content: bytes):
    return result_file_parse(
        file=SimpleUploadedFile(name, content), allowed=ALLOWED, known_codes=KNOWN, team_label="LG"
    )


def test_validator_parses_a_clean_csv_and_json():
    csv_result = parse(
        "r.csv", b"benchmark_code,score,model_version,notes\nmmlu-pro,84.25,K-EXAONE 1.0,run 3\nElo,1450,,\n"
    )
    assert [(line.row, line.benchmark_code, line.score, line.model_version) for line in csv_result.lines] == [
        (2, "MMLU-Pro", D("84.25"), "K-EXAONE 1.0"),
        (3, "Elo", D("1450"), ""),
    ]
    body = json.dumps({"results": [{"benchmark": "MMLU-Pro", "score": 84.25, "notes": "json"}]}).encode()
    assert [(line.row, line.score, line.notes) for line in parse("r.json", body).lines] == [
        (1, D("84.25"), "json")
    ]


def test_validator_reports_every_bad_row_together():
    content = (
        b"benchmark,score\n"
        b"NOPE,50\n"  # unknown benchmark
        b"HLE,20\n"  # known, but not in this phase's set
        b"MMLU-Pro,abc\n"  # non-numeric
        b"MMLU-Pro,80\n"  # duplicate of nothing yet (row 4 failed on score, not on benchmark) -> duplicate
        b"Elo,NaN\n"  # NaN
        b"Elo,Infinity\n"  # duplicate (row 6 claimed Elo) and Infinity
        b",10\n"  # missing benchmark
        b"Elo,-1\n"  # duplicate and out of range
    )
    with pytest.raises(ResultFileRejected) as excinfo:
        parse("r.csv", content)
    assert reasons(excinfo) == [
        (2, "benchmark", "unknown benchmark 'NOPE'"),
        (3, "benchmark", "benchmark HLE is not in this phase's set for LG"),
        (4, "score", "not a number: 'abc'"),
        (5, "benchmark", "duplicate benchmark MMLU-Pro (already on row 4)"),
        (6, "score", "not a finite number: 'NaN'"),
        (7, "benchmark", "duplicate benchmark Elo (already on row 6)"),
        (7, "score", "not a finite number: 'Infinity'"),
        (8, "benchmark", "missing value"),
        (9, "benchmark", "duplicate benchmark Elo (already on row 6)"),
        (9, "score", "-1 is out of range 0..3000"),
    ]
    assert isinstance(excinfo.value, ValidationError)
    assert "r.csv: row 2, column benchmark: unknown benchmark 'NOPE'" in excinfo.value.messages


def test_validator_checks_score_against_the_benchmark_scale():
    with pytest.raises(ResultFileRejected) as excinfo:
        parse("r.csv", b"benchmark,score\nMMLU-Pro,100.5\nElo,3000\n")
    assert reasons(excinfo) == [(2, "score", "100.5 is out of range 0..100")]


def test_validator_missing_score_column_and_value():
    with pytest.raises(ResultFileRejected) as excinfo:
        parse("r.csv", b"benchmark,notes\nMMLU-Pro,x\n")
    assert reasons(excinfo) == [(1, "score", "missing column")]
    with pytest.raises(ResultFileRejected) as excinfo:
        parse("r.json", b'[{"benchmark": "MMLU-Pro"}]')
    assert reasons(excinfo) == [(1, "score", "missing value")]


def test_validator_file_too_large(settings):
    settings.KAI_UPLOAD_MAX_BYTES = 20
    with pytest.raises(ResultFileRejected) as excinfo:
        parse("r.csv", b"benchmark,score\nMMLU-Pro,80\nElo,1\n")
    assert "file too large" in excinfo.value.errors[0].reason


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("r.csv", b"", "empty"),
        ("r.txt", b"benchmark,score\nElo,1\n", "wrong file type"),
        ("r.csv", "benchmark,score\nElo,1\n".encode("utf-16"), "UTF-16"),
    ],
)
def test_validator_empty_wrong_type_and_encoding(name, content, fragment):
    with pytest.raises(ResultFileRejected) as excinfo:
        parse(name, content)
    assert fragment in excinfo.value.errors[0].reason


# --- the upload service ----------------------------------------------------------------------------------


@pytest.fixture
def lg_member(make_user):
    return make_user(Role.CONSORTIUM_MEMBER, organization="LG AI Research", consortium="LG")


def upload(phase, member, content: bytes, name: str = "results.csv"):
    return services.result_upload_create(
        phase=phase, consortium=team("LG"), file=SimpleUploadedFile(name, content), actor=member
    )


@pytest.mark.django_db
def test_upload_stores_file_rows_hash_and_keeps_history(
    p2_ready, lg_member, django_capture_on_commit_callbacks
):
    first_bytes = "벤치마크,점수\nMMLU-Pro,80\n".encode("cp949")
    with django_capture_on_commit_callbacks() as callbacks:
        first = upload(p2_ready, lg_member, first_bytes, name="../../etc/결과.csv")
    assert len(callbacks) == 1  # the recompute, after commit
    assert first.sha256 == hashlib.sha256(first_bytes).hexdigest()
    assert (first.encoding, first.display_name, first.row_count, first.uploaded_by) == (
        "cp949",
        "결과.csv",
        1,
        lg_member,
    )
    assert first.file.name.startswith(f"results/{p2_ready.pk}/") and "결과" not in first.file.name
    with first.file.open("rb") as stored:
        assert stored.read() == first_bytes
    second = upload(p2_ready, lg_member, b"benchmark,score\nMMLU-Pro,82\nGPQA-Diamond,70\n")
    first.refresh_from_db()
    assert (first.is_current, second.is_current) == (False, True)
    assert ResultUpload.objects.filter(phase=p2_ready, consortium__code="LG").count() == 2
    assert sorted(
        ResultRow.objects.filter(upload__is_current=True).values_list("benchmark__code", "score")
    ) == [
        ("GPQA-Diamond", D("70.0000")),
        ("MMLU-Pro", D("82.0000")),
    ]
    event = (
        AuditEvent.objects.filter(action="upload", object_type="evaluations.resultupload")
        .order_by("id")
        .last()
    )
    assert event.before == {"replaced_upload": first.pk} and event.after["scores"] == {
        "MMLU-Pro": "82",
        "GPQA-Diamond": "70",
    }
    assert Phase.objects.get(pk=p2_ready.pk).standings_generation == p2_ready.standings_generation + 2


@pytest.mark.django_db
def test_rejected_upload_stores_nothing(p2_ready, lg_member):
    with pytest.raises(ResultFileRejected) as excinfo:
        upload(p2_ready, lg_member, b"benchmark,score\nMMLU-Pro,80\nHLE,10\n")
    assert [(e.row, e.column) for e in excinfo.value.errors] == [(3, "benchmark")]
    assert not ResultUpload.objects.exists() and not ResultRow.objects.exists()


@pytest.mark.django_db
def test_only_the_teams_own_members_can_upload(p2_ready, make_user):
    skt_member = make_user(Role.CONSORTIUM_MEMBER, organization="SK Telecom", consortium="SKT")
    staff = make_user(Role.MINISTRY_STAFF)
    for user in (skt_member, staff):
        with pytest.raises(PermissionDenied):
            upload(p2_ready, user, b"benchmark,score\nMMLU-Pro,80\n")


@pytest.mark.django_db
def test_uploads_close_when_the_phase_leaves_open(p2_ready, lg_member, staff):
    services.phase_begin_evaluation(phase=p2_ready, actor=staff)
    with pytest.raises(ValidationError, match="not possible while 2차 단계평가 is Evaluating"):
        upload(p2_ready, lg_member, b"benchmark,score\nMMLU-Pro,80\n")
