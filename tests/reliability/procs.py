"""Real processes for the fault tests, all on loopback and all bounded in time: a redis-server on a free port,
a TCP listener that plays a hung Redis, and `celery -A kai_portal worker` (prefork pool) against the test
database. Nothing here touches anything but 127.0.0.1 and the test's own temporary directory."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(predicate: Callable[[], T], *, timeout: float, what: str, interval: float = 0.1) -> T:
    """Poll ``predicate`` until it returns something truthy; fail naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


class DeadlineExceeded(BaseException):
    """Not an Exception, so no ``except Exception`` (robust on-commit callbacks, retry loops) swallows it."""


@contextlib.contextmanager
def time_limit(seconds: float, what: str):
    """Interrupt the block (SIGALRM, main thread) if it runs longer than ``seconds``, and again every second
    after that: a regression that blocks on a socket fails the test instead of hanging CI."""

    def interrupt(_signum, _frame):
        raise DeadlineExceeded(f"{what} still running after {seconds:.0f} s")

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def database_url(settings_dict: dict) -> str:
    """The test database as a DATABASE_URL, for a worker process."""
    user = quote(settings_dict.get("USER") or "")
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{quote(password)}@" if password else f"{user}@" if user else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"


def _stop(process: subprocess.Popen, *, group: bool, timeout: float = 15) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        (os.killpg(process.pid, signal.SIGTERM) if group else process.terminate())
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            (os.killpg(process.pid, signal.SIGKILL) if group else process.kill())
        process.wait(timeout=timeout)


class RedisServer:
    """redis-server on 127.0.0.1:<port>, no persistence; stop() and start() again on the same port."""

    def __init__(self, workdir: Path, port: int | None = None):
        self.binary = shutil.which("redis-server")
        self.workdir = workdir
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
                "--logfile",
                str(self.workdir / f"redis-{self.port}.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self.ping, timeout=10, what=f"redis-server on port {self.port}")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process, group=False)
            self.process = None


class HungRedis:
    """A TCP listener that accepts connections and never answers: a hung or overloaded Redis."""

    def __init__(self):
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(64)
        self.server.settimeout(0.1)
        self.port = self.server.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self.closing = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _accept(self) -> None:
        while not self.closing.is_set():
            try:
                conn, _address = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted.append(conn)

    def close(self) -> None:
        self.closing.set()
        self.thread.join(timeout=5)
        self.server.close()
        for conn in self.accepted:
            conn.close()


class CeleryWorker:
    """`celery -A kai_portal worker -P prefork -c 1` in its own process group, logging to a file."""

    def __init__(self, *, broker_url: str, database_url: str, workdir: Path, name: str, beat: bool = False):
        self.log_path = workdir / f"{name}.log"
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
            # The project's settings with the beat interval shortened (tests/reliability/worker_settings.py).
            "DJANGO_SETTINGS_MODULE": "tests.reliability.worker_settings",
            "DATABASE_URL": database_url,
            "REDIS_URL": broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
        }
        self.args = [
            str(CELERY),
            "-A",
            "kai_portal",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            "1",
            "--loglevel",
            "INFO",
            "--hostname",
            f"{name}@127.0.0.1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        if beat:
            self.args += ["--beat", "--schedule", str(workdir / f"{name}-beat-schedule")]
        self.process: subprocess.Popen | None = None
        self._log = None

    def start(self, *, timeout: float = 60) -> None:
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.args,
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until(
            lambda: " ready." in self.log() or self.process.poll() is not None,
            timeout=timeout,
            what=f"worker {self.log_path.stem} to start",
        )
        assert self.process.poll() is None, f"the worker exited at start:\n{self.log()[-3000:]}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def pool_children(self) -> list[int]:
        """The prefork pool's child processes (Linux /proc)."""
        children: list[int] = []
        for task in Path(f"/proc/{self.process.pid}/task").glob("*"):
            with contextlib.suppress(OSError):
                children += [int(pid) for pid in (task / "children").read_text().split()]
        return children

    def kill_pool_child(self) -> int:
        """SIGKILL the child running the task (the main process survives and notices)."""
        children = wait_until(self.pool_children, timeout=10, what="the worker's pool child")
        assert len(children) == 1, f"expected one pool child with --concurrency 1, found {children}"
        os.kill(children[0], signal.SIGKILL)
        return children[0]

    def kill_everything(self) -> None:
        """SIGKILL the main process and its pool at once: nothing gets to ack, reject or clean up."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process, group=True)
        if self._log is not None:
            self._log.close()
            self._log = None


def redis_server_available() -> bool:
    return shutil.which("redis-server") is not None
