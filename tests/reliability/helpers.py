"""Fault-injection helpers: a private Redis, a row lock held from outside
Django, and a view of the test database from an admin connection.

Nothing here touches the shared PostgreSQL server or the shared Redis: the
broker outage uses a redis-server of its own on a free loopback port, and
the database outage is confined to this run's test database.
"""

import os
import shutil
import signal
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import psycopg
from django.db import connection

from config.celery_app import app
from tests.worker import wait_for


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A throw-away redis-server on loopback: no persistence, so a restart
    loses every queued message, as a crashed broker without AOF would."""

    def __init__(self, tmp_path, port=None):
        self.port = port or free_port()
        self.dir = Path(tmp_path) / f"redis-{self.port}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.proc = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout=10):
        binary = shutil.which("redis-server")
        assert binary, "redis-server is required (apt-get install redis-server)"
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
            + ["--dir", str(self.dir), "--logfile", str(self.dir / "redis.log")],
            start_new_session=True,
        )
        wait_for(self.ping, timeout=timeout, message=f"redis on port {self.port}")
        return self

    def ping(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self):
        """SIGKILL: the broker disappears without a clean shutdown."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


@contextmanager
def redis_server(tmp_path):
    server = RedisServer(tmp_path).start()
    try:
        yield server
    finally:
        server.kill()


def _reset_broker_pools():
    # Celery takes its connection and producer pools (kombu keeps one per URL)
    # on first use; forget them so the next publish uses the current URL.
    # (Closing them would break kombu's registry for the next user.)
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def broker_url(url):
    """Publish from (and purge in) this process to ``url`` for the block.

    Celery's ``broker_url`` prefers the CELERY_BROKER_URL environment
    variable over any setting, so the read and write URLs are overridden.
    """
    app.conf["broker_read_url"] = app.conf["broker_write_url"] = url
    _reset_broker_pools()
    try:
        yield
    finally:
        app.conf["broker_read_url"] = app.conf["broker_write_url"] = None
        _reset_broker_pools()


def dsn(dbname=None):
    """libpq connection string for the test database (or another one)."""
    s = connection.settings_dict
    parts = {
        "host": s.get("HOST") or "127.0.0.1",
        "port": s.get("PORT") or 5432,
        "user": s.get("USER") or "postgres",
        "dbname": dbname or s["NAME"],
    }
    if s.get("PASSWORD"):
        parts["password"] = s["PASSWORD"]
    return " ".join(f"{k}={v}" for k, v in parts.items())


def admin_connection():
    """Autocommit connection to the server's maintenance database."""
    return psycopg.connect(dsn("postgres"), autocommit=True)


@contextmanager
def row_locked(table, pk):
    """Hold ``SELECT ... FOR UPDATE`` on one row from a connection outside
    Django, so whoever locks it next (a worker's task) waits until the block
    ends: a task made slow at a known point without any test hook in the app."""
    with psycopg.connect(dsn()) as conn:
        conn.execute(f"SELECT id FROM {table} WHERE id = %s FOR UPDATE", [pk])  # noqa: S608 - fixed table names
        try:
            yield conn
        finally:
            conn.rollback()


def backends_waiting_for_lock(table):
    """How many sessions of the test database wait for a row lock on ``table``."""
    with admin_connection() as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock' AND query ILIKE %s",
            # By how the query starts: pg_stat_activity keeps only its first
            # 1 KB (track_activity_query_size), and a lock that fetches the
            # learner with the row names its columns for longer than that.
            [connection.settings_dict["NAME"], f'SELECT "{table}".%'],
        ).fetchone()
    return row[0]


def task_ids(worker, event, task_name="certificates.tasks.issue_certificates"):
    """Task ids of worker log lines ``Task <name>[<id>] <event>`` (received, succeeded, ...), in order."""
    marker = f"Task {task_name}["
    ids = []
    for line in worker.output().splitlines():
        if marker in line and f"] {event}" in line:
            ids.append(line.split(marker, 1)[1].split("]", 1)[0])
    return ids


def pdf_files(media_root):
    return sorted(Path(media_root).rglob("*.pdf"))


def wait_until(deadline_monotonic):
    remaining = deadline_monotonic - time.monotonic()
    if remaining > 0:
        time.sleep(remaining)
