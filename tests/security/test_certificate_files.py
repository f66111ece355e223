"""Certificate PDFs are reached only through the owner-checked download view,
in every setting, and a PDF left by an interrupted issuance is replaced, not
kept beside the new one."""

import importlib
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client, override_settings
from django.urls import clear_url_caches, reverse

from certificates.models import Certificate
from certificates.services import certificate_issue
from tests.factories import complete_course, learner, make_course
from tests.worker import purge_queue

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(media_root):
    owner = learner()
    complete_course(owner, make_course(modules=1, lessons=1, questions=2, final_questions=2))
    purge_queue()
    certificate = certificate_issue(certificate_id=Certificate.objects.get(user=owner).pk)
    return owner, certificate


@pytest.fixture
def debug_urls(settings):
    """The URLs as the development settings (DEBUG on) build them."""
    import config.urls

    settings.DEBUG = True
    importlib.reload(config.urls)
    clear_url_caches()
    yield
    with override_settings(DEBUG=False):
        importlib.reload(config.urls)
    clear_url_caches()


def test_development_media_serving_never_serves_certificates(issued, debug_urls, media_root):
    owner, certificate = issued
    assert certificate.pdf.name.startswith("certificates/")
    default_storage.save("original_images/pixel.png", ContentFile(b"\x89PNG\r\n\x1a\n"))
    for client in (Client(), Client()):
        assert client.get("/media/original_images/pixel.png").status_code == 200  # images still served
        assert client.get(f"/media/{certificate.pdf.name}").status_code == 404
        client.force_login(owner)
    # Revoked ones neither; the owner downloads through the view.
    owner_client = Client()
    owner_client.force_login(owner)
    assert owner_client.get(reverse("certificate_download", args=[certificate.code])).status_code == 200


@pytest.mark.parametrize("debug", [False, True])
def test_no_url_serves_the_stored_pdf_path(issued, settings, debug):
    import config.urls

    owner, certificate = issued
    settings.DEBUG = debug
    importlib.reload(config.urls)
    clear_url_caches()
    try:
        for path in (
            f"/media/{certificate.pdf.name}",
            f"/{certificate.pdf.name}",
            f"/static/../media/{certificate.pdf.name}",
        ):
            assert Client().get(path).status_code == 404, path
    finally:
        settings.DEBUG = False
        importlib.reload(config.urls)
        clear_url_caches()


def test_issue_replaces_a_pdf_left_by_an_interrupted_run(media_root):
    owner = learner()
    complete_course(owner, make_course(modules=1, lessons=1, questions=2, final_questions=2))
    purge_queue()
    pending = Certificate.objects.get(user=owner)
    # A run that stored its file and died before committing left this behind.
    leftover = pending.pdf.field.generate_filename(pending, f"{pending.code}.pdf")
    default_storage.save(leftover, ContentFile(b"%PDF-1.4 half a file"))
    issued = certificate_issue(certificate_id=pending.pk)
    assert issued.pdf.name == leftover  # the same name, not a second file beside it
    folder = Path(media_root) / Path(leftover).parent
    assert sorted(p.name for p in folder.iterdir()) == [f"{pending.code}.pdf"]
    assert (
        default_storage.open(leftover).read().startswith(b"%PDF")
        and b"half a file" not in default_storage.open(leftover).read()
    )
