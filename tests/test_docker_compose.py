"""No Docker engine runs here, so the compose file is checked for consistency with the settings."""

from __future__ import annotations

import contextlib
import copy
import http.cookiejar
import json
import os
import re
import secrets
import shlex
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
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


# --- The compose file against the compose specification's JSON schema ------------------------------------


def _compose_spec_errors(document: dict) -> list[str]:
    check_jsonschema = pytest.importorskip(
        "check_jsonschema", reason="check-jsonschema ships the compose-spec schema: run make install-test"
    )
    import json
    from importlib.resources import files

    from jsonschema.validators import validator_for

    vendor = files(check_jsonschema.__name__) / "builtin_schemas" / "vendor" / "compose-spec.json"
    schema = json.loads(vendor.read_text(encoding="utf-8"))
    validator = validator_for(schema)(schema)
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(document)
    ]


def test_compose_file_follows_the_compose_specification():
    assert _compose_spec_errors(COMPOSE) == []


def test_compose_specification_check_catches_a_mistake():
    broken = copy.deepcopy(COMPOSE)
    broken["services"]["web"]["depends_on"]["migrate"]["condition"] = "service_finished"
    broken["services"]["worker"]["restart"] = ["always"]
    errors = _compose_spec_errors(broken)
    # A wrong value inside a oneOf is reported at the property that holds it.
    assert any(error.startswith("services/web/depends_on:") for error in errors), errors
    assert any(error.startswith("services/worker/restart:") for error in errors), errors


# --- The compose commands and the README's, run directly: from nothing to a staff member signed in ----------


def _interpolate(value: str, dotenv: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error} against the .env file, and $$ for a dollar."""

    def substitute(match: re.Match) -> str:
        name, operator, argument = match.group(1), match.group(2), match.group(3)
        if dotenv.get(name):
            return dotenv[name]
        if operator == ":?":
            raise AssertionError(f"compose would stop: {name}: {argument}")
        return argument or ""

    return re.sub(r"\$\{([A-Z_]+)(?:(:-|:\?)([^}]*))?\}", substitute, value).replace("$$", "$")


def _readme_compose_steps() -> tuple[dict[str, str], list[list[str]]]:
    """The README's compose section: the .env it writes and each `docker compose run --rm web …` command."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Docker compose") :]
    fmt = re.search(r"printf '([^']*)'", section).group(1)
    dotenv = dict(line.split("=", 1) for line in fmt.split("\\n") if line)
    runs = [
        shlex.split(line.removeprefix("docker compose run --rm web "))
        for line in section.splitlines()
        if line.startswith("docker compose run --rm web ")
    ]
    return dotenv, runs


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run_in_image(command: list[str], env: dict[str, str], timeout: int = 300) -> str:
    """A command as the image would run it: `python` is this interpreter, other programs its venv's."""
    program = sys.executable if command[0] == "python" else str(Path(sys.executable).parent / command[0])
    result = subprocess.run(
        [program, *command[1:]], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, f"{command}:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    return result.stdout


@pytest.fixture(scope="module")
def compose_env(tmp_path_factory) -> dict[str, str]:
    """The web service's environment as compose interpolates it with the README's .env, except where the data
    lives: SQLite in a temporary directory for the `db` service, no Redis (eager Celery) for `redis`, and the
    static files collected as the image's build step does."""
    dotenv, _runs = _readme_compose_steps()
    assert dotenv.pop("SECRET_KEY") == "%s"
    dotenv["SECRET_KEY"] = secrets.token_urlsafe(50)
    base = tmp_path_factory.mktemp("compose")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "DEBUG", "ALLOWED_HOSTS")
    }
    env.update(
        {key: _interpolate(str(value), dotenv) for key, value in SERVICES["web"]["environment"].items()}
    )
    env.update(
        DATABASE_URL=f"sqlite:///{base / 'compose.sqlite3'}",
        MEDIA_ROOT=str(base / "media"),
        STATIC_ROOT=str(base / "static"),
    )
    del env["REDIS_URL"]
    _run_in_image(["python", "manage.py", "collectstatic", "--noinput", "-v0"], env)
    return env


def test_production_storage_collects_every_static_file(compose_env):
    """What the image's build step does: the manifest storage must resolve every reference (CSS url(), …)."""
    assert (Path(compose_env["STATIC_ROOT"]) / "staticfiles.json").is_file()


