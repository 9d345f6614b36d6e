from __future__ import annotations

import copy
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from budget.models import BudgetLine
from common.loading import ProgramFileError
from consortia.models import Consortium, FoundationModel, Organization, Partnership, Program
from evaluations.models import Benchmark, Phase
from tests.shipped_program import program_file_read, program_load

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Program,
            Organization,
            Consortium,
            Partnership,
            FoundationModel,
            Phase,
            Benchmark,
            BudgetLine,
        )
    }


def test_program_load_creates_the_real_program(program_data):
    program_load(data=program_data)
    assert Program.objects.get().code == "K-AI-FM"
    assert sorted(Consortium.objects.values_list("code", flat=True)) == [
        "LG",
        "MOTIF",
        "NAVER",
        "NCAI",
        "SKT",
        "UPSTAGE",
    ]
    naver = Consortium.objects.get(code="NAVER")
    assert naver.status == Consortium.Status.ELIMINATED
    assert naver.left_in_phase.code == "P1"
    assert str(naver.left_on) == "2026-01-15"
    assert Consortium.objects.get(code="MOTIF").is_wildcard is True
    # Lead plus the 10 partners of the LG consortium.
    assert Partnership.objects.filter(consortium__code="LG").count() == 11
    assert (
        Partnership.objects.get(consortium__code="LG", organization__name_en="Elice").joined_on.isoformat()
        == "2026-02-25"
    )
    exaone = FoundationModel.objects.get(name="K-EXAONE")
    assert (exaone.total_parameters, exaone.active_parameters) == (236_000_000_000, 23_000_000_000)
    assert Phase.objects.get(code="P1").result_on.isoformat() == "2026-01-15"
    assert Benchmark.objects.count() == 17
    assert BudgetLine.objects.get(code="FY25-GPU-LEASE").amount_krw == 157_600_000_000


def test_program_load_keeps_illustrative_marks(program_data):
    program_load(data=program_data)
    assert Partnership.objects.get(consortium__code="UPSTAGE", organization__name_en="VUNO").is_illustrative
    assert not Partnership.objects.get(
        consortium__code="UPSTAGE", organization__name_en="Lablup"
    ).is_illustrative
    assert Phase.objects.get(code="P2").is_illustrative
    assert Benchmark.objects.get(code="TextVQA").is_illustrative


def test_program_load_twice_changes_nothing(program_data, django_assert_max_num_queries):
    first = program_load(data=copy.deepcopy(program_data))
    before = _counts()
    second = program_load(data=program_data)
    assert first.changed is True
    assert second.changed is False
    assert second.created == {} and second.updated == {}
    assert _counts() == before


def test_program_load_updates_only_what_changed(program_data):
    program_load(data=copy.deepcopy(program_data))
    program_data["consortia"][0]["strategy"] = "new strategy"
    report = program_load(data=program_data)
    assert report.updated == {"consortium": 1}
    assert Consortium.objects.get(code="LG").strategy == "new strategy"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda d: d["consortia"][1]["partners"][0].update(org="no-such-org"),
            "consortia[1].partners[0].org: unknown organization key 'no-such-org'",
        ),
        (lambda d: d["consortia"][0].pop("lead"), "consortia[0].lead: required key is missing"),
        (
            lambda d: d["organizations"][3].update(kind="charity"),
            "organizations[3].kind: 'charity' is not one of",
        ),
        (
            lambda d: d["phases"][1].update(result_on="15 Jan 2026"),
            "phases[1].result_on: expected a date (YYYY-MM-DD), got '15 Jan 2026'",
        ),
        (
            lambda d: d["consortia"][0]["models"][0].update(total_parameters=-5),
            "consortia[0].models[0].total_parameters: must be positive, got -5",
        ),
        (
            lambda d: d["consortia"][0]["models"][0].update(active_parameters=999_000_000_000),
            "consortia[0].models[0]: __all__: Active parameters must be positive and at most the total.",
        ),
        (
            lambda d: d["consortia"][2].update(status="active", left_on="2026-01-01"),
            "consortia[2]: __all__: An active consortium has no leaving date",
        ),
        (
            lambda d: d["budget"]["lines"][0].update(amount_krw=1.5e11),
            "budget.lines[0].amount_krw: expected a whole number, got 150000000000.0",
        ),
        (
            lambda d: d["program"].update(frontier_threshold=0.95),
            "program.frontier_threshold: expected a decimal number written as a quoted string",
        ),
        (
            lambda d: d["consortia"][0]["partners"].append({"org": "lg-uplus"}),
            "consortia[0].partners[10].org: LG U+ is listed twice in LG",
        ),
        (lambda d: d.update(format_version=2), "format_version: unsupported version 2"),
    ],
)
def test_program_load_error_names_key_and_changes_nothing(program_data, mutate, message):
    mutate(program_data)
    with pytest.raises(ProgramFileError) as excinfo:
        program_load(data=program_data)
    assert message in str(excinfo.value)
    assert set(_counts().values()) == {0}


def test_program_load_error_late_in_file_rolls_back_earlier_sections(program_data):
    # The budget section is loaded last; a bad row there must undo the consortia already written.
    program_data["budget"]["lines"][2]["category"] = "snacks"
    with pytest.raises(ProgramFileError, match=r"budget.lines\[2\].category: 'snacks' is not one of"):
        program_load(data=program_data)
    assert Consortium.objects.count() == 0 and Organization.objects.count() == 0


def test_program_file_read_reports_yaml_position(tmp_path: Path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("program:\n  code: [unclosed\n", encoding="utf-8")
    with pytest.raises(ProgramFileError, match=r"not valid YAML at line 3, column 1"):
        program_file_read(broken)


def test_program_file_read_refuses_non_utf8(tmp_path: Path):
    legacy = tmp_path / "legacy.yaml"
    legacy.write_bytes("program: 독자".encode("cp949"))
    with pytest.raises(ProgramFileError, match="not UTF-8 text"):
        program_file_read(legacy)


def test_load_kai_program_command_reports_error_without_changes(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("format_version: 1\nprogram: {code: X}\n", encoding="utf-8")
    with pytest.raises(
        CommandError, match=r"bad.yaml: program.name_ko: required key is missing \(nothing was changed\)"
    ):
        call_command("load_kai_program", file=bad)
    assert Program.objects.count() == 0


def test_load_kai_program_demo_users_prints_passwords_once(capsys):
    call_command("load_kai_program", demo_users=True)
    first = capsys.readouterr().out
    assert first.count("password: ") == 6
    call_command("load_kai_program", demo_users=True)
    second = capsys.readouterr().out
    assert "password: " not in second
    assert second.count("exists; password unchanged") == 6
