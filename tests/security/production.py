"""Production settings, applied to the test process where a test needs them.

``config.settings.production`` is imported with a real-looking secret key and
host list; every setting it changes relative to the base settings is then
applied with ``override_settings``, so a setting added there later is tested
too. INSTALLED_APPS is left alone (``csp`` only adds template tags and checks;
its middleware works without it)."""

import importlib
import os
from unittest import mock

from django.test import override_settings

from config.settings import base

SECRET = "x" * 64 + "-tests-only"
# A throwaway Ed25519 key in multibase form (32 zero bytes as the seed), for
# loading the production settings only; it is never applied to the test run.
SIGNING_KEY = "z3u2RDonZ81AFKiw8QCPKcsyg8Yy2MmYQNxfBn51SS2QmMiw"
NOT_APPLIED = {"SECRET_KEY", "ALLOWED_HOSTS", "INSTALLED_APPS", "CREDENTIAL_SIGNING_KEY"}


def production_module():
    cache_url = os.environ.get("CACHE_URL") or "redis://127.0.0.1:6379/0"
    with mock.patch.dict(
        os.environ,
        {
            "SECRET_KEY": SECRET,
            "ALLOWED_HOSTS": "testserver",
            "CREDENTIAL_SIGNING_KEY": SIGNING_KEY,
            "CACHE_URL": cache_url,
        },
    ):
        return importlib.import_module("config.settings.production")


def production_overrides():
    prod = production_module()
    missing = object()
    return {
        name: getattr(prod, name)
        for name in dir(prod)
        if name.isupper() and name not in NOT_APPLIED and getattr(prod, name) != getattr(base, name, missing)
    }


def production_settings():
    return override_settings(**production_overrides())
