"""One canonical site address, derived in one place, matching what `make run` serves."""

import re
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings import base
from config.settings.env import env_site_url

ROOT = Path(__file__).resolve().parents[2]


def test_the_development_default_is_the_address_make_run_serves():
    web = next(line for line in (ROOT / "Procfile.dev").read_text().splitlines() if line.startswith("web:"))
    host, port = re.search(r"runserver (\S+):\$\{WEB_PORT:-(\d+)\}", web).groups()
    assert f"http://{host}:{port}" == base.DEV_SITE_URL
    assert base.WAGTAILADMIN_BASE_URL == base.SITE_URL


def test_site_url_is_normalised_and_checked(monkeypatch):
    monkeypatch.setenv("SITE_URL", "https://learn.example.org/")
    assert env_site_url("http://x") == "https://learn.example.org"
    monkeypatch.setenv("SITE_URL", "learn.example.org")
    with pytest.raises(ImproperlyConfigured, match="SITE_URL must start with"):
        env_site_url("http://x")
    monkeypatch.delenv("SITE_URL")
    assert env_site_url("http://127.0.0.1:8000") == "http://127.0.0.1:8000"
