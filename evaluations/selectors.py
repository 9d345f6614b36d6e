"""Reads for evaluations: visibility, query shape, and the frozen inputs of the standings function."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import CharField, Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from common.models import AuditEvent
from consortia.models import Consortium
from evaluations import standings as pure
from evaluations.deadlines import TeamDeadline, team_deadline
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
    ReferenceScore,
    ResultRow,
    ResultUpload,
    RubricComponent,
    RubricCriterion,
    RubricGate,
    ScoreSheet,
    StandingsSnapshot,
    TargetModel,
)
from evaluations.permissions import can_view_working_standings

MEAN_PLACES = Decimal("0.0001")


def phase_list(*, program_id: int | None = None) -> QuerySet[Phase]:
    qs = Phase.objects.select_related("program").annotate(participant_count=Count("participants"))
    return qs.filter(program_id=program_id) if program_id is not None else qs


def phase_benchmarks_for_team(*, phase: Phase, consortium) -> list[Benchmark]:
    """The team's benchmark set: common and agency benchmarks plus its own team-specific ones."""
    entries = (
        PhaseBenchmark.objects.filter(phase=phase)
        .filter(Q(consortium__isnull=True) | Q(consortium=consortium))
        .select_related("benchmark")
    )
    return [entry.benchmark for entry in entries]


def standings_inputs(
    *, phase: Phase, exclude_evaluator_id: int | None = None, ratio_sums: bool | None = None
) -> pure.PhaseInputs:
    """Everything the standings depend on, read in a fixed number of queries (independent of the
    number of teams). Evaluator points are aggregated in SQL (sum and count per team and criterion).

    With ``ratio_sums`` (by default on PostgreSQL only) the frontier ratios of teams with every result
    and reference score are added up in SQL per benchmark group; teams with gaps, and every team without
    ``ratio_sums`` (what-if views that drop single benchmarks), come with their raw scores. SQLite gives
    the sums as floats, close to but not exactly the Decimal ratios, so it reads raw scores by default.
    ``exclude_evaluator_id`` drops that evaluator's assignments and sheets (what-if stability).
    """
    components = list(
        RubricComponent.objects.filter(phase=phase).prefetch_related("criteria").order_by("order", "key")
    )
    criterion_path = {}
    specs = []
    for component in components:
        criteria = tuple(
            pure.Criterion(c.key, c.max_points, c.benchmark_group) for c in component.criteria.all()
        )
        for c in component.criteria.all():
            criterion_path[c.pk] = f"{component.key}/{c.key}"
        scale = sum((c.max_points for c in criteria), Decimal(0)) if criteria else component.max_points
        specs.append(
            pure.Component(component.key, component.weight, pure.Source(component.source), scale, criteria)
        )
    gates = dict(RubricGate.objects.filter(phase=phase).values_list("pk", "key"))
    benchmark_rows = list(
        PhaseBenchmark.objects.filter(phase=phase).values_list(
            "benchmark_id", "benchmark__code", "group", "benchmark__higher_is_better", "consortium_id"
        )
    )
    codes = {bid: code for bid, code, *_rest in benchmark_rows}
    participants = list(
        PhaseParticipant.objects.filter(phase=phase)
        .values_list("consortium_id", "consortium__code")
        .order_by("consortium__code")
    )
    targets = dict(TargetModel.objects.filter(phase=phase).values_list("consortium_id", "reference_model"))
    references: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for code, model, score in ReferenceScore.objects.filter(
        benchmark_id__in=list(codes), reference_model__in=set(targets.values())
    ).values_list("benchmark__code", "reference_model", "score"):
        references[model][code] = score
    sums: dict[int, dict[str, pure.RatioSum]] = {}
    if ratio_sums is None:
        ratio_sums = connection.vendor == "postgresql"
    if codes and ratio_sums:
        sums = _complete_ratio_sums(phase=phase, benchmark_rows=benchmark_rows)
    results = _current_results(
        phase=phase, codes=codes, teams=[cid for cid, _code in participants if cid not in sums]
    )

    assignments = EvaluatorAssignment.objects.filter(phase=phase)
    scores = CriterionScore.objects.filter(
        sheet__assignment__phase=phase, sheet__status=ScoreSheet.Status.SUBMITTED
    )
    if exclude_evaluator_id is not None:
        assignments = assignments.exclude(evaluator_id=exclude_evaluator_id)
        scores = scores.exclude(sheet__assignment__evaluator_id=exclude_evaluator_id)
    sheet_counts = {
        row["consortium_id"]: (row["assigned"], row["submitted"])
        for row in assignments.values("consortium_id").annotate(
            assigned=Count("id"), submitted=Count("id", filter=Q(sheet__status=ScoreSheet.Status.SUBMITTED))
        )
    }
    evaluator_points: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for team, crit, total, n in (
        scores.values(team=F("sheet__assignment__consortium_id"), crit=F("criterion_id"))
        .annotate(total=Sum("points"), n=Count("id"))
        .order_by()
        .values_list("team", "crit", "total", "n")
    ):
        if crit in criterion_path:
            evaluator_points[team][criterion_path[crit]] = (total / n).quantize(MEAN_PLACES)

    panel: dict[int, dict[str, Decimal]] = defaultdict(dict)
    keys = {c.pk: c.key for c in components}
    for cid, comp_id, crit_id, points in PanelResult.objects.filter(phase=phase).values_list(
        "consortium_id", "component_id", "criterion_id", "points"
    ):
        panel[cid][criterion_path[crit_id] if crit_id else keys[comp_id]] = points
    gate_results: dict[int, dict[str, bool]] = defaultdict(dict)
    for cid, gate_id, passed in GateResult.objects.filter(gate__phase=phase).values_list(
        "consortium_id", "gate_id", "passed"
    ):
        gate_results[cid][gates[gate_id]] = passed

    teams = []
    for cid, code in participants:
        target = targets.get(cid, "")
        assigned, submitted = sheet_counts.get(cid, (0, 0))
        teams.append(
            pure.Team(
                consortium_id=cid,
                label=code,
                target_model=target,
                benchmark_scores=results.get(cid, {}),
                reference_scores=references.get(target, {}) if target and cid not in sums else {},
                benchmark_ratio_sums=sums.get(cid, {}),
                evaluator_points=evaluator_points.get(cid, {}),
                sheets_assigned=assigned,
                sheets_submitted=submitted,
                panel_points=panel.get(cid, {}),
                gates=gate_results.get(cid, {}),
            )
        )
    return pure.PhaseInputs(
        components=tuple(specs),
        gates=tuple(sorted(gates.values())),
        benchmarks=tuple(
            pure.BenchmarkSpec(code, group, hib, team) for _bid, code, group, hib, team in benchmark_rows
        ),
        teams=tuple(teams),
        teams_advancing=phase.teams_advancing,
        frontier_threshold=phase.frontier_threshold,
    )


