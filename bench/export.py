#!/usr/bin/env python
"""Export 1,000,000 result rows as CSV through the real endpoint and compare with PostgreSQL COPY.

Seeds a dedicated PostgreSQL database (kai_bench_export) with synthetic result rows once, starts gunicorn
(1 sync worker, production settings) on loopback, downloads /api/v1/exports/results.csv as an auditor,
and prints rows/s, the worker's peak RSS (VmHWM), and the rows/s of `COPY (same query) TO STDOUT`.

    .venv/bin/python bench/export.py            # ROWS=1000000 PORT=8766
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROWS = int(os.environ.get("ROWS", "1000000"))
PORT = int(os.environ.get("PORT", "8766"))
BENCHMARKS = 50
DB = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kai_bench_export")

ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "kai_portal.settings.production",
    "DATABASE_URL": DB,
    "SECRET_KEY": "bench-" + secrets.token_urlsafe(48),
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
    "API_THROTTLE_RATE": "100000000/minute",
}
ENV.pop("REDIS_URL", None)
os.environ.update(ENV)
sys.path.insert(0, str(ROOT))


def ensure_database() -> None:
    name = DB.rsplit("/", 1)[1]
    exists = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-qtAc",
            f"SELECT 1 FROM pg_database WHERE datname='{name}'",
            "postgres",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if exists != "1":
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {name}", "postgres"],
            check=True,
        )


def seed() -> str:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from common.roles import Role
    from common.services import api_token_create, user_set_roles
    from consortia.models import Organization
    from consortia.services import affiliation_set
    from evaluations.models import Benchmark, Phase, ResultRow
    from portal.program_loader import DEFAULT_PROGRAM_FILE, program_file_read, program_load

    call_command("migrate", verbosity=0)
    program_load(data=program_file_read(DEFAULT_PROGRAM_FILE))
    user, _ = get_user_model().objects.get_or_create(username="bench_auditor")
    user_set_roles(user=user, roles=[Role.AUDITOR])
    affiliation_set(user=user, organization=Organization.objects.get(name_en="Board of Audit and Inspection"))
    token = api_token_create(user=user, name="bench-export")[1]

    if ResultRow.objects.count() != ROWS:
        t0 = time.perf_counter()
        phase = Phase.objects.get(code="P2")
        with connection.cursor() as cur:
            cur.execute("DELETE FROM evaluations_resultrow")
            cur.execute("DELETE FROM evaluations_resultupload WHERE file LIKE 'results/bench/%%'")
            Benchmark.objects.bulk_create(
                [
                    Benchmark(code=f"BENCH-{i:03d}", name=f"Synthetic {i}", category="knowledge")
                    for i in range(BENCHMARKS)
                ],
                ignore_conflicts=True,
            )
            uploads = -(-ROWS // BENCHMARKS)
            cur.execute(
                """
                INSERT INTO evaluations_resultupload
                    (phase_id, consortium_id, uploaded_by_id, uploaded_at, file,
                    display_name, sha256, size, format, encoding, row_count, is_current)
                SELECT %s, c.ids[1 + g %% array_length(c.ids, 1)], %s, now() - (g || ' seconds')::interval,
                       'results/bench/' || g || '.csv', '=bench-' || g || '.csv',
                       md5(g::text) || md5((g + 1)::text), 4096, 'csv', 'utf-8', %s, false
                FROM generate_series(1, %s) g, (SELECT array_agg(id) AS ids FROM consortia_consortium) c
                """,
                [phase.pk, user.pk, BENCHMARKS, uploads],
            )
            cur.execute(
                """
                INSERT INTO evaluations_resultrow
                    (upload_id, benchmark_id, score, model_version, notes, source_row)
                SELECT u.id, b.id, round((random() * 100)::numeric, 4), 'v' || (u.id %% 7),
                       CASE WHEN b.n %% 10 = 0 THEN '=HYPERLINK("http://x")'
                            ELSE '평가 메모 ' || b.n END,
                       b.n + 2
                FROM (SELECT id FROM evaluations_resultupload WHERE file LIKE 'results/bench/%%') u
                CROSS JOIN (SELECT id, row_number() OVER (ORDER BY code) AS n FROM evaluations_benchmark
                            WHERE code LIKE 'BENCH-%%') b
                ORDER BY u.id, b.n
                LIMIT %s
                """,
                [ROWS],
            )
            cur.execute("ANALYZE evaluations_resultrow")
        print(f"seeded {ResultRow.objects.count():,} result rows in {time.perf_counter() - t0:.1f} s")
    return token


def copy_rows_per_second() -> tuple[float, int]:
    """COPY of the same query the export runs (same joins, same columns, same order)."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from common.exports import export_specs

    spec = export_specs()["results"]
    auditor = get_user_model().objects.get(username="bench_auditor")  # what the endpoint's user sees
    qs = spec.queryset(auditor).values_list(*(c.source for c in spec.columns))
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cur:
        inner = cur.mogrify(sql, params).decode()

    class Sink:
        size = 0

        def write(self, data):
            self.size += len(data)

    sink = Sink()
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.cursor.copy_expert(f"COPY ({inner}) TO STDOUT WITH (FORMAT csv, HEADER)", sink)
        rows = cur.rowcount
    elapsed = time.perf_counter() - t0
    return rows / elapsed, sink.size


def peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def main() -> None:
    ensure_database()
    token = seed()
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=ENV, check=True
    )
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),  # the venv running this script
            "kai_portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "1",
            "--timeout",
            "600",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=ENV,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/api/v1/ping/", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        worker = int(
            subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()[0]
        )
        rss_before = peak_rss_kib(worker)
        request = urllib.request.Request(
            f"http://127.0.0.1:{PORT}/api/v1/exports/results.csv", headers={"Authorization": f"Token {token}"}
        )
        t0 = time.perf_counter()
        lines = size = 0
        first_byte = None
        with urllib.request.urlopen(request, timeout=600) as response:
            while chunk := response.read(1 << 20):
                if first_byte is None:
                    first_byte = time.perf_counter() - t0
                lines += chunk.count(b"\n")
                size += len(chunk)
        elapsed = time.perf_counter() - t0
        rows = lines - 1  # header
        peak = peak_rss_kib(worker)
    finally:
        server.terminate()
        server.wait(timeout=30)

    copy_rate, copy_size = copy_rows_per_second()
    endpoint_rate = rows / elapsed
    print()
    print(f"{'measure':<44} {'value':>16}")
    print(f"{'rows exported through /api/v1/exports/results.csv':<44} {rows:>16,}")
    print(f"{'endpoint rows/s':<44} {endpoint_rate:>16,.0f}")
    print(f"{'endpoint time to first byte (s)':<44} {first_byte:>16.2f}")
    print(f"{'endpoint total time (s)':<44} {elapsed:>16.1f}")
    print(f"{'CSV size (MB)':<44} {size / 1e6:>16.1f}")
    print(f"{'worker RSS before export (MB)':<44} {rss_before / 1024:>16.1f}")
    print(f"{'worker peak RSS, VmHWM (MB)':<44} {peak / 1024:>16.1f}")
    print(f"{'PostgreSQL COPY ... TO STDOUT rows/s':<44} {copy_rate:>16,.0f}")
    print(f"{'endpoint / COPY':<44} {endpoint_rate / copy_rate:>16.2f}")
    print(f"(targets: endpoint >= 1/3 of COPY; peak RSS < 200 MB; {os.cpu_count()} cores, loopback)")


if __name__ == "__main__":
    main()
