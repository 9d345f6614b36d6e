"""Issue 12's whole phase, entirely through /api/v1/ with token clients: staff build the final phase from
the finalized P2 (no YAML, no shell), open it, members upload, an invited evaluator scores, staff decide
the gates and the panel, begin the evaluation and finalize. Then the program file is loaded again and
changes none of it, and the audit trail holds every step, attributed to whoever took it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from rest_framework.test import APIClient

from budget.models import Allocation, Execution
from common.audit import audit_chain_verify
from common.models import AuditEvent
from common.roles import Role
from common.services import api_token_create
from consortia.models import Consortium, Organization, Partnership
from evaluations import services
from evaluations.deadlines import KST
from evaluations.models import (
    CriterionScore,
    DeadlineExtension,
    EvaluatorAssignment,
    GateResult,
    PanelResult,
    Phase,
    PhaseBenchmark,
    PhaseParticipant,
    ReferenceScore,
    ResultUpload,
    RubricComponent,
    RubricCriterion,
    RubricGate,
    ScoreSheet,
    StandingsSnapshot,
    TargetModel,
)
from tests.p2_data import LEADS, P2_PLAN

pytestmark = pytest.mark.django_db

# The day staff build the final phase; its results are due at the end of the year, scoring a week later.
BUILD_DAY = dt.datetime(2026, 12, 2, 10, 0, tzinfo=KST)
SUBMISSION_DEADLINE = "2026-12-31T18:00:00+09:00"
SCORING_DEADLINE = "2027-01-07T18:00:00+09:00"
ADVANCING = ["LG", "SKT", "UPSTAGE"]
# Per team: expert points (technology, originality_depth, results) and user-panel points in the final.
FINAL_PLAN = {"LG": ("13", "9", "9", "22"), "SKT": ("14", "9", "9", "24"), "UPSTAGE": ("10", "7", "7", "15")}


def token_client(user) -> APIClient:
    """A client that authenticates as a real API client does: with a token in the Authorization header."""
    _token, key = api_token_create(user=user, name="run-a-phase")
    return _client_with(key)


def _client_with(key: str) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def ok(response, status: int = 200):
    assert response.status_code == status, response.content
    return response.json()


@pytest.fixture
def p2_finalized(p2_complete, staff) -> Phase:
    """P2 finalized through the services: LG, SKT and UPSTAGE advance, MOTIF is eliminated on points."""
    services.phase_finalize(phase=p2_complete["phase"], actor=staff)
    return Phase.objects.get(code="P2")


# What a reload must leave alone: workflow state and everything users entered, every column of every row.
STATE_MODELS = (
    Phase,
    PhaseParticipant,
    RubricComponent,
    RubricCriterion,
    RubricGate,
    PhaseBenchmark,
    TargetModel,
    ReferenceScore,
    DeadlineExtension,
    ResultUpload,
    EvaluatorAssignment,
    ScoreSheet,
    CriterionScore,
    GateResult,
    PanelResult,
    StandingsSnapshot,
    Consortium,
    Partnership,
    Allocation,
    Execution,
)


def state_of_the_program() -> dict:
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in STATE_MODELS}


def audit_events_since(client: APIClient, first_id: int) -> list[dict]:
    """Every audit event from ``first_id`` on, read page by page from /api/v1/audit-events/."""
    events: list[dict] = []
    url: str | None = "/api/v1/audit-events/?page_size=1000"
    while url:
        body = ok(client.get(url))
        events.extend(e for e in body["results"] if e["id"] >= first_id)
        url = body["next"] if body["results"] and body["results"][-1]["id"] > first_id else None
    return sorted(events, key=lambda e: e["id"])


def test_staff_run_the_final_phase_through_the_api(p2_finalized, role_users, make_user):
    staff_user = role_users[Role.MINISTRY_STAFF]
    staff = token_client(staff_user)
    auditor = token_client(role_users[Role.AUDITOR])
    members = {
        "LG": role_users[Role.CONSORTIUM_MEMBER],
        **{
            code: make_user(Role.CONSORTIUM_MEMBER, organization=LEADS[code], consortium=code)
            for code in ("SKT", "UPSTAGE")
        },
    }
    member_clients = {code: token_client(user) for code, user in members.items()}
    first_event = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() + 1

    with time_machine.travel(BUILD_DAY, tick=False):
        # 1. The final phase, made from P2: rubric, gates, benchmark set and targets copied, the three
        #    advancing teams as participants.
        made = ok(
            staff.post(
                f"/api/v1/phases/{p2_finalized.pk}/next/",
                {
                    "code": "FINAL",
                    "name": "최종 평가",
                    "teams_advancing": 2,
                    "development_start": "2026-12-01",
                    "evaluation_start": "2027-01-08",
                    "result_on": "2027-01-15",
                },
                format="json",
            ),
            201,
        )
        assert (made["source"], made["teams"], made["source_finalized"]) == ("P2", ADVANCING, True)
        final = made["phase"]["id"]
        assert made["phase"]["status"] == "draft"

        # 2. The rubric: a total other than 100 is refused with the total; then 100.
        refused = staff.post(
            f"/api/v1/phases/{final}/weights/",
            {"weights": {"benchmark": "40", "expert": "40", "user": "30"}},
            format="json",
        )
        assert refused.status_code == 400
        assert "110" in refused.json()["detail"]
        ok(
            staff.post(
                f"/api/v1/phases/{final}/weights/",
                {"weights": {"benchmark": "30", "expert": "40", "user": "30"}},
                format="json",
            )
        )

        # 3. A benchmark added to the common set; LG's declared target changed, with its reference scores.
        ok(
            staff.post(
                "/api/v1/phase-benchmarks/",
                {"phase": "FINAL", "benchmark": "HLE", "group": "common"},
                format="json",
            ),
            201,
        )
        lg_target = ok(staff.get("/api/v1/target-models/", {"phase": "FINAL", "consortium": "LG"}))["results"]
        [lg_target] = lg_target
        ok(
            staff.patch(
                f"/api/v1/target-models/{lg_target['id']}/", {"reference_model": "GPT-5.2"}, format="json"
            )
        )
        for benchmark, score in (("MMLU-Pro", "87.4"), ("GPQA-Diamond", "88.1"), ("HLE", "35.2")):
            ok(
                staff.post(
                    "/api/v1/reference-scores/",
                    {"benchmark": benchmark, "reference_model": "GPT-5.2", "score": score},
                    format="json",
                ),
                201,
            )

        # 4. Deadlines, then open.
        ok(
            staff.put(
                f"/api/v1/phases/{final}/deadlines/",
                {"submission_deadline": SUBMISSION_DEADLINE, "scoring_deadline": SCORING_DEADLINE},
                format="json",
            )
        )
        assert ok(staff.get(f"/api/v1/phases/{final}/transition-preview/", {"transition": "open"}))["allowed"]
        assert ok(staff.post(f"/api/v1/phases/{final}/open/"))["status"] == "open"

    # 5. Members upload their results before the deadline.
    with time_machine.travel(BUILD_DAY + dt.timedelta(days=20), tick=False):
        for code, client in member_clients.items():
            share = P2_PLAN[code][0]
            reference = "GPT-5.2" if code == "LG" else "DeepSeek-V3.2"
            lines = ["benchmark,score"]
            for benchmark in ("MMLU-Pro", "GPQA-Diamond", "HLE"):
                score = ReferenceScore.objects.get(benchmark__code=benchmark, reference_model=reference).score
                lines.append(f"{benchmark},{(score * share).quantize(Decimal('0.01'))}")
            ok(
                client.post(
                    "/api/v1/result-uploads/",
                    {
                        "phase": "FINAL",
                        "consortium": code,
                        "file": SimpleUploadedFile(f"{code}.csv", ("\n".join(lines) + "\n").encode()),
                    },
                    format="multipart",
                ),
                201,
            )

        # 6. Staff invite an evaluator (no password: the invitation mail sets it) and give them a token.
        invited = ok(
            staff.post(
                "/api/v1/users/",
                {
                    "username": "han.eval",
                    "email": "han@nia.example.kr",
                    "first_name": "지민",
                    "last_name": "한",
                    "role": "evaluator",
                    "organization": Organization.objects.get(
                        name_en="National Information Society Agency"
                    ).pk,
                },
                format="json",
            ),
            201,
        )
        assert invited["has_password"] is False
        key = ok(
            staff.post("/api/v1/tokens/", {"user": invited["id"], "name": "scoring"}, format="json"), 201
        )
        evaluator = _client_with(key["key"])

        # 7. Assigned to every team; they score and submit each sheet.
        sheets = {}
        for code in ADVANCING:
            assignment = ok(
                staff.post(
                    "/api/v1/assignments/",
                    {"phase": "FINAL", "consortium": code, "evaluator": "han.eval"},
                    format="json",
                ),
                201,
            )
            sheets[code] = assignment["score_sheet"]
        expert = ok(evaluator.get("/api/v1/rubric-components/", {"phase": "FINAL"}))["results"]
        [expert] = [c for c in expert if c["key"] == "expert"]
        criteria = ok(evaluator.get("/api/v1/rubric-criteria/", {"component": expert["id"]}))["results"]
        for code, sheet_id in sheets.items():
            sheet = ok(evaluator.get(f"/api/v1/score-sheets/{sheet_id}/"))
            scores = [
                {"criterion": criterion["id"], "points": points, "comment": "근거 충분"}
                for criterion, points in zip(criteria, FINAL_PLAN[code][:3], strict=True)
            ]
            submitted = ok(
                evaluator.put(
                    f"/api/v1/score-sheets/{sheet_id}/",
                    {"version": sheet["version"], "scores": scores, "submit": True},
                    format="json",
                )
            )
            assert submitted["status"] == "submitted"

        # 8. Staff decide the originality gate and record the user panel.
        for code in ADVANCING:
            ok(
                staff.post(
                    "/api/v1/gate-results/",
                    {"phase": "FINAL", "gate": "originality", "consortium": code, "passed": True},
                    format="json",
                ),
                201,
            )
            ok(
                staff.post(
                    "/api/v1/panel-results/",
                    {
                        "phase": "FINAL",
                        "consortium": code,
                        "component": "user",
                        "points": FINAL_PLAN[code][3],
                        "panel_size": 49,
                    },
                    format="json",
                ),
                201,
            )

    # 9. Ready: every cell of the grid filled; begin the evaluation, then finalize.
    with time_machine.travel(BUILD_DAY + dt.timedelta(days=37), tick=False):
        readiness = ok(auditor.get(f"/api/v1/phases/{final}/readiness/"))
        assert (readiness["complete"], readiness["missing_count"]) == (True, 0)
        assert [r["consortium"] for r in readiness["rows"]] == ADVANCING
        preview = ok(staff.get(f"/api/v1/phases/{final}/transition-preview/?transition=begin-evaluation"))
        assert (preview["allowed"], preview["blockers"], preview["warnings"]) == (True, [], [])
        assert ok(staff.post(f"/api/v1/phases/{final}/begin-evaluation/"))["status"] == "evaluating"
        preview = ok(staff.get(f"/api/v1/phases/{final}/transition-preview/?transition=finalize"))
        assert (preview["allowed"], preview["blockers"]) == (True, [])
        assert preview["outcomes"]["advancing"] == ["SKT", "LG"]
        snapshot = ok(staff.post(f"/api/v1/phases/{final}/finalize/"))

    outcomes = ok(staff.get("/api/v1/phase-participants/", {"phase": "FINAL"}))["results"]
    assert [(o["consortium"], o["outcome"], o["final_rank"]) for o in outcomes] == [
        ("LG", "advances", 2),
        ("SKT", "advances", 1),
        ("UPSTAGE", "eliminated_on_points", 3),
    ]
    assert Consortium.objects.get(code="UPSTAGE").status == Consortium.Status.ELIMINATED
    assert snapshot["is_official"] is True

    # The audit trail, as an auditor reads it over the API: one event per step, by whoever took it.
    names = {code: user.username for code, user in members.items()}
    boss = staff_user.username
    events = audit_events_since(auditor, first_event)
    phase_steps = [
        (boss, "create", "evaluations.phase"),
        (boss, "create", "evaluations.rubriccomponent"),
        (boss, "create", "evaluations.rubriccriterion"),
        (boss, "create", "evaluations.rubriccomponent"),
        *[(boss, "create", "evaluations.rubriccriterion")] * 3,
        (boss, "create", "evaluations.rubriccomponent"),
        (boss, "create", "evaluations.rubricgate"),
        *[(boss, "create", "evaluations.phasebenchmark")] * 2,
        *[(boss, "create", "evaluations.phaseparticipant")] * 3,
        *[(boss, "create", "evaluations.targetmodel")] * 3,
        (boss, "update", "evaluations.phase"),  # the weights (the refused total left no trace)
        (boss, "create", "evaluations.phasebenchmark"),
        (boss, "update", "evaluations.targetmodel"),
        (boss, "create", "evaluations.referencescore"),
        (boss, "create", "evaluations.referencescore"),
        (boss, "update", "evaluations.referencescore"),  # the file's illustrative HLE figure, corrected
        (boss, "update", "evaluations.phase"),  # the deadlines
        (boss, "update", "evaluations.phase"),  # open
        *[(names[code], "upload", "evaluations.resultupload") for code in ADVANCING],
        (boss, "create", "auth.user"),
        (boss, "create", "common.apitoken"),
        *[(boss, "create", "evaluations.evaluatorassignment")] * 3,
        *[("han.eval", "update", "evaluations.scoresheet")] * 3,
        *[(boss, "create", "evaluations.gateresult"), (boss, "create", "evaluations.panelresult")] * 3,
        (boss, "update", "evaluations.phase"),  # begin evaluation
        (boss, "update", "consortia.consortium"),  # UPSTAGE eliminated
        *[(boss, "freeze", "budget.allocation")] * 3,  # and its allocations frozen
        (boss, "finalize", "evaluations.phase"),
    ]
    assert [(e["actor_username"], e["action"], e["object_type"]) for e in events] == phase_steps
    phase_updates = [e["after"] for e in events if e["object_type"] == "evaluations.phase"][1:]
    assert phase_updates[0] == {"weights": {"benchmark": "30.00", "expert": "40.00", "user": "30.00"}}
    assert phase_updates[1]["submission_deadline"] is not None
    assert phase_updates[2:4] == [{"status": "open"}, {"status": "evaluating"}]
    assert phase_updates[4]["status"] == "finalized"
    assert {e["after"]["status"] for e in events if e["object_type"] == "evaluations.scoresheet"} == {
        "submitted"
    }

    # The program file loaded again: it reports where it differs and changes nothing.
    before = state_of_the_program()
    last_event = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    out = StringIO()
    call_command("load_kai_program", stdout=out)
    report = out.getvalue()
    assert state_of_the_program() == before
    assert "created: none; updated: none;" in report
    for difference in (
        "phases[3].status: file 'open', database 'finalized'",
        "consortia[2].status: file 'active', database 'eliminated'",  # UPSTAGE, out in the final
        "consortia[5].status: file 'active', database 'eliminated'",  # MOTIF, out in P2
        "benchmarks[2].reference_scores.GPT-5.2: file 29.9, database 35.2",
    ):
        assert f"  {difference}\n" in report
    [load] = AuditEvent.objects.filter(pk__gt=last_event)
    assert (load.actor_username, load.object_type) == ("system", "consortia.program")
    assert len(load.after["differences"]) == report.count("\n  ")
    assert f"sha256 {load.after['sha256']}" in report

    checked, broken, why = audit_chain_verify()
    assert (broken, why) == (None, "")
    assert checked == AuditEvent.objects.count()
