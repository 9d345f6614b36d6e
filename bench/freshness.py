#!/usr/bin/env python
"""Standings freshness under concurrent writes, with a real Celery worker and a real web server.

How long after a write's response does ``GET /api/v1/standings/?phase=P2`` show a table that includes it,
with ``is_stale: false``? The bench:

1. recreates its own PostgreSQL database (kai_bench_freshness) and empties its own Redis database (11),
   loads the real program file and makes phase P2 ready for scoring through the project's services: every
   team's results uploaded by a member, originality decided, a user-panel figure, the phase moved to
   evaluating, two evaluators per team with a submitted score sheet;
2. starts ``celery -A kai_portal worker`` (prefork, concurrency 2, as in docker-compose.yml; no beat, so
   only the on-commit enqueue brings a write to the worker) and gunicorn (sync workers, production
   settings) on 127.0.0.1, each in its own process group, and waits until P2's standings are fresh;
3. runs WRITERS concurrent writers, each a real user with its own API token: evaluators re-submit their
   own score sheet (``PUT /api/v1/score-sheets/<id>/`` with the version), ministry staff enter the user
   panel's points of their teams (``POST /api/v1/panel-results/``). After each write's response the
   writer polls the standings every POLL seconds until P2's snapshot is not stale (it is read after the
   write committed, so a snapshot that is not stale includes the write) and, for a panel write, shows the
   points just written. It then writes again, WRITES times;
4. prints p50/p95/max of "write response -> visible and fresh", the write responses' own times, and what
   the worker did (snapshots written, recompute durations, retries), then stops the worker and gunicorn.

Every wait is bounded (DEADLINE seconds per write); a write that never shows is counted, not waited for.
The target is p95 < 1 s; the bench prints a verdict and does not fail on time.

    .venv/bin/python bench/freshness.py   # WRITERS=10 WRITES=5 POLL=0.05 WEB_WORKERS=4 PORT=8767 DEADLINE=30
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
WRITERS = int(os.environ.get("WRITERS", "10"))
WRITES = int(os.environ.get("WRITES", "5"))
POLL = float(os.environ.get("POLL", "0.05"))
DEADLINE = float(os.environ.get("DEADLINE", "30"))
PORT = int(os.environ.get("PORT", "8767"))
WEB_WORKERS = int(os.environ.get("WEB_WORKERS", "4"))
STAFF_WRITERS = int(os.environ.get("STAFF_WRITERS", "2"))
WORKER_CONCURRENCY = int(os.environ.get("WORKER_CONCURRENCY", "2"))
DB = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kai_bench_freshness")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
PHASE = "P2"
TEAMS = ("LG", "SKT", "UPSTAGE", "MOTIF")
LEADS = {"LG": "LG AI Research", "SKT": "SK Telecom", "UPSTAGE": "Upstage", "MOTIF": "Motif Technologies"}
# An organization that is a partner in none of the teams, so its evaluators have no conflict of interest.
EVALUATOR_ORG = "National Information Society Agency"
BASE_URL = f"http://127.0.0.1:{PORT}"

# The worker, gunicorn and this process share one configuration: production settings on the bench's own
# database and Redis. This process builds the world eagerly (no worker yet); the others never run eager.
SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "kai_portal.settings.production",
    "DATABASE_URL": DB,
    "REDIS_URL": REDIS,
    "SECRET_KEY": "bench-only-" + os.urandom(30).hex(),
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
    "API_THROTTLE_RATE": "100000000/minute",
    "CACHE_KEY_PREFIX": "kai-bench-freshness",
}
os.environ.update(SERVER_ENV)
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent


def recreate_database() -> None:
    url = urlparse(DB)
    admin = ["psql", "-h", url.hostname or "127.0.0.1", "-p", str(url.port or 5432)]
    admin += ["-U", url.username or "postgres", "-q", "-d", "postgres", "-c"]
    name = url.path.lstrip("/")
    subprocess.run([*admin, f'DROP DATABASE IF EXISTS "{name}"'], check=True, timeout=60)
    subprocess.run([*admin, f'CREATE DATABASE "{name}"'], check=True, timeout=60)


def flush_redis() -> None:
    import redis

    client = redis.Redis.from_url(REDIS, socket_timeout=5)
    client.flushdb()
    client.close()


# --- the world ------------------------------------------------------------------------------------------


def points(maximum: Decimal, percent: int) -> Decimal:
    """A criterion's points at ``percent`` of its maximum, to the two places a score keeps."""
    return (maximum * percent / 100).quantize(Decimal("0.01"))


