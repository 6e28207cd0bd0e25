"""The run's own PostgreSQL cluster, Redis and gunicorn, on free ports of 127.0.0.1.

Each service is started and stopped by this process only, in a temporary
directory; the machine's own PostgreSQL (5432) and Redis are never touched.
"""

import glob
import http.client
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not come up within {timeout:.0f} s")


class Postgres:
    """A throwaway cluster: initdb in a temporary directory, trust auth, TCP on 127.0.0.1 only."""

    def __init__(self, workdir: Path, log):
        candidates = sorted(
            glob.glob("/usr/lib/postgresql/*/bin/initdb"),
            key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
        )
        if not candidates:
            raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
        self.bin = Path(candidates[-1]).parent
        self.version = self.bin.parent.name
        self.dir = workdir / "pg"
        self.data = self.dir / "data"
        self.logfile = self.dir / "postgres.log"
        self.port = free_port()
        self.log = log
        self.running = False
        # initdb refuses to run as root: the cluster then belongs to the postgres user.
        self.as_user = None
        if os.geteuid() == 0:
            try:
                self.as_user = pwd.getpwnam("postgres")
            except KeyError:
                raise RuntimeError("running as root and there is no postgres user") from None

    def _run(self, *args, timeout=60, check=True):
        command = [str(a) for a in args]
        if self.as_user is not None:
            command = ["runuser", "-u", self.as_user.pw_name, "--", *command]
        return subprocess.run(  # noqa: S603 (our own arguments)
            command, check=check, timeout=timeout, capture_output=True, text=True, cwd="/"
        )

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/agora"

    @property
    def admin_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def init(self) -> None:
        self.dir.mkdir()
        if self.as_user is not None:
            # The postgres user must reach its directory (nothing secret lives there).
            os.chmod(self.dir.parent, 0o755)  # noqa: S103
            os.chown(self.dir, self.as_user.pw_uid, self.as_user.pw_gid)
        self._run(
            self.bin / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust",
            "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(
                "\n# reliability run\n"
                f"port = {self.port}\n"
                "listen_addresses = '127.0.0.1'\n"
                "unix_socket_directories = ''\n"
                "max_connections = 100\n"
            )

    def start(self) -> None:
        self._run(self.bin / "pg_ctl", "-D", self.data, "-l", self.logfile, "-w", "-t", "30",
                  "start")  # fmt: skip
        self.running = True
        _wait(lambda: _port_open(self.port), 30, "PostgreSQL")

    def stop(self, mode: str = "fast") -> None:
        self._run(self.bin / "pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "30", "stop",
                  check=False)  # fmt: skip
        self.running = False

    def create_database(self) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute('CREATE DATABASE "agora"')


class Redis:
    """A private redis-server, no persistence: a restart comes back empty, as a new node would."""

    def __init__(self, workdir: Path, log):
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            raise RuntimeError("redis-server is not installed")
        self.port = free_port()
        self.dir = workdir / "redis"
        self.dir.mkdir()
        self.process: subprocess.Popen | None = None
        self.paused = False
        self.log = log

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [
                self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", str(self.dir),
                "--protected-mode", "yes", "--daemonize", "no",
            ],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=self.dir,
        )  # fmt: skip
        _wait(lambda: _port_open(self.port), 10, "redis-server")

    def stop(self) -> None:
        """Gone: connections refused."""
        if self.process is None:
            return
        if self.paused:
            self.resume()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def pause(self) -> None:
        """Accepts connections (the kernel does) but never answers."""
        if self.process is not None:
            self.process.send_signal(signal.SIGSTOP)
            self.paused = True

    def resume(self) -> None:
        if self.process is not None and self.paused:
            self.process.send_signal(signal.SIGCONT)
            self.paused = False


class Gunicorn:
    def __init__(self, workdir: Path, env: dict, workers: int = 3):
        self.port = free_port()
        self.env = env
        self.workers = workers
        self.logfile = workdir / "gunicorn.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        log = open(self.logfile, "ab")  # noqa: SIM115 (closed with the process)
        self.process = subprocess.Popen(  # noqa: S603
            [
                sys.executable, "-m", "gunicorn", "forum.wsgi",
                "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
                "--log-level", "warning",
            ],
            env=self.env, cwd=ROOT, stdout=log, stderr=log,
        )  # fmt: skip
        log.close()
        _wait(self._answers, 40, "gunicorn")

    def _answers(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({self.process.returncode}): see {self.logfile}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            conn.request("GET", "/healthz")
            return conn.getresponse().status == 200
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None
