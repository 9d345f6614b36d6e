"""No Docker engine runs here, so the compose file is checked for consistency with the settings."""

from __future__ import annotations

from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES = COMPOSE["services"]
APP_SERVICES = ("migrate", "web", "worker", "beat")
LONG_RUNNING = ("web", "worker", "beat")


def _command(name: str) -> str:
    command = SERVICES[name].get("command", "")
    return command if isinstance(command, str) else " ".join(command)


def test_compose_has_the_six_services():
    assert set(SERVICES) == {"db", "redis", "migrate", "web", "worker", "beat"}


def test_app_services_share_one_image_built_from_the_dockerfile():
    images = {SERVICES[name]["image"] for name in APP_SERVICES}
    builds = {SERVICES[name]["build"] for name in APP_SERVICES}
    assert images == {"kai-portal:latest"} and builds == {"."}
    assert (ROOT / "Dockerfile").is_file()


def test_worker_and_beat_use_the_celery_app():
    assert SERVICES["worker"]["command"][:4] == ["celery", "-A", "kai_portal", "worker"]
    assert SERVICES["beat"]["command"][:4] == ["celery", "-A", "kai_portal", "beat"]
    assert SERVICES["web"]["command"][:2] == ["gunicorn", "kai_portal.wsgi:application"]


def test_app_environment_points_at_the_compose_services():
    from kai_portal.env import database_from_env, redis_url_from_env

    for name in APP_SERVICES:
        env = SERVICES[name]["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "kai_portal.settings.production"
        db = SERVICES["db"]["environment"]
        assert (
            env["DATABASE_URL"]
            == f"postgres://{db['POSTGRES_USER']}:{db['POSTGRES_PASSWORD']}@db:5432/{db['POSTGRES_DB']}"
        )
        assert env["REDIS_URL"].startswith("redis://redis:6379/")
        # The same readers the settings use accept these values.
        import os

        os.environ["_KAI_PROBE_DB"], os.environ["_KAI_PROBE_REDIS"] = env["DATABASE_URL"], env["REDIS_URL"]
        try:
            assert database_from_env("_KAI_PROBE_DB", "unused")["ENGINE"] == "django.db.backends.postgresql"
            assert redis_url_from_env("_KAI_PROBE_REDIS") == env["REDIS_URL"]
        finally:
            del os.environ["_KAI_PROBE_DB"], os.environ["_KAI_PROBE_REDIS"]
        assert "SECRET_KEY" in env and "ALLOWED_HOSTS" in env


def test_every_variable_the_app_gets_is_documented():
    documented = (ROOT / ".env.example").read_text(encoding="utf-8")
    for key in SERVICES["web"]["environment"]:
        if key != "DJANGO_SETTINGS_MODULE":
            assert f"# {key}=" in documented, key


def test_services_have_healthchecks_and_the_app_waits_for_them_and_for_the_migrations():
    for name in ("db", "redis", "web", "worker"):
        assert "test" in SERVICES[name]["healthcheck"], name
    for name in LONG_RUNNING:
        assert SERVICES[name]["depends_on"] == {
            "db": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }, name
    assert "/healthz" in " ".join(SERVICES["web"]["healthcheck"]["test"])


def test_migrations_run_once_in_a_one_shot_service():
    migrate = SERVICES["migrate"]
    assert migrate["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert migrate["depends_on"] == {"db": {"condition": "service_healthy"}}
    # One-shot: never restarted (a restart policy would rerun it forever, and the others wait for its exit).
    assert migrate["restart"] == "no"
    for name in LONG_RUNNING:
        assert "migrate" not in _command(name), name


def test_starting_the_stack_never_loads_the_program_file():
    """`docker compose up` twice in a row changes nothing: seeding is a documented one-time command."""
    for name in SERVICES:
        assert "load_kai_program" not in _command(name), name
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docker compose run --rm web python manage.py load_kai_program" in readme


def test_database_has_a_volume():
    assert "pgdata:/var/lib/postgresql/data" in SERVICES["db"]["volumes"]
    assert "pgdata" in COMPOSE["volumes"]


def test_redis_broker_never_evicts():
    assert "noeviction" in SERVICES["redis"]["command"]


def test_postgres_major_version_matches_the_ci_server():
    assert SERVICES["db"]["image"] == "postgres:15"
    assert settings.DATABASES["default"]["ENGINE"] in (
        "django.db.backends.postgresql",
        "django.db.backends.sqlite3",
    )


def test_image_collects_static_files_with_the_production_storage():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    command = next(line for line in dockerfile.splitlines() if "collectstatic" in line)
    step = command.split("&&")[-1]
    assert "DJANGO_SETTINGS_MODULE=kai_portal.settings.production" in step and "collectstatic" in step


def test_production_storage_collects_every_static_file(tmp_path):
    """What the image's build step does: the manifest storage must resolve every reference (CSS url(), …)."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DEBUG")}
    env.update(
        DJANGO_SETTINGS_MODULE="kai_portal.settings.production",
        SECRET_KEY="x" * 60,
        ALLOWED_HOSTS="portal.example.go.kr",
    )
    code = (
        "import django, sys; from django.conf import settings; settings.STATIC_ROOT = sys.argv[1]; "
        "django.setup(); from django.core.management import call_command; "
        "call_command('collectstatic', interactive=False, verbosity=0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "staticfiles.json").is_file()
