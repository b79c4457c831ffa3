"""Embedded services for `newswatch up`: how other commands find them, and what is refused."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import psutil
import psycopg
import pytest
import redis

from newswatch.errors import UserError
from ops.embedded import apply_running_services, read_services, services_path, start_services

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def _remove_root_clusters(tmp_path):
    """As root the cluster lives outside tmp_path (ops.embedded.postgres_dir): remove it too."""
    yield
    link = tmp_path / "data" / "postgres"
    if link.is_symlink():
        shutil.rmtree(link.resolve(), ignore_errors=True)


def _write(data_dir, **fields):
    data_dir.mkdir(parents=True, exist_ok=True)
    services_path(data_dir).write_text(json.dumps(fields))


def test_a_command_finds_the_services_of_a_running_up_when_nothing_is_configured(tmp_path):
    _write(tmp_path, owner_pid=os.getpid(), database_url="postgresql://postgres:@/newswatch?host=/x",
           redis_url="redis://127.0.0.1:16399/0")
    env = {"NEWSWATCH_DATA_DIR": str(tmp_path)}
    assert apply_running_services(env) is True
    assert env["DATABASE_URL"] == "postgresql://postgres:@/newswatch?host=/x"
    assert env["REDIS_URL"] == "redis://127.0.0.1:16399/0"


def test_a_configured_url_is_never_replaced(tmp_path):
    _write(tmp_path, owner_pid=os.getpid(), database_url="postgresql://postgres:@/newswatch?host=/x",
           redis_url="redis://127.0.0.1:16399/0")
    env = {"NEWSWATCH_DATA_DIR": str(tmp_path), "DATABASE_URL": "postgresql://db.internal/news",
           "REDIS_URL_FILE": "/run/secrets/redis"}
    apply_running_services(env)
    assert env["DATABASE_URL"] == "postgresql://db.internal/news"
    assert "REDIS_URL" not in env


def test_the_file_of_an_up_that_is_gone_is_ignored(tmp_path):
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    _write(tmp_path, owner_pid=int(finished.stdout), database_url="postgresql://postgres:@/newswatch?host=/x")
    env = {"NEWSWATCH_DATA_DIR": str(tmp_path)}
    assert apply_running_services(env) is False
    assert "DATABASE_URL" not in env


def test_a_garbled_services_file_is_ignored(tmp_path):
    services_path(tmp_path).write_text("{not json")
    env = {"NEWSWATCH_DATA_DIR": str(tmp_path)}
    assert apply_running_services(env) is False and "DATABASE_URL" not in env


def test_embedded_postgres_and_valkey_start_answer_and_stop_leaving_nothing(tmp_path):
    services = start_services(tmp_path / "data", postgres=True, redis=True)
    try:
        written = read_services(tmp_path / "data")
        assert written["owner_pid"] == os.getpid()
        with psycopg.connect(services.database_url) as conn:
            assert conn.execute("SELECT current_database()").fetchone()[0] == "newswatch"
        assert redis.Redis.from_url(services.redis_url).ping()
        with pytest.raises(UserError, match="already running"):
            # Another process's `up` on the same directory: simulated by the file naming a live pid.
            _write(tmp_path / "data", **{**written, "owner_pid": os.getppid()})
            start_services(tmp_path / "data", postgres=True, redis=True)
        _write(tmp_path / "data", **written)
    finally:
        services.stop()
    assert not services_path(tmp_path / "data").exists()
    for pid in (written["postgres_pid"], written["valkey_pid"]):
        # Gone, or a zombie waiting for this machine's init to reap it (PostgreSQL is daemonised).
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def _run_sql(data, sql: str, **options):
    with start_services(data, postgres=True, redis=False, **options) as services, \
            psycopg.connect(services.database_url, autocommit=True) as conn:
        return conn.execute(sql).fetchone() if sql.startswith("SELECT") else conn.execute(sql)


def test_a_fresh_database_starts_empty_and_the_other_keeps_its_data(tmp_path):
    data = tmp_path / "data"
    _run_sql(data, "CREATE TABLE kept (x int)")
    _run_sql(data, "CREATE TABLE dropped (x int)", database="scratch", fresh=True)
    assert _run_sql(data, "SELECT to_regclass('dropped')", database="scratch", fresh=True)[0] is None
    assert _run_sql(data, "SELECT to_regclass('kept')")[0] == "kept"


@pytest.mark.skipif(os.geteuid() != 0, reason="only root's cluster is moved")
def test_as_root_the_cluster_lives_outside_the_home_directory_so_its_permissions_stay_closed(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o700)
    with start_services(data, postgres=True, redis=False):
        link = data / "postgres"
        assert link.is_symlink() and str(link.resolve()).startswith("/var/lib/newswatch/postgres-")
    assert data.stat().st_mode & 0o777 == 0o700