@dataclass
class Writer:
    name: str
    token: str
    kind: str  # "evaluator" or "staff"
    team: str = ""  # an evaluator's team
    sheet_id: int = 0
    version: int = 0
    criteria: list[tuple[int, Decimal]] = field(default_factory=list)  # (id, max points)
    teams: tuple[str, ...] = ()  # a staff writer's panel teams (each team has one staff writer)


def build_world() -> list[Writer]:
    """P2 ready for scoring, through the services the UI and the API call; returns the writers."""
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    from common.roles import Role
    from common.services import api_token_create, user_set_roles
    from consortia.models import Consortium, Organization
    from consortia.services import affiliation_set
    from evaluations import services
    from evaluations.models import (
        Phase,
        PhaseBenchmark,
        ReferenceScore,
        RubricComponent,
        RubricCriterion,
        RubricGate,
        ScoreSheet,
        TargetModel,
    )

    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("load_kai_program", stdout=quiet)
    call_command("collectstatic", interactive=False, verbosity=0)

    def user(name: str, role: Role, organization: str, team: Consortium | None = None):
        person = get_user_model().objects.create_user(username=name)
        user_set_roles(user=person, roles=[role])
        affiliation_set(
            user=person, organization=Organization.objects.get(name_en=organization), consortium=team
        )
        return person

    phase = Phase.objects.get(code=PHASE)
    teams = {code: Consortium.objects.get(code=code) for code in TEAMS}
    staff = user("bench_staff", Role.MINISTRY_STAFF, "Ministry of Science and ICT")
    targets = dict(TargetModel.objects.filter(phase=phase).values_list("consortium__code", "reference_model"))
    benchmarks = list(
        PhaseBenchmark.objects.filter(phase=phase).values_list("benchmark__code", "benchmark_id")
    )
    for i, code in enumerate(TEAMS):
        member = user(f"bench_member_{code.lower()}", Role.CONSORTIUM_MEMBER, LEADS[code], teams[code])
        references = dict(
            ReferenceScore.objects.filter(reference_model=targets[code]).values_list("benchmark_id", "score")
        )
        lines = ["benchmark,score"]
        lines += [f"{bench},{references[bid] * Decimal(100 - 5 * i) / 100:.2f}" for bench, bid in benchmarks]
        services.result_upload_create(
            phase=phase,
            consortium=teams[code],
            file=SimpleUploadedFile("results.csv", ("\n".join(lines) + "\n").encode()),
            actor=member,
        )
    gate = RubricGate.objects.get(phase=phase, key="originality")
    panel = RubricComponent.objects.get(phase=phase, key="user")
    for i, code in enumerate(TEAMS):
        services.gate_result_record(gate=gate, consortium=teams[code], passed=True, reason="", actor=staff)
        services.panel_result_record(
            phase=phase, consortium=teams[code], component=panel, points=Decimal(20 - i), actor=staff
        )
    services.phase_begin_evaluation(phase=phase, actor=staff)

    criteria = [
        (c.pk, c.max_points)
        for c in RubricCriterion.objects.filter(component__phase=phase, component__key="expert").order_by(
            "order"
        )
    ]
    evaluator_count = WRITERS - STAFF_WRITERS
    writers: list[Writer] = []
    for n in range(evaluator_count):
        code = TEAMS[n % len(TEAMS)]
        evaluator = user(f"bench_evaluator_{n}", Role.EVALUATOR, EVALUATOR_ORG)
        assignment = services.evaluator_assign(
            phase=phase, consortium=teams[code], evaluator=evaluator, actor=staff
        )
        sheet = ScoreSheet.objects.get(assignment=assignment)
        sheet = services.score_sheet_save(
            sheet=sheet,
            actor=evaluator,
            expected_version=sheet.version,
            scores=[services.ScoreInput(pk, points(maximum, 70), "") for pk, maximum in criteria],
            submit=True,
        )
        writers.append(
            Writer(
                name=evaluator.username,
                token=api_token_create(user=evaluator, name="freshness bench")[1],
                kind="evaluator",
                team=code,
                sheet_id=sheet.pk,
                version=sheet.version,
                criteria=criteria,
            )
        )
    for n in range(STAFF_WRITERS):
        person = user(f"bench_panel_staff_{n}", Role.MINISTRY_STAFF, "Ministry of Science and ICT")
        writers.append(
            Writer(
                name=person.username,
                token=api_token_create(user=person, name="freshness bench")[1],
                kind="staff",
                teams=TEAMS[n::STAFF_WRITERS],
            )
        )
    return writers


