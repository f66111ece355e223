"""What a newcomer installs: `make run` needs Python only (no npm, no test
tools) and shows pip's progress; production's locked set holds no test or
benchmark tool; both lock files pin everything."""

import io
import re
import subprocess
from importlib.metadata import distribution
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
DEV_ONLY = {"flask", "gevent", "locust", "playwright", "pytest", "hypothesis", "ruff", "factory-boy", "pyinstrument"}


def make_commands(target):
    """The commands `make` would run for ``target`` from scratch (-B), without running them."""
    result = subprocess.run(["make", "-n", "-B", target], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def pins(path):
    found = {}
    for line in (ROOT / path).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or line.startswith("-r "):
            continue
        match = re.fullmatch(r"([A-Za-z0-9._-]+)==([A-Za-z0-9.]+)", line)
        assert match, f"{path}: not pinned: {line}"
        found[canonicalize_name(match[1])] = match[2]
    return found


def test_make_run_needs_no_npm_and_no_test_tools():
    run = make_commands("run")
    assert "npm" not in run
    assert "requirements-dev.lock" not in run and "-r requirements.lock" in run
    assert "--quiet" not in run and "--progress-bar on" in run
    test = make_commands("test")
    assert "npm ci" in test and "-r requirements-dev.lock" in test


def test_production_lock_holds_no_test_or_benchmark_tool_and_is_complete():
    production, development = pins("requirements.lock"), pins("requirements-dev.lock")
    assert DEV_ONLY & set(production) == set()
    assert set(development) >= DEV_ONLY
    assert set(production) & set(development) == set()  # the dev set adds to production's (-r)
    assert (ROOT / "requirements-dev.lock").read_text().count("-r requirements.lock") == 1
    # Every requirement of every production package is in the production set.
    missing = set()
    for name in production:
        for text in distribution(name).requires or []:
            req = Requirement(text)
            if req.marker and not req.marker.evaluate({"extra": ""}):
                continue
            if canonicalize_name(req.name) not in production:
                missing.add(f"{name} needs {req.name}")
    assert missing == set()


def test_both_locks_match_what_is_installed():
    for name, version in {**pins("requirements.lock"), **pins("requirements-dev.lock")}.items():
        assert distribution(name).version == version, name


def test_dev_admin_credentials_are_kept_in_a_file_only_the_user_reads(db, settings, tmp_path):
    from django.core.management import call_command

    settings.DEBUG = True
    settings.VAR_DIR = tmp_path
    call_command("ensure_dev_admin", stdout=io.StringIO())
    credentials = tmp_path / "dev-admin.txt"
    assert credentials.read_text().split() == ["admin@trd-certify.test", "trd-dev-admin-2026"]
    assert credentials.stat().st_mode & 0o777 == 0o600
