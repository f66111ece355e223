"""Start a real Celery worker process against the test database and Redis.

The worker gets the test database's name, a shared media folder and a file
e-mail backend through its environment, so tests can see what it wrote.
"""

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from config.celery_app import app

ROOT = Path(__file__).resolve().parent.parent


def database_url():
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{host}:{port}/{db['NAME']}"


def worker_env(tmp_path, **extra):
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=database_url(),
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(tmp_path / "mail"),
        SITE_URL=settings.SITE_URL,
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


class Worker:
    def __init__(self, tmp_path, concurrency=1, **env):
        self.tmp_path = tmp_path
        self.log_path = tmp_path / f"worker-{time.monotonic_ns()}.log"
        self.concurrency = concurrency
        self.env = worker_env(tmp_path, **env)
        self.proc = None

    def start(self, timeout=30):
        self.log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--loglevel=INFO",
                f"--concurrency={self.concurrency}",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                f"--hostname=test-{os.getpid()}-{time.monotonic_ns()}@%h",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{self.log_path.read_text()}")
            if "ready." in self.log_path.read_text():
                return self
            time.sleep(0.2)
        raise RuntimeError(f"worker not ready in {timeout}s:\n{self.log_path.read_text()}")

    def child_pids(self):
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True).stdout
        return [int(pid) for pid in out.split()]

    def kill_hard(self):
        """SIGKILL the whole worker (main process and pool children)."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.log.close()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        if not self.log.closed:
            self.log.close()

    def mails(self):
        folder = self.tmp_path / "mail"
        return sorted(folder.glob("*.log")) if folder.exists() else []

    def output(self):
        return self.log_path.read_text()


def purge_queue():
    app.control.purge()


@contextmanager
def running_worker(tmp_path, **kwargs):
    purge_queue()
    worker = Worker(tmp_path, **kwargs).start()
    try:
        yield worker
    finally:
        worker.stop()


def wait_for(predicate, timeout=30, interval=0.1, message="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")
