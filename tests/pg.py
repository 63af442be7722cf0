"""A real PostgreSQL server for the tests (issue 14): started on 127.0.0.1 on a free port, in a
temporary folder, with `initdb` and `pg_ctl`; one per test process (each xdist worker has its own),
stopped when the process ends. Each test gets a fresh database of it as a URL (`pg_url` in
tests/conftest.py, or `pg_url_for_process()` for tests that start server subprocesses).

PostgreSQL refuses to run as root: when the tests run as root, the server runs as the unprivileged
user `postgres` (Debian's package makes it) or, failing that, `district-pg` (made here), and the
temporary folder is that user's. The server trades durability for speed (`fsync=off`): a test
database need not survive a power cut.

No PostgreSQL installed: `PostgresMissing`, whose message names the package (the tests fail with
it; .ci/run installs the package on a fresh machine).
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
from pathlib import Path

USER = "district"  # the database's superuser (trust authentication, loopback only)

SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    "shared_buffers": "32MB",
    "log_min_messages": "warning",
    "log_connections": "off",
}


class PostgresMissing(RuntimeError):
    pass


def find_bindir() -> Path:
    """The folder of PostgreSQL's server programs (initdb, pg_ctl, psql)."""
    candidates: list[Path] = []
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        out = subprocess.run(
            ["pg_config", "--bindir"], capture_output=True, text=True, timeout=10, check=True
        )
        candidates.append(Path(out.stdout.strip()))
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: int(p.split("/")[-2]) if p.split("/")[-2].isdigit() else 0,
        reverse=True,
    )
    candidates += [Path(p) for p in versions]
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for d in candidates:
        if all((d / p).is_file() for p in ("initdb", "pg_ctl", "psql")):
            return d
    raise PostgresMissing(
        "PostgreSQL is not installed (no initdb, pg_ctl and psql in `pg_config --bindir`, "
        "/usr/lib/postgresql/*/bin or the PATH): the store tests need a real PostgreSQL server; "
        "install Debian's package `postgresql` (apt-get install postgresql), as .ci/run does"
    )


def _unprivileged_user() -> str | None:
    """Who runs the server: None (this user) unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "district-pg"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "district-pg"],
        check=True,
        capture_output=True,
    )
    return "district-pg"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_strays(bindir: Path) -> None:
    """Servers left running by test processes that were killed (a kill -9 skips `atexit`)."""
    for root in Path(tempfile.gettempdir()).glob("district-pg-*"):
        try:
            pid = int((root / "owner.pid").read_text())
        except (OSError, ValueError):
            continue
        if _alive(pid):
            continue
        with contextlib.suppress(Exception):
            stray = PgServer.__new__(PgServer)
            stray.bindir, stray.root, stray.data = bindir, root, root / "data"
            stray.user = _unprivileged_user()
            stray.running = True
            stray.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


class PgServer:
    """One PostgreSQL server in a temporary folder."""

    def __init__(self) -> None:
        self.bindir = find_bindir()
        self.user = _unprivileged_user()
        _remove_strays(self.bindir)
        self.root = Path(tempfile.mkdtemp(prefix="district-pg-"))
        (self.root / "owner.pid").write_text(str(os.getpid()))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = 0
        self.running = False
        self._n = itertools.count(1)
        self._lock = threading.Lock()
        if self.user is not None:
            pw = pwd.getpwnam(self.user)
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
        self._as_user(
            [
                str(self.bindir / "initdb"),
                "-D",
                str(self.data),
                "-U",
                USER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
                "--no-instructions",
            ]
        )

    def _as_user(self, cmd: list[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
        if self.user is not None:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        done = subprocess.run(
            cmd, cwd=self.root, capture_output=True, text=True, timeout=timeout, check=False
        )
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip()[-2000:]
            raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}): {tail}")
        return done

    def start(self) -> None:
        """Start (or start again, on the same port once it has one)."""
        if self.running:
            return
        for attempt in range(5):
            port = self.port or _free_port()
            conf = {**SETTINGS, "port": str(port), "unix_socket_directories": f"'{self.root}'"}
            (self.data / "postgresql.auto.conf").write_text(
                "".join(f"{k} = {v}\n" for k, v in conf.items())
            )
            try:
                self._as_user(
                    [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log)]
                    + ["-w", "-t", "60", "start"]
                )
            except RuntimeError:
                if self.port or attempt == 4:  # a restart must keep its port; or out of tries
                    raise RuntimeError(f"PostgreSQL did not start: {self.log_tail()}") from None
                continue  # the port was taken meanwhile: another one
            self.port = port
            self.running = True
            return

    def stop(self, mode: str = "fast") -> None:
        if not self.running:
            return
        self.running = False
        self._as_user([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"])

    def restart(self) -> None:
        self.stop()
        self.start()

    def remove(self) -> None:
        with contextlib.suppress(Exception):
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, lines: int = 20) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        done = subprocess.run(
            [str(self.bindir / "psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1"]
            + ["-h", "127.0.0.1", "-p", str(self.port), "-U", USER, "-d", database, "-c", sql],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"psql {sql!r} failed: {done.stderr.strip()}")
        return done.stdout

    def new_database(self) -> str:
        """A fresh, empty database; its URL."""
        with self._lock:
            name = f"t_{os.getpid()}_{next(self._n)}"
        self.psql(f"CREATE DATABASE {name}")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop a database `new_database` made (its connections are ended): each holds ~8 MB."""
        name = url.rsplit("/", 1)[-1]
        if self.running and name.startswith("t_"):
            with contextlib.suppress(RuntimeError, subprocess.SubprocessError):
                self.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


_server: PgServer | None = None
_server_lock = threading.Lock()


def pg_server() -> PgServer:
    """This test process's PostgreSQL server, started on first use; stopped at exit."""
    global _server
    with _server_lock:
        if _server is None:
            srv = PgServer()
            try:
                srv.start()
            except BaseException:
                srv.remove()
                raise
            _server = srv
            atexit.register(stop_pg_server)
        elif not _server.running:
            _server.start()
        return _server


def stop_pg_server() -> None:
    global _server
    with _server_lock:
        if _server is not None:
            _server.remove()
            _server = None


def pg_url_for_process() -> str:
    """A fresh database for a test that starts server subprocesses: they reach it over TCP on
    127.0.0.1 with the URL (the server lives as long as this test process)."""
    return pg_server().new_database()