def test_readme_compose_commands_get_a_staff_member_signed_in_over_http(compose_env):
    env = compose_env
    _dotenv, runs = _readme_compose_steps()
    assert [run[:3] for run in runs] == [
        ["python", "manage.py", "load_kai_program"],
        ["python", "manage.py", "create_staff_user"],
    ]
    _run_in_image(SERVICES["migrate"]["command"], env)
    outputs = [_run_in_image(run, env) for run in runs]
    password = re.search(r"^Password \(shown only now\): (\S+)$", outputs[-1], flags=re.MULTILINE).group(1)
    username = runs[-1][3]

    # The web service's own command line, on a free loopback port instead of the container's 0.0.0.0:8000.
    port = _free_port()
    command = [part.replace("0.0.0.0:8000", f"127.0.0.1:{port}") for part in SERVICES["web"]["command"]]
    assert command[0] == "gunicorn" and f"127.0.0.1:{port}" in command
    web = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), *command[1:]],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        # The service's health check, pointed at that port.
        health = [
            part.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
            for part in SERVICES["web"]["healthcheck"]["test"]
        ]
        assert health[:2] == ["CMD", "python"]
        deadline = time.monotonic() + 60
        while subprocess.run([sys.executable, *health[2:]], capture_output=True, timeout=30).returncode != 0:
            assert web.poll() is None and time.monotonic() < deadline, web.stderr.read().decode()[-3000:]
            time.sleep(0.5)

        # A browser over plain http: cookies marked Secure would not come back, and the sign-in would fail.
        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
        base = f"http://127.0.0.1:{port}"
        page = browser.open(f"{base}/login/", timeout=30).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": token}
        )
        with pytest.raises(urllib.error.HTTPError) as signed_in:
            browser.open(
                urllib.request.Request(
                    f"{base}/login/", data=form.encode(), headers={"Referer": f"{base}/login/"}
                ),
                timeout=30,
            )
        assert signed_in.value.code == 302 and signed_in.value.headers["Location"] == "/", page[-500:]
        dashboard = browser.open(f"{base}/", timeout=30).read().decode()
        # Signed in, as ministry staff: the header names the user and offers the staff-only Users page.
        assert f'<span class="username">{username}</span>' in dashboard
        assert 'href="/accounts/users/"' in dashboard
    finally:
        web.terminate()
        try:
            web.wait(timeout=20)
        except subprocess.TimeoutExpired:
            web.kill()
            web.wait(timeout=20)
        web.stderr.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


# --- `docker compose up` twice in a row changes nothing ---------------------------------------------------
# No Docker engine runs here, so the test runs what the stack runs when it starts: each app service's
# entrypoint and command, as docker-compose.yml and the Dockerfile give them, against a fresh database of
# the same kind as the test run's (a SQLite file, or a new PostgreSQL database next to the test one).

# Programs that are the service itself: once one of them runs, the service is serving.
SERVERS = {"gunicorn", "celery"}
SEED = ["python", "manage.py", "load_kai_program"]  # the documented one-time command (checked above)

# Every row of every table, hashed per table: (row count, sha256), read by a child process.
_TABLES_SNAPSHOT = """
import hashlib, json, django
django.setup()
from django.db import connection
out = {}
with connection.cursor() as cursor:
    for table in sorted(connection.introspection.table_names()):
        cursor.execute(f'SELECT * FROM "{table}" ORDER BY 1')
        rows = [repr(row) for row in cursor.fetchall()]
        out[table] = [len(rows), hashlib.sha256("\\n".join(rows).encode()).hexdigest()]
print(json.dumps(out))
"""


def _dockerfile_entrypoint() -> list[str]:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [line for line in dockerfile.splitlines() if line.strip().upper().startswith("ENTRYPOINT")]
    return [json.loads(line.split(None, 1)[1]) for line in lines][-1] if lines else []


