"""Bench-only settings: production settings, served over plain HTTP on loopback.

Used by the benchmark scripts, their gunicorn and their Celery worker; never
by the product. Everything else (DEBUG off, PostgreSQL, the Redis cache and
broker, CSP, sessions in the database) is exactly as deployed.
"""

import os

# Production refuses to start without these; the benchmarks run on loopback.
os.environ.setdefault("SECRET_KEY", "bench-only-" + "k" * 60)
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
# A fixed, bench-only Ed25519 key (seed 00 01 .. 1f) so that gunicorn and the
# worker sign with the same key; it signs nothing outside the benchmarks.
os.environ.setdefault("CREDENTIAL_SIGNING_KEY", "z3u2RDpgFe6Voz19gxWsBkueKj6XiuC9w1bSBT4FTowsWk6A")

from config.settings.env import env_bool  # noqa: E402
from config.settings.production import *  # noqa: E402, F403

# The scale-data generator refuses to run unless DEBUG is on; it sets DEBUG=1.
DEBUG = env_bool("DEBUG", False)
ROOT_URLCONF = "bench.urls"
# Plain HTTP on loopback: secure-only cookies would never be sent back.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
# Static files straight from the app folders: no collectstatic step.
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
WHITENOISE_USE_FINDERS = True
# Benchmark learners never log in with a password (their sessions are made
# directly), and hashing thousands of passwords would dominate set-up time.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING["root"]["level"] = os.environ.get("LOG_LEVEL", "WARNING")  # noqa: F405
