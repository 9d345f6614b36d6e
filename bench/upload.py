#!/usr/bin/env python
"""Upload bench: how fast a results CSV is read, validated and stored, and how a too-big one is refused.

Uses its own PostgreSQL database (kai_bench_upload). Prints, in one table:
  * the strict reader (common.uploads.read_table: size check, UTF-8/CP949 decoding, CSV parsing) on a
    100,000-row CSV, in rows/s;
  * the full result upload through the real API endpoint (POST /api/v1/result-uploads/, in process) of a
    file at the row limit (10,000 rows): validation, storage, rows inserted, audit event;
  * the same endpoint refusing the 100,000-row file (over the row limit), and the time it took;
  * the whole upload of the 100,000-row file through the same endpoint, with the row limit raised to 100,000
    for this measurement only (the portal's limit stays 10,000): what a ten-times-larger file would cost.

    .venv/bin/python bench/upload.py
"""

from __future__ import annotations

import io
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kai_bench_upload")
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "kai_portal.settings.production",
        "DATABASE_URL": DB,
        "SECRET_KEY": "bench-" + secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "API_THROTTLE_RATE": "100000000/minute",
        "MEDIA_ROOT": "/tmp/kai-bench-upload-media",
    }
)
os.environ.pop("REDIS_URL", None)
sys.path.insert(0, str(ROOT))

BIG_ROWS = 100_000
LIMIT_ROWS = 10_000


def ensure_database() -> None:
    name = DB.rsplit("/", 1)[1]
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {name}", "postgres"],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {name}", "postgres"],
        check=True,
    )


def csv_bytes(codes: list[str], rows: int) -> bytes:
    out = io.StringIO()
    out.write("\ufeffbenchmark,score,model_version,notes\r\n")
    for i in range(rows):
        out.write(f"{codes[i % len(codes)]},{(i * 37) % 10000 / 100:.2f},v1,평가 {i}\r\n")
    return out.getvalue().encode("utf-8")


def main() -> None:
    ensure_database()
    import django

    django.setup()
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.test import Client

    from common.roles import Role
    from common.services import api_token_create
    from common.uploads import Column, read_table
    from consortia.models import Consortium, Program
    from evaluations.models import Benchmark, Phase, PhaseBenchmark, PhaseParticipant, ResultRow, TargetModel
    from portal.program_loader import DEFAULT_PROGRAM_FILE, program_file_read, program_load

    call_command("migrate", verbosity=0)
    # Production settings serve static files through WhiteNoise, which warns when they were never collected.
    call_command("collectstatic", interactive=False, verbosity=0)
    program_load(data=program_file_read(DEFAULT_PROGRAM_FILE))
    program = Program.objects.get()
    lg = Consortium.objects.get(code="LG")
    Benchmark.objects.bulk_create(
        Benchmark(code=f"UB-{i:06d}", name=f"Upload bench {i}", category="knowledge") for i in range(BIG_ROWS)
    )
    benchmarks = list(Benchmark.objects.filter(code__startswith="UB-").order_by("code"))
    # Two open phases: BENCH-UP sets 10,000 benchmarks (a file at the limit is complete),
    # BENCH-UP-BIG all 100,000.
    for order, (code, count) in enumerate((("BENCH-UP", LIMIT_ROWS), ("BENCH-UP-BIG", BIG_ROWS)), start=98):
        phase = Phase.objects.create(
            program=program,
            code=code,
            order=order,
            name=f"Upload bench {code}",
            status="open",
            teams_advancing=1,
        )
        PhaseBenchmark.objects.bulk_create(
            PhaseBenchmark(phase=phase, benchmark=b, group="common") for b in benchmarks[:count]
        )
        PhaseParticipant.objects.create(phase=phase, consortium=lg)
        TargetModel.objects.create(phase=phase, consortium=lg, reference_model="DeepSeek-V3.2")
    from django.contrib.auth import get_user_model

    from common.services import user_set_roles
    from consortia.services import affiliation_set

    member = get_user_model().objects.create_user(username="bench_member", password=secrets.token_urlsafe(16))
    user_set_roles(user=member, roles=[Role.CONSORTIUM_MEMBER])
    affiliation_set(user=member, organization=lg.lead, consortium=lg)
    token = api_token_create(user=member, name="bench")[1]
    codes = [b.code for b in benchmarks]

    big = csv_bytes(codes, BIG_ROWS)
    columns = [
        Column("benchmark"),
        Column("score"),
        Column("model_version", required=False),
        Column("notes", required=False),
    ]
    t0 = time.perf_counter()
    table = read_table(
        file=SimpleUploadedFile("big.csv", big), columns=columns, max_bytes=len(big) + 1, max_rows=BIG_ROWS
    )
    read_seconds = time.perf_counter() - t0
    assert len(table.rows) == BIG_ROWS

    client = Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_HOST="127.0.0.1")
    at_limit = csv_bytes(codes, LIMIT_ROWS)
    profiler = None
    if os.environ.get("PROFILE"):
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    t0 = time.perf_counter()
    response = client.post(
        "/api/v1/result-uploads/",
        {"phase": "BENCH-UP", "consortium": "LG", "file": SimpleUploadedFile("limit.csv", at_limit)},
    )
    upload_seconds = time.perf_counter() - t0
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    assert response.status_code == 201, response.content[:500]

    t0 = time.perf_counter()
    refused = client.post(
        "/api/v1/result-uploads/",
        {"phase": "BENCH-UP", "consortium": "LG", "file": SimpleUploadedFile("big.csv", big)},
    )
    refuse_seconds = time.perf_counter() - t0
    assert refused.status_code == 400, refused.content[:500]
    reason = refused.json()["errors"][0]["reason"]

    import evaluations.uploads

    evaluations.uploads.MAX_ROWS = BIG_ROWS  # this bench only: the whole 100,000-row file, stored
    t0 = time.perf_counter()
    whole = client.post(
        "/api/v1/result-uploads/",
        {"phase": "BENCH-UP-BIG", "consortium": "LG", "file": SimpleUploadedFile("big.csv", big)},
    )
    whole_seconds = time.perf_counter() - t0
    assert whole.status_code == 201, whole.content[:500]
    assert ResultRow.objects.filter(upload_id=whole.json()["id"]).count() == BIG_ROWS

    print()
    print(f"{'measure':<58} {'value':>14}")
    read_label = f"read_table, 100,000-row CSV ({len(big) / 1e6:.1f} MB): rows/s"
    print(f"{read_label:<58} {BIG_ROWS / read_seconds:>14,.0f}")
    print(f"{'POST /api/v1/result-uploads/, 10,000 rows (limit): seconds':<58} {upload_seconds:>14.2f}")
    print(f"{'  rows/s validated and stored':<58} {LIMIT_ROWS / upload_seconds:>14,.0f}")
    print(f"{'POST of the 100,000-row file: refused in seconds':<58} {refuse_seconds:>14.2f}")
    print(f"{'POST of the 100,000-row file, limit raised (bench only): seconds':<58} {whole_seconds:>14.2f}")
    print(f"{'  rows/s validated and stored':<58} {BIG_ROWS / whole_seconds:>14,.0f}")
    print(f"  refusal: {reason}")
    limits = f"{settings.KAI_UPLOAD_MAX_BYTES:,} bytes, {LIMIT_ROWS:,} rows"
    print(f"(upload limits: {limits}; {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
