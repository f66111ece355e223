"""Where learners and verifiers meet the credential: downloads, LinkedIn,
the verification page, the "verify a credential file" page, and e-mails."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certificates.models import Certificate
from certificates.services import (
    certificate_issue,
    certificate_reissue,
    certificate_revoke,
    certificate_send_change_email,
)
from credentials.models import Credential
from tests.factories import complete_course, learner

from .reference import load

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(course, learner_user, media_root):
    complete_course(learner_user, course)
    return certificate_issue(certificate_id=Certificate.objects.get(user=learner_user).pk)


@pytest.fixture
def credential_file(certificate):
    return Credential.objects.get(reference=certificate.code)


def upload(client, content, name="credential.json", **extra):
    return client.post(
        reverse("credential_verify_file"), {"file": SimpleUploadedFile(name, content, "application/json")}, **extra
    )


def verdict_of(response):
    body = response.content.decode()
    if 'class="verify-verdict">Valid<' in body:
        return "valid"
    if 'class="verify-verdict">Not valid<' in body:
        return "not valid"
    return None


# --- downloads and LinkedIn ----------------------------------------------------------


def test_owner_downloads_the_credential_json(client, certificate, learner_user):
    client.force_login(learner_user)
    response = client.get(reverse("certificate_credential", args=[certificate.code]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    assert response["Content-Disposition"] == f'attachment; filename="credential-{certificate.code}.json"'
    document = json.loads(response.content)
    assert document["credentialSubject"]["identifier"][1]["identityHash"] == certificate.learner_name
    # The same file passes the site's own file check.
    assert verdict_of(upload(client, response.content)) == "valid"


def test_dashboard_and_transcript_offer_the_json_and_linkedin(client, certificate, learner_user):
    client.force_login(learner_user)
    json_url = reverse("certificate_credential", args=[certificate.code])
    assert json_url in client.get(reverse("transcript")).content.decode()
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert json_url in dashboard and reverse("certificate_linkedin", args=[certificate.code]) in dashboard


def test_add_to_linkedin_fills_in_the_certification(client, certificate, learner_user):
    client.force_login(learner_user)
    response = client.get(reverse("certificate_linkedin", args=[certificate.code]))
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert (location.scheme, location.netloc, location.path) == ("https", "www.linkedin.com", "/profile/add")
    params = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert params == {
        "startTask": "CERTIFICATION_NAME",
        "name": certificate.course_title,
        "organizationName": certificate.snapshot["provider_name"],
        "issueYear": str(certificate.issued_at.year),
        "issueMonth": str(certificate.issued_at.month),
        "certUrl": "http://testserver" + reverse("certificate_verify", args=[certificate.code]),
        "certId": certificate.code,
    }


def test_issue_email_links_the_credential(certificate):
    (message,) = mail.outbox  # sent by the issue itself
    assert "http://testserver" + reverse("certificate_credential", args=[certificate.code]) in message.body


# --- the public verification page --------------------------------------------------------


def test_verification_page_shows_the_credential_status_from_the_status_list(
    client, certificate, credential_file, django_capture_on_commit_callbacks
):
    url = reverse("certificate_verify", args=[certificate.code])
    page = client.get(url).content.decode()
    assert "Digital credential" in page and "Active" in page
    assert reverse("credential_json", args=[credential_file.uuid]) in page
    with django_capture_on_commit_callbacks(execute=False):  # the e-mail task is not needed here
        certificate_revoke(certificate=certificate, actor=learner(is_staff=True), reason="Issued in error")
    from django.core.cache import cache

    cache.clear()  # what the on-commit hook does
    page = client.get(url).content.decode()
    assert "<dd>Revoked" in page.replace("\n", "").replace("  ", "")


def test_public_credential_json_is_the_signed_document(client, credential_file):
    response = client.get(reverse("credential_json", args=[credential_file.uuid]))
    assert response.status_code == 200
    assert json.loads(response.content) == credential_file.document
    assert client.get("/credentials/00000000-0000-0000-0000-000000000000.json").status_code == 404


# --- revoke and reissue e-mails ------------------------------------------------------------


def test_revoking_emails_the_learner_with_the_editors_reason(certificate, learner_user):
    staff = learner(is_staff=True)
    certificate_revoke(certificate=certificate, actor=staff, reason="Attendance could not be confirmed")
    certificate_send_change_email(certificate_id=certificate.pk, kind="revoked")
    _issued, message = mail.outbox  # the first went out with the issue
    assert message.to == [learner_user.email]
    assert "revoked" in message.subject
    assert "Attendance could not be confirmed" in message.body and certificate.code in message.body


def test_reissuing_emails_the_learner_with_the_new_code_and_reason(certificate, learner_user):
    new = certificate_reissue(certificate=certificate, actor=learner(is_staff=True), note="Legal name corrected")
    certificate_send_change_email(certificate_id=certificate.pk, kind="reissued")
    _issued, message = mail.outbox  # the first went out with the issue
    assert "reissued" in message.subject
    assert new.code in message.body and "Reason given by our education team: Legal name corrected" in message.body


# --- verify a credential file ------------------------------------------------------------


def test_a_genuine_file_is_valid(client, credential_file):
    response = upload(client, json.dumps(credential_file.document).encode())
    assert response.status_code == 200
    assert verdict_of(response) == "valid"
    body = response.content.decode()
    for check in ("Format", "Issuer", "Signature", "Dates", "Status"):
        assert f"<strong>{check}</strong>" in body


def test_a_tampered_file_says_signature(client, credential_file):
    document = credential_file.document
    document["credentialSubject"]["achievement"]["creditsAvailable"] = 60.0
    response = upload(client, json.dumps(document).encode())
    assert verdict_of(response) == "not valid"
    assert "Signature: The signature does not match" in response.content.decode()


def test_a_foreign_credential_says_unknown_issuer(client):
    response = upload(client, json.dumps(load("1edtech-vector-signed.json")).encode())
    assert verdict_of(response) == "not valid"
    assert "Unknown issuer" in response.content.decode()


def test_a_revoked_credential_says_revoked(client, certificate, credential_file, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        certificate_revoke(certificate=certificate, actor=learner(is_staff=True), reason="x")
    from django.core.cache import cache

    cache.clear()
    response = upload(client, json.dumps(credential_file.document).encode())
    assert verdict_of(response) == "not valid"
    assert "the issuer has revoked this credential" in response.content.decode()


@pytest.mark.parametrize(
    "content, message",
    [
        (b'{"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["Verif', "not valid JSON"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not text"),
        (b" " * (300 * 1024), "too large"),
        (b"", "empty"),
    ],
)
def test_unreadable_files_get_a_plain_400(client, content, message):
    response = upload(client, content)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert verdict_of(response) is None


@pytest.mark.parametrize(
    "document",
    [[], "a string", 42, {}, {"type": "VerifiableCredential"}, {"type": ["VerifiableCredential"]}],
)
def test_wrongly_typed_json_gets_a_verdict_not_a_500(client, document):
    response = upload(client, json.dumps(document).encode())
    assert response.status_code == 200
    assert verdict_of(response) == "not valid"


def leaves(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaves(item, (*path, index))
    else:
        yield path


PROPERTY = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROPERTY
@given(data=st.data())
def test_any_change_to_a_value_is_never_valid_and_never_a_500(client, credential_file, data):
    """Change one value anywhere (proof included) to any other JSON value."""
    from django.core.cache import cache

    cache.clear()  # the upload rate limit
    document = json.loads(json.dumps(credential_file.document))
    path = data.draw(st.sampled_from(sorted(leaves(document), key=str)))
    target = document
    for part in path[:-1]:
        target = target[part]
    original = target[path[-1]]
    replacement = data.draw(
        st.one_of(
            st.text(max_size=20),
            st.integers(),
            st.floats(allow_nan=False, allow_infinity=False),
            st.booleans(),
            st.none(),
            st.lists(st.text(max_size=5), max_size=2),
            st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
        ).filter(lambda v: v != original or type(v) is not type(original))
    )
    target[path[-1]] = replacement
    response = upload(client, json.dumps(document).encode())
    assert response.status_code in (200, 400)
    assert verdict_of(response) != "valid", (path, replacement)


@PROPERTY
@given(data=st.data())
def test_damaged_bytes_are_never_valid_unless_the_json_is_unchanged(client, credential_file, data):
    """Truncate, flip or insert bytes anywhere in the file."""
    from django.core.cache import cache

    cache.clear()
    raw = bytearray(json.dumps(credential_file.document, indent=1).encode())
    for _ in range(data.draw(st.integers(1, 3))):
        position = data.draw(st.integers(0, len(raw) - 1))
        action = data.draw(st.sampled_from(["truncate", "flip", "insert"]))
        if action == "truncate":
            del raw[position:]
            if not raw:
                break
        elif action == "flip":
            raw[position] = data.draw(st.integers(0, 255))
        else:
            raw[position:position] = data.draw(st.binary(min_size=1, max_size=4))
    response = upload(client, bytes(raw))
    assert response.status_code in (200, 400)
    if verdict_of(response) == "valid":
        assert json.loads(bytes(raw)) == credential_file.document
