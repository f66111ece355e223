"""Backup and restore round trip: pg_dump of the database plus a copy of the
stored PDFs, restored into a fresh database and a fresh media folder, then
read back by the application itself (docs/BACKUPS.md follows the same steps)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from certificates.models import Certificate, CertificateStatus
from certificates.services import certificate_issue
from tests.factories import complete_course, learner, make_course
from tests.reliability.helpers import admin_connection, dsn, pdf_files
from tests.worker import database_url, purge_queue

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ROOT = Path(__file__).resolve().parents[2]
TABLES = [
    "accounts_user",
    "accounts_learnerprofile",
    "courses_enrolment",
    "courses_coursecompletion",
    "quizzes_attempt",
    "quizzes_attemptanswer",
    "certificates_certificate",
    "certificates_certificateevent",
    "wagtailcore_page",
]

# Runs inside the restored installation: the app's own storage reads each PDF.
READ_BACK = """
import hashlib, json
from certificates.models import Certificate
rows = {}
for c in Certificate.objects.filter(status="issued").order_by("code"):
    with c.pdf.open("rb") as fh:
        rows[c.code] = {"stored": c.pdf_sha256, "file": hashlib.sha256(fh.read()).hexdigest(), "name": c.pdf.name}
print(json.dumps(rows))
"""


def pg(*args):
    s = connection.settings_dict
    base = ["-h", s.get("HOST") or "127.0.0.1", "-p", str(s.get("PORT") or 5432), "-U", s.get("USER") or "postgres"]
    return subprocess.run([args[0], *base, *args[1:]], check=True, capture_output=True, text=True, timeout=120)


def counts(conn_dsn):
    with psycopg.connect(conn_dsn) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}  # noqa: S608


def test_pg_dump_and_media_copy_restore_with_identical_certificate_hashes(media_root, tmp_path):
    for _ in range(3):
        user = learner()
        complete_course(user, make_course(modules=1, lessons=1, questions=2, final_questions=2))
    purge_queue()  # issued here, in-process; the tasks enqueued on commit are not needed
    for certificate in Certificate.objects.all():
        certificate_issue(certificate_id=certificate.pk)
    original = {c.code: c.pdf_sha256 for c in Certificate.objects.filter(status=CertificateStatus.ISSUED)}
    assert len(original) == 3 and len(pdf_files(media_root)) == 3

    # Back up: a custom-format dump and a copy of the media folder.
    source_db = connection.settings_dict["NAME"]
    restored_db = f"{source_db}_restore"
    dump = tmp_path / "backup" / "trdcert.dump"
    dump.parent.mkdir()
    pg("pg_dump", "--format=custom", "--no-owner", f"--file={dump}", source_db)
    shutil.copytree(media_root, tmp_path / "backup" / "media")

    # Restore both into places that have never seen the data.
    with admin_connection() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{restored_db}"')
        admin.execute(f'CREATE DATABASE "{restored_db}"')
    try:
        pg("pg_restore", "--no-owner", "--exit-on-error", f"--dbname={restored_db}", str(dump))
        restored_media = tmp_path / "restored-media"
        shutil.copytree(tmp_path / "backup" / "media", restored_media)

        assert counts(dsn(restored_db)) == counts(dsn(source_db))
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url().rsplit("/", 1)[0] + f"/{restored_db}",
            "MEDIA_ROOT": str(restored_media),
        }
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "--check"], cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
        out = subprocess.run(
            [*manage, "shell", "-c", READ_BACK],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
    finally:
        with admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{restored_db}" WITH (FORCE)')

    restored = json.loads(out.strip().splitlines()[-1])
    assert {code: row["file"] for code, row in restored.items()} == original
    assert all(row["stored"] == row["file"] for row in restored.values())
    assert all((restored_media / row["name"]).is_file() for row in restored.values())
