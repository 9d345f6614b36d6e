"""The program file is a seed, never a rewind (issue 12, section 6).

Loading creates what is missing; a reload changes no workflow state and nothing users entered, reports
where the file differs, and is recorded as one audit event by the (non-login) system actor with the file's
SHA-256.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
from decimal import Decimal
from io import StringIO

import pytest
import yaml
from django.contrib.auth import authenticate, get_user_model
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from budget.models import BudgetLine
from budget.services import (
    allocation_create,
    allocations_freeze_for_elimination,
    budget_line_amend,
    category_cap_set,
    execution_record,
)
from common.models import AuditEvent
from common.roles import Role
from common.services import api_token_create, system_actor_get
from consortia.models import Consortium, Organization
from consortia.services import consortium_mark_departed
from evaluations import services
from evaluations.models import Phase, PhaseBenchmark, RubricComponent, RubricGate
from portal.program_loader import DEFAULT_PROGRAM_FILE, program_load
from tests.portal.state import workflow_state

pytestmark = pytest.mark.django_db

D = dt.date
FILE_SHA256 = hashlib.sha256(DEFAULT_PROGRAM_FILE.read_bytes()).hexdigest()


def _load(file=None) -> str:
    out = StringIO()
    call_command("load_kai_program", stdout=out, **({"file": file} if file else {}))
    return out.getvalue()


def _last_event_id() -> int:
    return AuditEvent.objects.order_by("id").values_list("id", flat=True).last() or 0


def _load_events():
    return AuditEvent.objects.filter(context__extra__event="program_file_load").order_by("id")


@pytest.fixture
def loaded(db):
    _load()


@pytest.fixture
def decided(loaded, make_user):
    """After the load, the decisions and inputs of a running program, made through the services: an upload,
    P2 moved to evaluating, a gate failed and a panel result entered, MOTIF withdrawn (its allocations
    frozen), a line amended, a cap raised, an allocation made and spending recorded against it."""
    staff = make_user(Role.MINISTRY_STAFF)
    lg_member = make_user(Role.CONSORTIUM_MEMBER, organization="LG AI Research", consortium="LG")
    p2 = Phase.objects.get(code="P2")
    lg, motif = Consortium.objects.get(code="LG"), Consortium.objects.get(code="MOTIF")
    services.result_upload_create(
        phase=p2,
        consortium=lg,
        file=SimpleUploadedFile("r.csv", b"benchmark,score\nMMLU-Pro,80\n"),
        actor=lg_member,
    )
    services.phase_begin_evaluation(phase=p2, actor=staff)
    services.gate_result_record(
        gate=RubricGate.objects.get(phase=p2, key="originality"),
        consortium=lg,
        passed=False,
        reason="derived encoder",
        actor=staff,
    )
    services.panel_result_record(
        phase=p2,
        consortium=lg,
        component=RubricComponent.objects.get(phase=p2, key="user"),
        points=Decimal("20"),
        panel_size=49,
        actor=staff,
    )
    consortium_mark_departed(
        consortium=motif,
        status=Consortium.Status.WITHDRAWN,
        left_on=D(2026, 3, 31),
        phase=p2,
        reason="withdrew",
        actor=staff,
    )
    allocations_freeze_for_elimination(consortium=motif, phase=p2, effective_on=D(2026, 3, 31), actor=staff)
    data_line = BudgetLine.objects.get(code="FY25-DATA")
    budget_line_amend(line=data_line, new_amount_krw=31_000_000_000, reason="top-up", actor=staff)
    category_cap_set(
        program=lg.program, category="data_purchase", per_team_amount_krw=12_000_000_000, actor=staff
    )
    allocation = allocation_create(
        line=data_line,
        consortium=lg,
        amount_krw=5_000_000_000,
        period_start=D(2025, 8, 1),
        period_end=D(2025, 12, 31),
        actor=staff,
    )
    execution_record(
        allocation=allocation,
        spent_on=D(2025, 9, 1),
        amount_krw=1_000_000_000,
        description="news",
        actor=staff,
    )
    return {"staff": staff, "lg_member": lg_member}


# --- The system actor ------------------------------------------------------------------------------------


def test_the_load_acts_as_a_system_user_that_cannot_sign_in(loaded, client):
    system = get_user_model().objects.get(username="system")
    assert (system.is_active, system.is_staff, system.is_superuser) == (False, False, False)
    assert not system.has_usable_password()
    assert authenticate(username="system", password="") is None
    assert client.login(username="system", password="") is False
    assert set(AuditEvent.objects.values_list("actor_username", flat=True)) == {"system"}
    # Even a token someone made for it is refused.
    _token, key = api_token_create(user=system, name="probe")
    response = APIClient().get("/api/v1/consortia/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 401


def test_a_system_user_that_can_sign_in_is_refused_not_used(db):
    get_user_model().objects.create_user(username="system", password="a-real-password-1234")
    with pytest.raises(ImproperlyConfigured, match="'system' exists and can sign in"):
        system_actor_get()


# --- The first load ------------------------------------------------------------------------------------


def test_first_load_audits_every_row_it_creates_and_records_one_load_event_with_the_sha256(db):
    out = _load()
    event = _load_events().get()
    assert event.actor_username == "system" and event.object_type == "consortia.program"
    assert event.after["sha256"] == FILE_SHA256 and event.after["program_file"] == "kai_program.yaml"
    assert event.after["differences_kept"] == 0 and event.after["updated"] == {}
    created = event.after["created"]
    assert created["phase"] == 5 and created["consortium"] == 6 and created["allocation"] == 8
    # One create event per row created (the services' own, or the loader's), all before the load event.
    creates = AuditEvent.objects.filter(action="create")
    assert creates.count() == sum(created.values())
    assert _last_event_id() == event.pk
    assert {e.context["sha256"] for e in AuditEvent.objects.all()} == {FILE_SHA256}
    # A budget line is created by budget_line_create (its own event); a phase, with which no service can
    # help, by the loader (its event names the key path).
    line = BudgetLine.objects.get(code="FY25-DATA")
    assert creates.get(object_type="budget.budgetline", object_id=str(line.pk)).context.get("extra") is None
    p2 = Phase.objects.get(code="P2")
    assert creates.get(object_type="evaluations.phase", object_id=str(p2.pk)).context["extra"] == {
        "program_file_path": "phases[3]"
    }
    # The same world as before: P2 and its set-up written together, its standings marked stale once.
    assert p2.standings_generation == 1
    assert f"Loaded kai_program.yaml (sha256 {FILE_SHA256}): created: " in out
    assert f"Recorded as audit event #{event.pk}." in out


# --- A reload --------------------------------------------------------------------------------------------


def test_reload_changes_no_decision_and_no_input_and_lists_the_differences(decided):
    before = workflow_state()
    last = _last_event_id()
    out = _load()
    assert workflow_state() == before
    p2 = Phase.objects.get(code="P2")
    assert p2.status == "evaluating"
    assert Consortium.objects.get(code="MOTIF").status == "withdrawn"
    # Exactly one new audit event: the load, with the file's sha256 and what it kept.
    event = AuditEvent.objects.get(pk__gt=last)
    assert event.context["extra"] == {"event": "program_file_load"}
    assert event.after["sha256"] == FILE_SHA256 and event.after["created"] == {}
    expected = [
        "phases[3].status: file 'open', database 'evaluating'",
        "consortia[5].status: file 'active', database 'withdrawn'",
        "consortia[5].left_on: file (empty), database 2026-03-31",
        f"consortia[5].left_in_phase: file (empty), database {p2.name}",
        "consortia[5].exit_reason: file (empty), database 'withdrew'",
        "budget.lines[1].amount_krw: file 30000000000, database 31000000000",
        "budget.per_team_caps[0].amount_krw: file 10000000000, database 12000000000",
        "budget.per_team_caps[0].source: file 'joint copyrighted-data purchase per team per year', "
        "database (empty)",
    ]
    assert [d["path"] for d in event.after["differences"]] == [line.split(":")[0] for line in expected]
    assert event.after["differences_kept"] == len(expected)
    assert "The file differs from the database in 8 place(s); the database was kept" in out
    assert [line.strip() for line in out.splitlines() if line.startswith("  ")] == expected


def test_a_withdrawn_team_still_cannot_act_after_a_reload(decided, make_user):
    _load()
    motif = Consortium.objects.get(code="MOTIF")
    assert not motif.is_active
    assert set(motif.allocations.values_list("status", flat=True)) == {"frozen"}
    with pytest.raises(ValidationError, match="MOTIF is withdrawn"):
        allocation_create(
            line=BudgetLine.objects.get(code="FY25-DATA"),
            consortium=motif,
            amount_krw=1,
            period_start=D(2026, 1, 1),
            period_end=D(2026, 6, 30),
            actor=decided["staff"],
        )


def test_reload_of_an_unchanged_file_writes_nothing_but_the_load_event(loaded):
    last = _last_event_id()
    with CaptureQueriesContext(connection) as captured:
        _load()
    writes = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert len(writes) == 1 and '"common_auditevent"' in writes[0]
    assert list(AuditEvent.objects.filter(pk__gt=last).values_list("action", "object_type")) == [
        ("update", "consortia.program")
    ]


def test_descriptive_changes_are_applied_and_audited_while_state_changes_are_reported(loaded, tmp_path):
    data = yaml.safe_load(DEFAULT_PROGRAM_FILE.read_text(encoding="utf-8"))
    lg = next(c for c in data["consortia"] if c["code"] == "LG")
    lg["strategy"] = "K-EXAONE 2"
    data["phases"][3]["name"] = "2차 단계평가 (Phase 2)"
    data["phases"][3]["teams_advancing"] = 2
    data["phases"][3]["result_on"] = D(2026, 8, 21)
    data["phases"][4]["result_on"] = D(2026, 12, 22)  # P3 is a draft: its dates are the portal's too
    data["phases"][0]["rubric"]["components"][0]["weight"] = 45  # SEL-2025 is finalized
    data["phases"][0]["rubric"]["components"][1]["weight"] = 25
    data["organizations"][0]["name_ko"] = "과기정통부"
    changed = tmp_path / "kai_program.yaml"
    changed.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    last = _last_event_id()
    out = _load(changed)
    assert Consortium.objects.get(code="LG").strategy == "K-EXAONE 2"
    p2, p3 = Phase.objects.get(code="P2"), Phase.objects.get(code="P3")
    assert p2.name == "2차 단계평가 (Phase 2)"
    assert (p2.teams_advancing, p2.result_on, p3.result_on) == (3, D(2026, 8, 14), D(2026, 12, 15))
    assert RubricComponent.objects.get(phase__code="SEL-2025", key="tech_experience").weight == 40
    assert Organization.objects.get(name_en=data["organizations"][0]["name_en"]).name_ko == "과기정통부"
    updates = [
        e
        for e in AuditEvent.objects.filter(pk__gt=last, action="update")
        if e.context.get("extra") != {"event": "program_file_load"}
    ]
    assert {(e.object_type, tuple(e.after)) for e in updates} == {
        ("consortia.consortium", ("strategy",)),
        ("evaluations.phase", ("name",)),
        ("consortia.organization", ("name_ko",)),
    }
    strategy = next(e for e in updates if e.object_type == "consortia.consortium")
    assert (
        strategy.before["strategy"].startswith("K-EXAONE: frontier MoE")
        and strategy.actor_username == "system"
    )
    assert strategy.context["sha256"] == hashlib.sha256(changed.read_bytes()).hexdigest()
    assert [line.strip() for line in out.splitlines() if line.startswith("  ")] == [
        "phases[3].result_on: file 2026-08-21, database 2026-08-14",
        "phases[3].teams_advancing: file 2, database 3",
        "phases[4].result_on: file 2026-12-22, database 2026-12-15",
        "phases[0].rubric.components[0].weight: file 45, database 40",
        "phases[0].rubric.components[0].weight (maximum points): file 45, database 40",
        "phases[0].rubric.components[1].weight: file 25, database 30",
        "phases[0].rubric.components[1].weight (maximum points): file 25, database 30",
    ]


def test_set_up_is_created_through_the_services_for_a_draft_and_reported_for_an_open_phase(loaded):
    data = yaml.safe_load(DEFAULT_PROGRAM_FILE.read_text(encoding="utf-8"))
    data["phases"][4]["benchmark_set"] = [{"benchmark": "MMLU-Pro", "group": "common"}]  # P3, draft
    data["phases"][3]["benchmark_set"].append({"benchmark": "TextVQA", "group": "common"})  # P2, open
    last = _last_event_id()
    report = program_load(data=copy.deepcopy(data))
    entry = PhaseBenchmark.objects.get(phase__code="P3")
    assert not PhaseBenchmark.objects.filter(phase__code="P2", benchmark__code="TextVQA").exists()
    created = AuditEvent.objects.get(pk__gt=last, action="create")
    assert (created.object_type, created.object_id, created.actor_username) == (
        "evaluations.phasebenchmark",
        str(entry.pk),
        "system",
    )
    assert created.context["source"] == "program file load"
    assert [str(d) for d in report.differences] == [
        "phases[3].benchmark_set[13]: in the file, not in the database; not created "
        "(P2 is open in the database; its set-up is managed in the portal)"
    ]
    assert report.created == {"phasebenchmark": 1}