def _start_steps(name: str) -> list[list[str]]:
    """What the service runs before it serves: the ``manage.py`` steps of its entrypoint and command (split
    at ``&&`` and ``;`` when a shell runs them), up to the server program itself."""
    service = SERVICES[name]
    command = service.get("command", [])
    words = [
        *(service.get("entrypoint") or _dockerfile_entrypoint()),
        *(shlex.split(command) if isinstance(command, str) else command),
    ]
    if len(words) > 2 and words[0].endswith("sh") and words[1] == "-c":
        segments = [shlex.split(part) for part in re.split(r"&&|;", words[2])]
    else:
        segments = [words]
    steps: list[list[str]] = []
    for segment in filter(None, segments):
        segment = segment[1:] if segment[0] == "exec" else segment
        if segment[0] in SERVERS:
            break
        assert segment[:2] == ["python", "manage.py"], f"{name} starts with {segment!r}: teach this test it"
        steps.append(segment)
    return steps


def test_start_steps_are_read_from_the_compose_file():
    assert _start_steps("migrate") == [["python", "manage.py", "migrate", "--noinput"]]
    for name in LONG_RUNNING:
        assert _start_steps(name) == [], name


@contextlib.contextmanager
def _fresh_database(tmp_path):
    """A DATABASE_URL for an empty database of the kind the tests run on, dropped afterwards."""
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        yield f"sqlite:///{tmp_path / 'compose.sqlite3'}"
        return
    import psycopg2  # the driver the settings use

    config = settings.DATABASES["default"]
    name = f"{config['NAME']}_compose_{os.getpid()}"[:63]
    admin = {
        "host": config.get("HOST") or "127.0.0.1",
        "port": config.get("PORT") or 5432,
        "user": config.get("USER"),
        "password": config.get("PASSWORD") or None,
        "dbname": "postgres",
    }

    def execute(statement: str) -> None:
        connection = psycopg2.connect(**admin)
        connection.autocommit = True  # CREATE/DROP DATABASE cannot run in a transaction
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement)
        finally:
            connection.close()

    execute(f'DROP DATABASE IF EXISTS "{name}"')
    execute(f'CREATE DATABASE "{name}"')
    user = config.get("USER") or ""
    password = f":{config['PASSWORD']}" if config.get("PASSWORD") else ""
    try:
        yield f"postgres://{user}{password}@{admin['host']}:{admin['port']}/{name}"
    finally:
        execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _compose_environment(name: str, supplied: dict[str, str]) -> dict[str, str]:
    """The service's environment as Compose interpolates it: ``${VAR:-default}`` takes the default and
    ``${VAR:?message}`` needs ``supplied`` (the .env file's part)."""

    def value(match: re.Match) -> str:
        variable, operator, rest = match.groups()
        if variable in supplied:
            return supplied[variable]
        assert operator == "-", f"{variable} must be supplied: {rest}"
        return rest

    pattern = re.compile(r"\$\{(\w+)(?::([-?])([^}]*))?\}")
    return {key: pattern.sub(value, str(raw)) for key, raw in SERVICES[name]["environment"].items()}


def _run(step: list[str], env: dict) -> str:
    result = subprocess.run(
        [sys.executable, *step[1:]], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"{' '.join(step)}:\n{result.stderr[-3000:]}"
    return result.stdout


def test_starting_the_stack_twice_changes_no_row_and_writes_no_audit_event(tmp_path):
    """Fresh database: the stack starts (migrate, then each service's start steps), the program is seeded
    once with the documented command, and the stack starts again, and once more: neither restart changes
    a row of any table (the audit table included)."""
    starts = [step for name in APP_SERVICES for step in _start_steps(name)]
    assert starts  # at least the migrations
    with _fresh_database(tmp_path) as url:
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DEBUG")}
        env.update(_compose_environment("migrate", {"SECRET_KEY": "x" * 60}))
        # This machine's database and media folder; Celery and the cache on their embedded defaults (the
        # start steps and the seed need no broker, and the compose file's hosts do not exist here).
        env.update(DATABASE_URL=url, MEDIA_ROOT=str(tmp_path / "media"))
        env.pop("REDIS_URL")
        for step in starts:
            _run(step, env)
        seeded = _run(SEED, env)
        assert "Recorded as audit event #" in seeded
        after_seed = json.loads(_run(["python", "-c", _TABLES_SNAPSHOT], env))
        assert after_seed["common_auditevent"][0] > 0 and after_seed["evaluations_phase"][0] == 5
        for _again in range(2):
            for step in starts:
                _run(step, env)
            assert json.loads(_run(["python", "-c", _TABLES_SNAPSHOT], env)) == after_seed