# Per team and benchmark group: the sum and count of the frontier ratios over the team's current
# results, by the rule of evaluations.standings.benchmark_ratio (team score / target model's reference
# score, inverted when lower is better); tests/evaluations/test_recompute.py runs both on the same rows.
# NULLIF leaves a zero out of the count, so the team shows as incomplete and its raw scores name the
# problem. "* 1.0": SQLite keeps a whole-number decimal as an integer and would divide it as one;
# PostgreSQL's numeric result is the same with or without it.
_RATIO_SUMS_SQL = """
SELECT u.consortium_id, pb."group",
       SUM(CASE WHEN b.higher_is_better THEN r.score * 1.0 / NULLIF(rs.score, 0)
                ELSE rs.score * 1.0 / NULLIF(r.score, 0) END),
       COUNT(CASE WHEN b.higher_is_better THEN NULLIF(rs.score, 0) ELSE NULLIF(r.score, 0) END)
FROM evaluations_resultrow r
JOIN evaluations_resultupload u ON u.id = r.upload_id
JOIN evaluations_phasebenchmark pb
  ON pb.phase_id = u.phase_id AND pb.benchmark_id = r.benchmark_id
 AND (pb.consortium_id IS NULL OR pb.consortium_id = u.consortium_id)
JOIN evaluations_benchmark b ON b.id = r.benchmark_id
JOIN evaluations_targetmodel tm ON tm.phase_id = u.phase_id AND tm.consortium_id = u.consortium_id
JOIN evaluations_referencescore rs
  ON rs.benchmark_id = r.benchmark_id AND rs.reference_model = tm.reference_model
WHERE u.phase_id = %s AND u.is_current
GROUP BY u.consortium_id, pb."group"
"""


