"""Throwaway Postgres and Redis servers on loopback for tests (Debian packages).

`make system-deps` installs postgresql and redis-server. Each server gets a
free port, a temp folder and no persistence beyond the test session; nothing
touches the machine's own clusters or services. Postgres refuses to run as
root, so as root the cluster belongs to the `postgres` user (runuser).
"""

import glob
import os
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List, Optional

from tools.stack.servers import free_port, terminate

INSTALL_HINT = "run `make system-deps` (Debian packages postgresql and redis-server)"


class ServiceError(RuntimeError):
    pass


def postgres_bindir() -> Path:
    """The newest Debian Postgres bin folder, or the folder of initdb on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(os.path.realpath(initdb)).parent
    raise ServiceError(f"Postgres (initdb, pg_ctl) not found: {INSTALL_HINT}")


class Postgres:
    """A Postgres cluster in a temp folder: trust auth for user postgres, TCP on 127.0.0.1 only."""

    def __init__(self, port: Optional[int] = None):
        self.bindir = postgres_bindir()
        self.port = port or free_port()
        # Not under pytest's tmp_path: that tree is private to the current user.
        self.dir = Path(tempfile.mkdtemp(prefix="pump-pg-"))
        self.data = self.dir / "data"
        self.logfile = self.dir / "postgres.log"
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        self.started = False

    def _run(self, args: List[str], timeout: float = 120) -> None:
        cmd = (["runuser", "-u", "postgres", "--"] if self.as_root else []) + args
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=self.dir)
        if result.returncode != 0:
            raise ServiceError(f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")

    def start(self) -> "Postgres":
        if not self.data.exists():
            self._run(
                [
                    str(self.bindir / "initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--no-sync",
                ]
            )
        # fsync off: a test cluster does not need to survive a power cut, and it is much faster.
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            f"-c full_page_writes=off -c max_connections=300"
        )
        self._run(
            [
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.logfile),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ]
        )
        self.started = True
        return self

    def stop(self) -> None:
        if self.started:
            self._run([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"])
            self.started = False

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        import psycopg2

        conn = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres")
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(f'CREATE DATABASE "{name}"')
        finally:
            conn.close()
        return self.url(name)


class Redis:
    """redis-server on 127.0.0.1 with persistence off."""

    def __init__(self, port: Optional[int] = None):
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not os.path.exists(binary):
            raise ServiceError(f"redis-server not found: {INSTALL_HINT}")
        self.binary = binary
        self.port = port or free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="pump-redis-"))
        self.proc: Optional[subprocess.Popen] = None
        self._next_db = 0

    def start(self) -> "Redis":
        import redis

        self.log = open(self.dir / "redis.log", "w")
        self.proc = subprocess.Popen(
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
                "--daemonize",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2)
        deadline = time.time() + 30
        while True:
            if self.proc.poll() is not None:
                raise ServiceError(f"redis-server exited with {self.proc.returncode}; see {self.dir / 'redis.log'}")
            try:
                client.ping()
                return self
            except redis.exceptions.RedisError as exc:
                if time.time() > deadline:
                    raise ServiceError(f"redis-server on port {self.port} did not answer in 30 s") from exc
                time.sleep(0.1)

    def url(self, db: Optional[int] = None) -> str:
        """A redis:// URL; without db, the next unused database number (0-15), so tests do not share locks."""
        if db is None:
            db, self._next_db = self._next_db % 16, self._next_db + 1
        return f"redis://127.0.0.1:{self.port}/{db}"

    def cleanup(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            terminate(self.proc, timeout=10)
            self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


@contextmanager
def postgres_server() -> Iterator[Postgres]:
    server = Postgres()
    try:
        yield server.start()
    finally:
        server.cleanup()


@contextmanager
def redis_server() -> Iterator[Redis]:
    server = Redis()
    try:
        yield server.start()
    finally:
        server.cleanup()