# --- processes ------------------------------------------------------------------------------------------


class Process:
    """A child in its own process group, logging to a file; stopped with SIGTERM, then SIGKILL."""

    def __init__(self, name: str, args: list[str], workdir: Path):
        self.name, self.args = name, args
        self.log_path = workdir / f"{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {**os.environ, **SERVER_ENV, "CELERY_TASK_ALWAYS_EAGER": "false", "PYTHONUNBUFFERED": "1"}
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 20) -> None:
        if not self.alive():
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=timeout)


def wait_for(predicate, *, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


# --- HTTP -----------------------------------------------------------------------------------------------


def call(
    method: str, path: str, token: str, body: dict | None = None, timeout: float = 10
) -> tuple[int, dict]:
    request = urllib.request.Request(
        BASE_URL + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={
            "Authorization": f"Token {token}",
            "Content-Type": "application/json",
            "Accept-Language": "en",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, {"error": exc.read()[:300].decode(errors="replace")}
    except OSError as exc:  # refused (server not up yet), reset, timed out
        return 0, {"error": str(exc)}


def p2_standings(token: str) -> dict | None:
    status, body = call("GET", f"/api/v1/standings/?phase={PHASE}", token)
    if status != 200 or not body.get("results"):
        return None
    return body["results"][0]


def user_points(snapshot: dict, team: str) -> str | None:
    for row in snapshot["table"]:
        if row["label"] == team:
            return next((c["points"] for c in row["components"] if c["key"] == "user"), None)
    return None


@dataclass
class Measurement:
    writer: str
    kind: str
    write_s: float
    fresh_s: float | None  # None: not fresh within DEADLINE
    polls: int
    # The part of fresh_s until the snapshot that was seen had been written (its computed_at), and after.
    worker_s: float | None = None
    seen_s: float | None = None


def run_writer(writer: Writer, start: threading.Barrier, out: list[Measurement], errors: list[str]) -> None:
    rng = random.Random(writer.name)
    start.wait(timeout=60)
    for k in range(WRITES):
        expected_points = None
        t0 = time.monotonic()
        if writer.kind == "evaluator":
            scores = [
                {"criterion": pk, "points": str(points(maximum, rng.randint(40, 100)))}
                for pk, maximum in writer.criteria
            ]
            path = f"/api/v1/score-sheets/{writer.sheet_id}/"
            for _attempt in range(3):
                body = {"version": writer.version, "scores": scores, "submit": True}
                status, body = call("PUT", path, writer.token, body, timeout=DEADLINE)
                if status == 200:
                    writer.version = body["version"]
                    break
                if status != 409:
                    break
                # The sheet moved on (an earlier write that timed out on our side did commit): reload
                # it and apply the change again, as the 409 asks; the write is timed from the reload.
                _status, sheet = call("GET", path, writer.token)
                writer.version = sheet.get("version", writer.version)
                t0 = time.monotonic()
        else:
            team = writer.teams[k % len(writer.teams)]
            expected_points = f"{Decimal(rng.randint(1000, 2500)) / 100:.2f}"
            status, body = call(
                "POST",
                "/api/v1/panel-results/",
                writer.token,
                {"phase": PHASE, "consortium": team, "component": "user", "points": expected_points},
                timeout=DEADLINE,
            )
        answered, answered_wall = time.monotonic(), time.time()
        if status not in (200, 201):
            errors.append(f"{writer.name} write {k}: HTTP {status} {body}")
            continue
        polls, fresh_at, computed = 0, None, None
        while time.monotonic() - answered < DEADLINE:
            polls += 1
            snapshot = p2_standings(writer.token)
            if (
                snapshot is not None
                and not snapshot["is_stale"]
                and (expected_points is None or user_points(snapshot, team) == expected_points)
            ):
                fresh_at, seen_wall = time.monotonic(), time.time()
                computed = datetime.fromisoformat(snapshot["computed_at"].replace("Z", "+00:00")).timestamp()
                break
            time.sleep(POLL)
        out.append(
            Measurement(
                writer.name,
                writer.kind,
                answered - t0,
                None if fresh_at is None else fresh_at - answered,
                polls,
                None if computed is None else computed - answered_wall,
                None if computed is None else seen_wall - computed,
            )
        )
        time.sleep(rng.uniform(0, 0.1))  # a person does not write again the same millisecond


# --- report ---------------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest rank: the smallest value with at least q of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}"


def main() -> int:
    recreate_database()
    flush_redis()
    import django

    django.setup()
    # The world is built with eager recomputes; their per-task log lines would bury the figures.
    for name in ("celery", "evaluations"):
        logging.getLogger(name).setLevel(logging.WARNING)
    from django.db import connection

    from evaluations.models import StandingsSnapshot

    started = time.monotonic()
    writers = build_world()
    print(
        f"world built in {time.monotonic() - started:.1f} s: phase {PHASE}, {len(TEAMS)} teams, "
        f"{WRITERS - STAFF_WRITERS} evaluators with a submitted sheet, {STAFF_WRITERS} panel staff"
    )
    workdir = Path(tempfile.mkdtemp(prefix="kai-freshness-"))
    worker = Process(
        "worker",
        [
            str(BIN / "celery"),
            "-A",
            "kai_portal",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            str(WORKER_CONCURRENCY),
        ]
        + ["--loglevel", "INFO", "--hostname", f"freshness-{os.getpid()}@127.0.0.1"],
        workdir,
    )
    web = Process(
        "gunicorn",
        [str(BIN / "gunicorn"), "kai_portal.wsgi:application", "--bind", f"127.0.0.1:{PORT}"]
        + ["--workers", str(WEB_WORKERS), "--log-level", "warning", "--timeout", "60"],
        workdir,
    )
    results: list[Measurement] = []
    errors: list[str] = []
    before = StandingsSnapshot.objects.filter(phase__code=PHASE).count()
    connection.close()
    try:
        worker.start()
        web.start()
        wait_for(
            lambda: " ready." in worker.log() or not worker.alive(), timeout=90, what="the Celery worker"
        )
        if not worker.alive():
            raise SystemExit(f"the worker exited at start:\n{worker.log()[-3000:]}")
        wait_for(
            lambda: call("GET", "/healthz", "")[0] == 200 if web.alive() else True,
            timeout=60,
            what="gunicorn",
        )
        if not web.alive():
            raise SystemExit(f"gunicorn exited at start:\n{web.log()[-3000:]}")
        token = writers[0].token
        wait_for(
            lambda: (s := p2_standings(token)) is not None and not s["is_stale"],
            timeout=60,
            what="P2's standings to be fresh before the writes",
        )
        start = threading.Barrier(len(writers))
        threads = [
            threading.Thread(target=run_writer, args=(w, start, results, errors), daemon=True)
            for w in writers
        ]
        t0 = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=WRITES * (DEADLINE + 15) + 60)
        elapsed = time.monotonic() - t0
        if any(thread.is_alive() for thread in threads):
            errors.append("a writer thread did not finish in time")
    finally:
        web.stop()
        worker.stop()

    worker_log = worker.log()
    tasks_succeeded = sum(
        "evaluations.recompute_standings[" in line and "succeeded in" in line
        for line in worker_log.splitlines()
    )
    snapshots = list(
        StandingsSnapshot.objects.filter(phase__code=PHASE)
        .order_by("id")
        .values_list("duration_ms", flat=True)
    )[before:]
    fresh = [m.fresh_s for m in results if m.fresh_s is not None]
    missed = [m for m in results if m.fresh_s is None]
    worker_lags = [max(0.0, m.worker_s) for m in results if m.worker_s is not None]
    poll_lags = [max(0.0, m.seen_s) for m in results if m.seen_s is not None]
    writes = [m.write_s for m in results]
    print()
    print(f"{'measure':<56} {'value':>30}")
    rows = [
        ("writes measured (writers x writes)", f"{len(results)} ({WRITERS} x {WRITES})"),
        (
            "  score-sheet PUTs / panel-result POSTs",
            f"{sum(m.kind == 'evaluator' for m in results)} / {sum(m.kind == 'staff' for m in results)}",
        ),
        (f"  not fresh within {DEADLINE:.0f} s", str(len(missed))),
        ("  failed writes", str(len(errors))),
    ]
    if fresh:
        rows += [
            ("write response -> visible and fresh: p50 (ms)", ms(statistics.median(fresh))),
            ("  p95 (ms)", ms(percentile(fresh, 0.95))),
            ("  max (ms)", ms(max(fresh))),
            ("  mean polls per write", f"{statistics.mean(m.polls for m in results):.1f}"),
            (
                "  of which until the snapshot seen was written: p50 / p95",
                f"{ms(statistics.median(worker_lags))} / {ms(percentile(worker_lags, 0.95))}",
            ),
            (
                "  and from then until a poll showed it: p50 / p95",
                f"{ms(statistics.median(poll_lags))} / {ms(percentile(poll_lags, 0.95))}",
            ),
        ]
    if writes:
        rows += [
            (
                "write request itself: p50 / p95 (ms)",
                f"{ms(statistics.median(writes))} / {ms(percentile(writes, 0.95))}",
            )
        ]
    rows += [
        ("snapshots written during the writes", str(len(snapshots))),
        (
            "  recompute duration p50 / max (ms)",
            f"{statistics.median(snapshots):.0f} / {max(snapshots)}" if snapshots else "-",
        ),
        ("worker: recompute tasks run", str(tasks_succeeded)),
        ("  retried (another recompute held the phase)", str(worker_log.count("Retry in"))),
        (
            "  status written / current / superseded",
            " / ".join(str(worker_log.count(f"status={s} ")) for s in ("written", "current", "superseded")),
        ),
        ("wall time of the writes (s)", f"{elapsed:.1f}"),
    ]
    for label, value in rows:
        print(f"{label:<56} {value:>30}")
    print(
        f"(web: gunicorn, {WEB_WORKERS} sync workers, production settings, loopback; worker: celery "
        f"prefork, concurrency {WORKER_CONCURRENCY}, no beat; poll every {POLL * 1000:.0f} ms; "
        f"PostgreSQL + Redis; {os.cpu_count()} cores)"
    )
    for line in errors[:10]:
        print("error:", line)
    if fresh:
        p95 = percentile(fresh, 0.95)
        verdict = "met" if p95 < 1 and not missed else "NOT met"
        print(f"freshness p95 = {p95 * 1000:,.0f} ms over {len(fresh)} writes (target < 1 s: {verdict})")
    print(f"logs: {workdir}")
    return 0 if results and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