def _complete_ratio_sums(*, phase: Phase, benchmark_rows: list[tuple]) -> dict[int, dict[str, pure.RatioSum]]:
    """Ratio sums of the teams whose every benchmark has a usable result and reference score."""
    shared: dict[str, int] = defaultdict(int)
    own: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for _bid, _code, group, _hib, team in benchmark_rows:
        if team is None:
            shared[group] += 1
        else:
            own[team][group] += 1
    found: dict[int, dict[str, pure.RatioSum]] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(_RATIO_SUMS_SQL, [phase.pk])
        for cid, group, total, count in cursor.fetchall():
            if total is None:  # every ratio of the group unusable: the team is incomplete
                continue
            # PostgreSQL answers with a Decimal; SQLite with a float, taken at its shortest exact text.
            exact = total if isinstance(total, Decimal) else Decimal(repr(total))
            found[cid][group] = pure.RatioSum(exact, count)
    complete = {}
    for cid, by_group in found.items():
        expected = dict(shared)
        for group, n in own.get(cid, {}).items():
            expected[group] = expected.get(group, 0) + n
        if {group: ratio_sum.count for group, ratio_sum in by_group.items()} == expected:
            complete[cid] = dict(by_group)
    return complete


# One row per team with its current scores packed (ids, "score,score,…"), moving a fiftieth of the
# rows through the driver. The benchmarks are joined, not tested with "r.benchmark_id = ANY(<array>)":
# PostgreSQL plans that as a filter scanning the whole array for every row, and a join as a hash join,
# which keeps a team with 100,000 results fast (bench/upload.py).
_PACKED_RESULTS_SQL = """
SELECT u.consortium_id, array_agg(r.benchmark_id ORDER BY r.benchmark_id),
       string_agg(r.score::text, ',' ORDER BY r.benchmark_id)
FROM evaluations_resultrow r
JOIN evaluations_resultupload u ON u.id = r.upload_id
JOIN unnest(%s::bigint[]) AS wanted(benchmark_id) ON wanted.benchmark_id = r.benchmark_id
WHERE u.phase_id = %s AND u.is_current AND u.consortium_id = ANY(%s)
GROUP BY u.consortium_id
"""


def _current_results(
    *, phase: Phase, codes: dict[int, str], teams: list[int]
) -> dict[int, dict[str, Decimal]]:
    """The current uploaded score per benchmark code of each of ``teams``, for the benchmarks in
    ``codes`` (id -> code)."""
    results: dict[int, dict[str, Decimal]] = defaultdict(dict)
    if not codes or not teams:
        return results
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_PACKED_RESULTS_SQL, [list(codes), phase.pk, teams])
            for cid, benchmark_ids, scores in cursor.fetchall():
                results[cid] = dict(
                    zip(map(codes.__getitem__, benchmark_ids), map(Decimal, scores.split(",")), strict=True)
                )
        return results
    for cid, bid, score in ResultRow.objects.filter(
        upload__phase=phase,
        upload__is_current=True,
        benchmark_id__in=list(codes),
        upload__consortium_id__in=teams,
    ).values_list("upload__consortium_id", "benchmark_id", "score"):
        results[cid][codes[bid]] = score
    return results


def standings_latest(*, phase_id: int) -> StandingsSnapshot | None:
    return StandingsSnapshot.objects.filter(phase_id=phase_id).order_by("-generation", "-id").first()


@dataclass(frozen=True)
class StandingsView:
    """What a phase page shows: the table the user may see and whether a recompute is pending (stale)."""

    phase: Phase
    snapshot: StandingsSnapshot | None
    is_stale: bool


