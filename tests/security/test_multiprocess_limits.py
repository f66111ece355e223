"""Every limit holds across processes: two gunicorn servers with the
production settings share the Redis cache, and the requests of each test
alternate between them. With a per-process cache each server would count
only its own half (the lockout would allow eight or more wrong passwords,
the verification limit twice its rate) and a page made private on one would
still be served by the other."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from itertools import cycle
from pathlib import Path

import pytest
import requests
from django.conf import settings
from wagtail.models import PageViewRestriction

from certificates.views import VERIFY_RATE
from tests.factories import learner, make_course
from tests.ratelimits import address_with_time_left
from tests.security.production import SECRET, SIGNING_KEY
from tests.worker import database_url

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct-horse-battery"
LOCKED = "Too many failed login attempts. Try again later."
WRONG = "The email address and/or password you specified are not correct."


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn with the production settings on a loopback port (plain HTTP,
    as behind the TLS proxy), the test database and the test's Redis cache."""

    def __init__(self, tmp_path, n):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp_path / f"gunicorn-{n}.log"
        self.mail_dir = tmp_path / "mail"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.security.served_settings",
            "SECRET_KEY": SECRET,
            "CREDENTIAL_SIGNING_KEY": SIGNING_KEY,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": database_url(),
            "CACHE_URL": settings.CACHES["default"]["LOCATION"],
            "MEDIA_ROOT": str(tmp_path / "media"),
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.mail_dir),
            "LOG_LEVEL": "WARNING",
        }
        self.log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi:application", f"--bind=127.0.0.1:{self.port}",
             "--workers=1", "--worker-class=sync", "--log-level=warning"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log_path.read_text()
            try:
                requests.get(self.base + "/healthz", timeout=10)
                return
            except requests.RequestException:
                time.sleep(0.2)
        raise AssertionError(f"gunicorn did not start:\n{self.log_path.read_text()}")

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.log.close()


@pytest.fixture(scope="module")
def servers(django_db_setup, django_db_blocker, tmp_path_factory):
    """Started once for the module; each test has its own accounts and the
    cache (counters included) is cleared before each test."""
    tmp_path = tmp_path_factory.mktemp("servers")
    started = [Server(tmp_path, n) for n in (1, 2)]
    try:
        for server in started:
            server.wait_ready()
        yield started
    finally:
        for server in started:
            server.stop()
    for server in started:
        assert "Traceback" not in server.log_path.read_text()


class Browser:
    """One visitor whose requests alternate between the servers. Cookies are
    kept by hand: the production cookies are Secure-only, and plain HTTP on
    loopback stands in for the TLS proxy."""

    def __init__(self, servers, client_ip="203.0.113.10"):
        self.servers = cycle(servers)
        self.cookies = {}
        self.client_ip = client_ip
        self.answered_by = []

    def request(self, method, path, data=None, client_ip=None):
        server = next(self.servers)
        self.answered_by.append(server.port)
        headers = {
            # The TLS proxy appends the client's address (TRUSTED_PROXY_COUNT=1).
            "X-Forwarded-For": client_ip or self.client_ip,
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        if data is not None:
            data = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **data}
        response = requests.request(
            method, server.base + path, data=data, headers=headers, allow_redirects=False, timeout=30
        )
        self.cookies.update(response.cookies.get_dict())
        return response

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, data, **kw):
        if "csrftoken" not in self.cookies:
            self.get(path)
        return self.request("POST", path, data=data, **kw)


def test_login_lockout_counts_across_processes(servers):
    user = learner()
    browser = Browser(servers)
    refused = 0
    for n in range(5):
        response = browser.post("/accounts/login/", {"login": user.email, "password": f"wrong {n}"},
                                client_ip=f"203.0.113.{n}")
        refused += WRONG in response.text
    assert refused == 5
    # The right password, on each server in turn: locked on both.
    for n in range(2):
        response = browser.post("/accounts/login/", {"login": user.email, "password": PASSWORD},
                                client_ip=f"198.51.100.{n}")
        assert LOCKED in response.text
        assert response.status_code != 302
    assert len(set(browser.answered_by)) == 2


def test_verification_rate_limit_counts_across_processes(servers):
    browser = Browser(servers, client_ip=address_with_time_left(VERIFY_RATE))
    statuses = [browser.get("/verify/AAAAA-AAAAA-AAAAA/").status_code for _ in range(62)]
    # 60 a minute per client address, counted once for both servers.
    assert statuses[:60] == [404] * 60
    assert statuses[60:] == [429, 429]
    assert len(set(browser.answered_by)) == 2


def test_password_reset_limit_counts_across_processes(servers):
    user = learner()
    browser = Browser(servers)
    statuses = [
        browser.post("/accounts/password/reset/", {"email": user.email}, client_ip=f"203.0.113.{n}").status_code
        for n in range(7)
    ]
    # Five a minute per address, whichever process answers.
    assert statuses == [302] * 5 + [429] * 2
    mails = list(servers[0].mail_dir.glob("*.log"))
    assert sum(f.read_text().count(f"To: {user.email}") for f in mails) == 5


def test_signup_limit_counts_across_processes(servers):
    browser = Browser(servers)
    statuses = [
        browser.post(
            "/accounts/signup/",
            {"email": f"n{n}@example.org", "password1": "quiet lantern orchard", "password2": "mismatch"},
        ).status_code
        for n in range(22)
    ]
    # 20 a minute per client address: the refused forms (400) count too.
    assert statuses == [400] * 20 + [429] * 2


def test_a_page_made_private_stops_being_served_by_every_process(servers):
    course = make_course(modules=1, lessons=1, questions=2, final_questions=2)
    browser = Browser(servers)
    path = re.sub(r"^https?://[^/]+", "", course.full_url)
    assert [browser.get(path).status_code for _ in range(4)] == [200] * 4
    # An editor restricts the course to signed-in users (a save in this
    # process, as the admin's would be in any one of them).
    PageViewRestriction.objects.create(page=course, restriction_type=PageViewRestriction.LOGIN)
    responses = [browser.get(path) for _ in range(4)]
    assert [r.status_code for r in responses] == [302] * 4
    assert all("/accounts/login/" in r.headers["Location"] for r in responses)
