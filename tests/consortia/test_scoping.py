"""One way to say who may see a team's rows: ``Model.objects.visible_to(user)`` (consortia.scoping).

Every team-owned model is listed in RULES with who sees its rows besides staff and auditors; a model that
names a consortium without being listed (in RULES or in NOT_TEAM_OWNED) fails
``test_every_model_that_names_a_team_declares_its_scope``, and a listed one is checked row by row against
a small world of two teams.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db.models.constants import LOOKUP_SEP
from django.utils import timezone

from budget.models import Allocation, BudgetLine, Execution, GpuNote, GpuUsageEntry, GpuUsageReport
from common.roles import PORTAL_APPS, Role
from common.services import user_set_roles
from consortia.models import Affiliation, Consortium, FoundationModel, Organization, Partnership, Program
from consortia.permissions import can_view_team_data
from consortia.scoping import TeamScope, TeamScopedQuerySet
from consortia.services import affiliation_set
from evaluations.models import (
    Benchmark,
    CriterionScore,
    DeadlineExtension,
    EvaluatorAssignment,
    GateResult,
    PanelResult,
    Phase,
    PhaseBenchmark,
    PhaseParticipant,
    ResultRow,
    ResultUpload,
    RubricComponent,
    RubricCriterion,
    RubricGate,
    ScoreSheet,
    TargetModel,
)

pytestmark = pytest.mark.django_db

TEAM = "its team's members"
EVALUATOR = "its evaluator"

# Who sees a team-owned model's rows besides ministry staff and auditors (who see every row).
RULES: dict[type, frozenset[str]] = {
    Allocation: frozenset({TEAM}),
    Execution: frozenset({TEAM}),
    GpuUsageReport: frozenset({TEAM}),
    GpuUsageEntry: frozenset({TEAM}),
    ResultUpload: frozenset({TEAM}),
    ResultRow: frozenset({TEAM}),
    # A team sees its own later deadline (the upload page shows it); other teams' extensions are not theirs.
    DeadlineExtension: frozenset({TEAM}),
    # The evaluators' scoring of a team is not shown to that team.
    EvaluatorAssignment: frozenset({EVALUATOR}),
    ScoreSheet: frozenset({EVALUATOR}),
    CriterionScore: frozenset({EVALUATOR}),
    # Staff decide gates and enter panel results; the team learns the outcome from the final standings.
    GateResult: frozenset(),
    PanelResult: frozenset(),
}

# Models that name a consortium but are not a team's own data: the public registry and program plan, the
# user's own affiliation, and program-file data only staff reach (through the admin).
NOT_TEAM_OWNED = {
    Partnership,
    FoundationModel,
    Affiliation,
    PhaseParticipant,
    PhaseBenchmark,
    TargetModel,
    GpuNote,
}


def _portal_models() -> list[type]:
    return [m for app in PORTAL_APPS for m in apps.get_app_config(app).get_models()]


def _related(model, path: str) -> type:
    for name in path.split(LOOKUP_SEP):
        model = model._meta.get_field(name).related_model
    return model


def test_every_model_that_names_a_team_declares_its_scope():
    names_a_team = {
        model
        for model in _portal_models()
        if any(
            field.is_relation
            and field.many_to_one | field.one_to_one
            # A direct link to a consortium, or to a row that is itself a team's (a child row).
            and (field.related_model is Consortium or field.related_model in RULES)
            for field in model._meta.get_fields()
            if field.concrete
        )
    }
    assert names_a_team - NOT_TEAM_OWNED == set(RULES), "declare team_scope on the new model, add it to RULES"
    declared = {m for m in _portal_models() if isinstance(getattr(m, "team_scope", None), TeamScope)}
    assert declared == set(RULES)


@pytest.mark.parametrize("model", list(RULES), ids=lambda m: m.__name__)
def test_declared_scope_matches_the_rule_and_its_paths_resolve(model):
    scope = model.team_scope
    assert isinstance(model.objects.all(), TeamScopedQuerySet)
    assert _related(model, scope.team) is Consortium
    assert scope.members is (TEAM in RULES[model])
    assert (scope.evaluator is not None) is (EVALUATOR in RULES[model])
    if scope.evaluator is not None:
        assert _related(model, scope.evaluator) is get_user_model()


# --- A world of two teams, with a row of every team-owned model for each ----------------------------


def _user(name: str, role: Role | None, organization: Organization, team: Consortium | None = None):
    user = get_user_model().objects.create_user(username=name, password="not-a-real-password-1234")
    if role is not None:
        user_set_roles(user=user, roles=[role])
    affiliation_set(user=user, organization=organization, consortium=team)
    return user


@pytest.fixture
def world():
    now = timezone.now()
    day = dt.date(2026, 3, 2)
    program = Program.objects.create(
        code="SCOPE", name_ko="범위", name_en="Scope", ministry="MSIT", start_date=day
    )
    ministry = Organization.objects.create(name_ko="부처", name_en="Ministry", kind="public_body")
    institute = Organization.objects.create(name_ko="연구소", name_en="Institute", kind="research_institute")
    phase = Phase.objects.create(program=program, code="P1", order=1, name="Phase 1", teams_advancing=1)
    component = RubricComponent.objects.create(
        phase=phase, key="expert", name="Expert", weight=100, max_points=100, source="evaluators"
    )
    criterion = RubricCriterion.objects.create(component=component, key="quality", name="Q", max_points=10)
    gate = RubricGate.objects.create(phase=phase, key="originality", name="Originality")
    benchmark = Benchmark.objects.create(code="MMLU", name="MMLU", category="knowledge")
    line = BudgetLine.objects.create(
        program=program, code="GPU", name="GPU", fiscal_year=2026, category="gpu", amount_krw=10**9
    )
    people = {
        "staff": _user("staff", Role.MINISTRY_STAFF, ministry),
        "auditor": _user("auditor", Role.AUDITOR, ministry),
        "superuser": get_user_model().objects.create_superuser(username="root", password="x-not-real-1234"),
        "member without a team": _user("lone", Role.CONSORTIUM_MEMBER, institute),
        "user without a role": _user("nobody", None, institute),
        "anonymous": AnonymousUser(),
    }
    teams = {}
    for code in ("A", "B"):
        lead = Organization.objects.create(name_ko=code, name_en=f"Org {code}", kind="company")
        team = teams[code] = Consortium.objects.create(
            program=program, code=code, name=f"Team {code}", lead=lead, joined_on=day
        )
        member = people[f"member of {code}"] = _user(f"member{code}", Role.CONSORTIUM_MEMBER, lead, team)
        evaluator = people[f"evaluator of {code}"] = _user(f"eval{code}", Role.EVALUATOR, institute)
        upload = ResultUpload.objects.create(
            phase=phase,
            consortium=team,
            uploaded_by=member,
            uploaded_at=now,
            file="r.csv",
            display_name="r.csv",
            sha256="0" * 64,
            size=1,
            format="csv",
            encoding="utf-8",
            row_count=1,
        )
        ResultRow.objects.create(upload=upload, benchmark=benchmark, score=Decimal("1"), source_row=2)
        assignment = EvaluatorAssignment.objects.create(
            phase=phase, consortium=team, evaluator=evaluator, assigned_by=people["staff"], assigned_at=now
        )
        sheet = ScoreSheet.objects.create(assignment=assignment, updated_at=now)
        CriterionScore.objects.create(sheet=sheet, criterion=criterion, points=Decimal("5"))
        GateResult.objects.create(gate=gate, consortium=team, passed=True)
        PanelResult.objects.create(phase=phase, consortium=team, component=component, points=Decimal("50"))
        DeadlineExtension.objects.create(
            phase=phase, consortium=team, deadline=now, reason="r", granted_by=people["staff"], granted_at=now
        )
        allocation = Allocation.objects.create(
            line=line,
            consortium=team,
            period_start=day,
            period_end=day,
            planned_period_end=day,
            amount_krw=10,
        )
        Execution.objects.create(
            allocation=allocation,
            spent_on=day,
            amount_krw=1,
            description="x",
            recorded_by=member,
            recorded_at=now,
        )
        report = GpuUsageReport.objects.create(
            consortium=team,
            file="g.csv",
            filename="g.csv",
            sha256="0" * 64,
            size_bytes=1,
            row_count=1,
            uploaded_by=member,
            uploaded_at=now,
        )
        GpuUsageEntry.objects.create(
            report=report, consortium=team, month=day, gpu_model="B200", gpu_hours=Decimal("1"), row_number=2
        )
    return {"people": people, "teams": teams}


def _walk(row, path: str):
    for name in path.split(LOOKUP_SEP):
        row = getattr(row, name)
    return row


def _expected(model, who: str, user, rows) -> set[int]:
    """The rule of RULES, written out independently of consortia.scoping."""
    if who in ("staff", "auditor", "superuser"):
        return {row.pk for row in rows}
    seen = set()
    for row in rows:
        if TEAM in RULES[model] and who == f"member of {_walk(row, model.team_scope.team).code}":
            seen.add(row.pk)
        if EVALUATOR in RULES[model] and _walk(row, model.team_scope.evaluator) == user:
            seen.add(row.pk)
    return seen


@pytest.mark.parametrize("model", list(RULES), ids=lambda m: m.__name__)
def test_each_role_sees_what_the_rule_says(world, model):
    rows = list(model.objects.all())
    assert {_walk(row, model.team_scope.team).code for row in rows} == {"A", "B"}, "the world lacks rows"
    for who, user in world["people"].items():
        visible = set(model.objects.visible_to(user).values_list("pk", flat=True))
        assert visible == _expected(model, who, user, rows), who
    # What a member of A sees of A's and B's rows, spelled out once per model.
    member_a = world["people"]["member of A"]
    seen_teams = {_walk(row, model.team_scope.team).code for row in model.objects.visible_to(member_a)}
    assert seen_teams == ({"A"} if TEAM in RULES[model] else set())


@pytest.mark.parametrize(
    "who", ["staff", "auditor", "member of A", "member of B", "evaluator of A", "anonymous"]
)
def test_the_one_team_predicate_is_the_same_rule(world, who):
    user = world["people"][who]
    for code, team in world["teams"].items():
        shown = Allocation.objects.visible_to(user).filter(consortium=team).exists()
        assert can_view_team_data(user, team.pk) is shown, (who, code)