def standings_view(*, phase_id: int, user) -> StandingsView:
    """The phase's table as ``user`` is shown it (standings_tables_visible_to's rule) and, for those who see
    the working standings, whether its inputs changed since it was computed. A final table is never stale.
    Two queries."""
    phase = Phase.objects.select_related("program").get(pk=phase_id)
    snapshot = (
        standings_snapshots_visible_to(user=user)
        .filter(phase_id=phase_id)
        .order_by("-generation", "-id")
        .first()
    )
    stale = can_view_working_standings(user) and (snapshot.generation if snapshot else 0) < (
        phase.standings_generation
    )
    return StandingsView(phase=phase, snapshot=snapshot, is_stale=stale)


def phase_ids_with_stale_standings() -> list[int]:
    """Phases whose latest snapshot (if any) was computed from older inputs than they have now."""
    return list(
        Phase.objects.annotate(latest=Max("snapshots__generation"))
        .filter(Q(latest__isnull=True, standings_generation__gt=0) | Q(latest__lt=F("standings_generation")))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def result_upload_list_visible_to(*, user) -> QuerySet[ResultUpload]:
    """Staff and auditors see every upload; a consortium member only their own team's; others none."""
    return ResultUpload.objects.visible_to(user).select_related("phase", "consortium", "uploaded_by")


def score_sheet_list_visible_to(*, user) -> QuerySet[ScoreSheet]:
    """Staff and auditors see every sheet; an evaluator only the sheets of their own assignments."""
    return (
        ScoreSheet.objects.visible_to(user)
        .select_related("assignment__phase", "assignment__consortium", "assignment__evaluator")
        .prefetch_related("scores__criterion")
    )


def assignment_list_visible_to(*, user) -> QuerySet[EvaluatorAssignment]:
    """Staff and auditors see every assignment; an evaluator only their own."""
    return EvaluatorAssignment.objects.visible_to(user).select_related(
        "phase", "consortium", "evaluator", "sheet"
    )


def outcome_label(outcome: pure.Outcome) -> str:
    """The outcome's name in the active language."""
    return str(PhaseParticipant.Outcome(outcome).label)


def missing_item_text(item: pure.MissingItem) -> str:
    """What a standings row lacks, as a sentence in the active language."""
    kind, subject = item.kind, item.subject
    texts = {
        pure.Missing.PANEL_RESULT: _("no panel result for %(s)s"),
        pure.Missing.NO_EVALUATORS: _("no evaluators assigned for %(s)s"),
        pure.Missing.SHEETS_NOT_SUBMITTED: _("score sheets submitted: %(s)s"),
        pure.Missing.NO_TARGET_MODEL: _("no target model declared"),
        pure.Missing.BENCHMARK_RESULT: _("no result for benchmark %(s)s"),
        pure.Missing.REFERENCE_SCORE: _("no usable reference score of the target model for %(s)s"),
        pure.Missing.NO_BENCHMARKS: _("no benchmarks in the set for %(s)s"),
        pure.Missing.GATE_DECISION: _("gate %(s)s not decided"),
    }
    return texts[kind] % {"s": subject}


# --- Standings snapshots: who sees which table ------------------------------------------------------


def _final_tables() -> Q:
    """The final table of each finalized phase: its official snapshot, or, for a phase loaded as already
    finalized (none marked official), its latest. One snapshot per phase."""
    same_phase = StandingsSnapshot.objects.filter(phase=OuterRef("phase"))
    latest = same_phase.order_by("-generation", "-id").values("pk")[:1]
    return Q(phase__status=Phase.Status.FINALIZED) & (
        Q(is_official=True) | (~Exists(same_phase.filter(is_official=True)) & Q(pk=Subquery(latest)))
    )


def standings_snapshots_visible_to(*, user) -> QuerySet[StandingsSnapshot]:
    """Every snapshot ``user`` may see. Working standings are internal until a phase is finalized: staff,
    auditors and evaluators see every snapshot; everyone else sees each finalized phase's final table."""
    qs = StandingsSnapshot.objects.select_related("phase")
    return qs if can_view_working_standings(user) else qs.filter(_final_tables())


def standings_tables_visible_to(*, user) -> QuerySet[StandingsSnapshot]:
    """Per phase, the one table ``user`` is shown: the latest snapshot they may see (the API's standings,
    the standings export)."""
    visible = standings_snapshots_visible_to(user=user)
    # The latest id is looked up once per phase (a handful), not once per snapshot row: a phase gathers
    # a snapshot for every change of its inputs, and this list is what clients poll for freshness.
    latest = visible.filter(phase=OuterRef("pk")).order_by("-generation", "-id").values("pk")[:1]
    return visible.filter(pk__in=Phase.objects.annotate(latest=Subquery(latest)).values("latest"))


def standings_official_for(*, user, program_id: int) -> StandingsSnapshot | None:
    """The program's official table as far as ``user`` may see it: the final table of its latest finalized
    phase (the dashboard shows it to those who may not see the working standings). One query."""
    return (
        standings_snapshots_visible_to(user=user)
        .filter(phase__program_id=program_id, phase__status=Phase.Status.FINALIZED)
        # Within the phase: its official snapshot, else its latest (_final_tables' rule, for those who see
        # every snapshot; the others see only that one).
        .order_by("-phase__order", "-is_official", "-generation", "-id")
        .first()
    )


def team_submission_deadline(*, phase: Phase, consortium_id: int | None) -> TeamDeadline | None:
    """The results-submission deadline ``consortium_id``'s uploads to ``phase`` face (its extension when
    later). A phase without a deadline costs no query."""
    if phase.submission_deadline is None:
        return None
    extension = None
    if consortium_id is not None:
        extension = (
            DeadlineExtension.objects.order_by()
            .filter(phase_id=phase.pk, consortium_id=consortium_id)
            .values_list("deadline", flat=True)
            .first()
        )
    return team_deadline(phase.submission_deadline, extension)


def deadline_extension_list_visible_to(*, user) -> QuerySet[DeadlineExtension]:
    """Extensions: staff and auditors see all, a member their own team's, nobody else any."""
    return (
        DeadlineExtension.objects.visible_to(user)
        .select_related("phase", "consortium", "granted_by")
        .order_by("phase__order", "consortium__code")
    )


def phase_next_teams(*, source: Phase) -> tuple[list[Consortium], bool]:
    """The teams a next phase made from ``source`` takes, and whether they are official: the participants
    that advanced when ``source`` is finalized; before that, provisionally, its still-active participants."""
    participants = PhaseParticipant.objects.filter(phase=source).select_related("consortium")
    finalized = source.status == Phase.Status.FINALIZED
    if finalized:
        participants = participants.filter(outcome=pure.Outcome.ADVANCES.value)
    else:
        participants = participants.filter(consortium__status=Consortium.Status.ACTIVE)
    return [p.consortium for p in participants.order_by("consortium__code")], finalized


# --- Audit ----------------------------------------------------------------------------------------------

# The audit package's export name: its downloads are audit events about the phase (object id = its id).
AUDIT_PACKAGE = "audit-package"
# Every audited object that belongs to a phase, and the path from it to its phase.
_PHASE_OBJECTS = (
    (Phase, "pk"),
    (PhaseParticipant, "phase"),
    (DeadlineExtension, "phase"),
    (PhaseBenchmark, "phase"),
    (TargetModel, "phase"),
    (ResultUpload, "phase"),
    (RubricComponent, "phase"),
    (RubricCriterion, "component__phase"),
    (RubricGate, "phase"),
    (GateResult, "gate__phase"),
    (PanelResult, "phase"),
    (EvaluatorAssignment, "phase"),
    (ScoreSheet, "assignment__phase"),
    (StandingsSnapshot, "phase"),
)


def phase_audit_events(*, phase: Phase) -> QuerySet[AuditEvent]:
    """The audit events about ``phase``: those on the phase and on every object that belongs to it (its
    rubric, benchmark set, participants, uploads, assignments, score sheets, gate and panel results,
    snapshots), and the downloads of its audit package. One query."""
    about = Q(object_type=f"export.{AUDIT_PACKAGE}", object_id=str(phase.pk))
    for model, path in _PHASE_OBJECTS:
        ids = (
            model.objects.filter(**{path: phase.pk})
            .annotate(text_id=Cast("pk", CharField()))
            .values("text_id")
        )
        about |= Q(object_type=model._meta.label_lower, object_id__in=ids)
    return AuditEvent.objects.filter(about).order_by("id")
