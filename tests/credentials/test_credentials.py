"""Keys and DID document, credential content and schema, status lists."""

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.cache import cache
from django.urls import reverse

from credentials import building, did, services, signing
from credentials import status_list as bitstring
from credentials.models import Credential, PublishedKey, StatusList
from credentials.selectors import credential_verify

from .helpers import achievement, issue
from .reference import OPEN_BADGES

pytestmark = pytest.mark.django_db
SCHEMA_COPY = Path(building.__file__).parent / "schema" / "ob_v3p0_achievementcredential_schema.json"


def get_json(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return json.loads(response.content)


# --- did:web -------------------------------------------------------------------


@pytest.mark.parametrize(
    "site_url, expected, path",
    [
        ("https://learn.example.org", "did:web:learn.example.org", "/.well-known/did.json"),
        ("http://localhost:8000", "did:web:localhost%3A8000", "/.well-known/did.json"),
        ("https://example.org/trd/", "did:web:example.org:trd", "/trd/did.json"),
    ],
)
def test_did_web_follows_the_method_rules(site_url, expected, path):
    assert did.did_web(site_url) == expected
    assert did.did_document_path(site_url) == path


def test_did_document_is_served_with_the_signing_key_as_multikey(client):
    document = get_json(client, "/.well-known/did.json")
    key = services.signing_key()
    assert document["id"] == "did:web:testserver"
    assert document["verificationMethod"] == [
        {
            "id": f"did:web:testserver#{key.public_key_multibase}",
            "type": "Multikey",
            "controller": "did:web:testserver",
            "publicKeyMultibase": key.public_key_multibase,
        }
    ]
    assert document["assertionMethod"] == [f"did:web:testserver#{key.public_key_multibase}"]


def test_the_served_did_document_comes_from_the_cache_and_shows_a_rotation_at_once(
    client, settings, django_assert_num_queries
):
    old_key = services.signing_key().public_key_multibase
    get_json(client, "/.well-known/did.json")
    with django_assert_num_queries(0):
        cached = get_json(client, "/.well-known/did.json")
    assert [m["publicKeyMultibase"] for m in cached["verificationMethod"]] == [old_key]

    # Rotated: until the new key signs (and so is published) the document is
    # served uncached; from then on it lists both keys.
    settings.CREDENTIAL_SIGNING_KEY = signing.secret_key_multibase(Ed25519PrivateKey.generate())
    new_key = services.signing_key().public_key_multibase
    before_signing = get_json(client, "/.well-known/did.json")
    assert [m["publicKeyMultibase"] for m in before_signing["verificationMethod"]] == [old_key]
    issue("AFTER")
    rotated = get_json(client, "/.well-known/did.json")
    assert [m["publicKeyMultibase"] for m in rotated["verificationMethod"]] == [old_key, new_key]
    with django_assert_num_queries(0):
        get_json(client, "/.well-known/did.json")


def test_a_credential_signed_before_a_key_rotation_still_verifies_after_it(
    client, settings, django_capture_on_commit_callbacks
):
    before = issue("BEFORE")
    old_key = services.signing_key().public_key_multibase
    settings.CREDENTIAL_SIGNING_KEY = signing.secret_key_multibase(Ed25519PrivateKey.generate())
    after = issue("AFTER")
    new_key = services.signing_key().public_key_multibase
    assert new_key != old_key

    document = get_json(client, "/.well-known/did.json")
    assert [m["publicKeyMultibase"] for m in document["verificationMethod"]] == [old_key, new_key]
    assert PublishedKey.objects.get(public_key_multibase=old_key).retired_at is not None
    assert PublishedKey.objects.get(public_key_multibase=new_key).retired_at is None
    assert before.document["proof"]["verificationMethod"].endswith(old_key)
    assert after.document["proof"]["verificationMethod"].endswith(new_key)
    assert credential_verify(document=before.document).valid
    assert credential_verify(document=after.document).valid
    # The status list, re-signed with the new key when it next changes, still reads.
    with django_capture_on_commit_callbacks(execute=True):
        services.credential_revoke(reference="BEFORE", reason="test")
    assert credential_verify(document=before.document).reason == "Status: the issuer has revoked this credential."


def test_a_key_removed_from_the_did_document_no_longer_verifies():
    credential = issue()
    PublishedKey.objects.all().delete()
    PublishedKey.objects.create(
        public_key_multibase=signing.public_key_multibase(Ed25519PrivateKey.generate().public_key())
    )
    verdict = credential_verify(document=credential.document)
    assert not verdict.valid
    assert "not one the issuer's DID document lists" in verdict.reason


def test_development_key_is_generated_once_and_kept(settings, tmp_path):
    from credentials import keys

    settings.CREDENTIAL_SIGNING_KEY = ""
    settings.CREDENTIAL_SIGNING_KEY_FILE = str(tmp_path / "var" / "key")
    first = keys.signing_key()
    second = keys.signing_key()
    assert first.public_key_multibase == second.public_key_multibase
    assert (tmp_path / "var" / "key").stat().st_mode & 0o777 == 0o600
    settings.CREDENTIAL_SIGNING_KEY_FILE = str(tmp_path / "var" / "other")
    assert keys.signing_key().public_key_multibase != first.public_key_multibase


# --- the credential ------------------------------------------------------------------


def test_issued_credential_validates_against_the_achievement_credential_schema():
    credential = issue(valid_until=datetime(2028, 11, 2, tzinfo=UTC))
    schema = json.loads(SCHEMA_COPY.read_text())
    jsonschema.Draft201909Validator.check_schema(schema)
    jsonschema.Draft201909Validator(schema).validate(credential.document)
    assert SCHEMA_COPY.read_bytes() == (OPEN_BADGES / "ob_v3p0_achievementcredential_schema.json").read_bytes()


def test_schema_check_is_not_vacuous():
    """The same validation fails once a required part is missing."""
    credential = issue()
    schema = json.loads(SCHEMA_COPY.read_text())
    broken = dict(credential.document)
    broken["credentialSubject"] = dict(broken["credentialSubject"])
    del broken["credentialSubject"]["achievement"]["criteria"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft201909Validator(schema).validate(broken)


def test_credential_content():
    credential = issue(email="  Ada@Example.org ", valid_until=datetime(2028, 11, 2, tzinfo=UTC))
    document = credential.document
    assert document["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert document["id"] == f"urn:uuid:{credential.uuid}"
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert document["issuer"] == {
        "id": "did:web:testserver",
        "type": ["Profile"],
        "name": "TRD Certify Clinical Education",
        "url": "http://testserver/",
        "email": "education@trd-certify.test",
    }
    assert document["awardedDate"] == "2026-11-02T15:30:00Z"
    assert document["validUntil"] == "2028-11-02T00:00:00Z"
    subject = document["credentialSubject"]
    email_id, name_id = subject["identifier"]
    salt = credential.identity_salt
    assert len(salt) == 32
    assert email_id == {
        "type": "IdentityObject",
        "identityType": "emailAddress",
        "hashed": True,
        "salt": salt,
        "identityHash": "sha256$" + hashlib.sha256(("ada@example.org" + salt).encode()).hexdigest(),
    }
    assert name_id == {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": "Ada Núñez"}
    assert "ada@example.org" not in json.dumps(document).lower()
    achievement = subject["achievement"]
    assert achievement["achievementType"] == "CertificateOfCompletion"
    assert achievement["creditsAvailable"] == 6.0
    assert achievement["criteria"]["narrative"].startswith("Completed every module")
    assert [a["targetName"] for a in achievement["alignment"]] == [
        "Define treatment-resistant depression.",
        "Describe TMS referral criteria.",
    ]
    assert document["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert credential_verify(document=document).valid


def test_issue_is_idempotent_per_reference():
    first = issue("SAME")
    second = issue("SAME", name="Someone Else")
    assert first.pk == second.pk
    assert Credential.objects.count() == 1


def test_each_issue_counts_in_its_status_list_and_a_half_full_list_gives_way_to_a_new_one():
    first = issue("FIRST")
    issue("FIRST")  # idempotent: not counted twice
    status_list = StatusList.objects.get(pk=first.status_list_id)
    assert status_list.issued_count == 1 == status_list.credentials.count()
    second = issue("SECOND")
    status_list.refresh_from_db()
    assert second.status_list_id == status_list.pk and status_list.issued_count == 2
    StatusList.objects.filter(pk=status_list.pk).update(issued_count=services.STATUS_LIST_FILL)
    third = issue("THIRD")
    assert third.status_list_id != status_list.pk
    assert StatusList.objects.get(pk=third.status_list_id).issued_count == 1


def test_a_bit_taken_meanwhile_draws_again_without_aborting_the_transaction(monkeypatch, django_assert_num_queries):
    """A credential of a batch draws a bit another issue has just taken (as
    a concurrent worker would): the insert skips it instead of raising, it
    draws again and is signed again with its new bit, and everything is
    stored in the caller's transaction, counted once each."""
    taken = issue("TAKEN")

    def bit(k):
        return (taken.status_index + k) % StatusList.SIZE_BITS

    # NEXT1 draws the taken bit, NEXT2 the one after. Only NEXT2 goes in on
    # the first insert; NEXT1's next draw lands on NEXT2's bit, which the
    # batch skips itself, and the one after that is free.
    draws = iter([bit(0), bit(1), bit(1), bit(2)])
    monkeypatch.setattr(services.secrets, "randbelow", lambda _n: next(draws))
    batch = services.CredentialBatch()
    requests = [
        services.CredentialRequest(
            reference=reference,
            recipient=services.Recipient(name="Ada Núñez", email="ada@example.org"),
            achievement=achievement(),
            awarded_at=datetime(2026, 11, 2, tzinfo=UTC),
        )
        for reference in ("NEXT1", "NEXT2")
    ]
    for request in requests:
        batch.sign(request)
    with django_assert_num_queries(2 + 2 + 1):  # insert, read back; again for NEXT1; the count
        stored = batch.store()
    assert {ref: c.status_index for ref, c in stored.items()} == {
        "NEXT1": bit(2),
        "NEXT2": bit(1),
    }
    for reference, credential in stored.items():
        saved = Credential.objects.get(reference=reference)
        assert saved.pk == credential.pk and saved.status_index == credential.status_index
        entry = saved.document["credentialStatus"]
        assert entry["statusListIndex"] == str(saved.status_index)  # signed with the bit it got
        assert credential_verify(document=saved.document).valid
    assert StatusList.objects.get(pk=taken.status_list_id).issued_count == 3


def test_a_batch_returns_an_existing_credential_and_counts_only_the_new_ones():
    existing = issue("KEPT")
    batch = services.CredentialBatch()
    for reference, name in (("KEPT", "Someone Else"), ("FRESH", "Ada Núñez")):
        batch.sign(
            services.CredentialRequest(
                reference=reference,
                recipient=services.Recipient(name=name, email="ada@example.org"),
                achievement=achievement(),
                awarded_at=datetime(2026, 11, 2, tzinfo=UTC),
            )
        )
    stored = batch.store()
    assert stored["KEPT"].pk == existing.pk and stored["KEPT"].document == existing.document
    assert stored["FRESH"].pk == Credential.objects.get(reference="FRESH").pk
    assert StatusList.objects.get(pk=existing.status_list_id).issued_count == 2


def test_reissue_keeps_the_award_date_and_points_to_the_replaced_credential(client):
    old = issue("OLD", awarded_at=datetime(2026, 1, 5, tzinfo=UTC))
    new = issue("NEW", awarded_at=datetime(2026, 11, 30, tzinfo=UTC), replaces_reference="OLD")
    assert new.replaces == old
    assert new.document["awardedDate"] == "2026-01-05T00:00:00Z"
    assert new.document["validFrom"] != old.document["validFrom"] or new.issued_at >= old.issued_at
    (related,) = new.document["relatedResource"]
    url = reverse("credential_json", kwargs={"uuid": old.uuid})
    assert related["id"] == "http://testserver" + url
    served = client.get(url).content
    assert related["digestSRI"] == building.digest_sri(served)
    assert credential_verify(document=new.document).valid


@pytest.mark.parametrize(
    "path, value",
    [
        (("name",), "Treatment-Resistant Depression: TMS, Ketamine and Combined Carf"),
        (("credentialSubject", "identifier", 1, "identityHash"), "Ada Nuñez"),
        (("credentialSubject", "achievement", "creditsAvailable"), 60.0),
        (("awardedDate",), "2026-11-02T15:30:01Z"),
    ],
)
def test_a_changed_character_fails_verification(path, value):
    document = json.loads(json.dumps(issue().document))
    target = document
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    verdict = credential_verify(document=document)
    assert not verdict.valid
    assert verdict.reason.startswith("Signature:")


# --- revocation ------------------------------------------------------------------------


def decoded_bits(document):
    return bitstring.decode(document["credentialSubject"]["encodedList"])


def test_status_list_is_signed_gzip_base64url_of_at_least_16_kb(client):
    credential = issue()
    entry = credential.document["credentialStatus"]
    assert entry["type"] == "BitstringStatusListEntry"
    assert entry["statusPurpose"] == "revocation"
    assert entry["statusListIndex"] == str(credential.status_index)
    document = get_json(client, entry["statusListCredential"].removeprefix("http://testserver"))
    assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert document["credentialSubject"]["encodedList"].startswith("u")
    assert len(decoded_bits(document)) == 16 * 1024
    signing.verify(document, resolve_key=did.key_resolver(get_json(client, "/.well-known/did.json")))


def test_revoking_flips_exactly_that_credentials_bit_and_the_served_list_shows_it(
    client, django_capture_on_commit_callbacks
):
    others = [issue(f"OTHER{n}") for n in range(3)]
    credential = issue("TARGET")
    list_path = credential.document["credentialStatus"]["statusListCredential"].removeprefix("http://testserver")
    before = decoded_bits(get_json(client, list_path))  # now cached
    assert cache.get(services.STATUS_LIST_CACHE_KEY.format(pk=credential.status_list_id)) is not None

    with django_capture_on_commit_callbacks(execute=True):
        services.credential_revoke(reference="TARGET", reason="Issued in error")

    after = decoded_bits(get_json(client, list_path))
    flipped = [i for i in range(len(before) * 8) if bitstring.get_bit(before, i) != bitstring.get_bit(after, i)]
    assert flipped == [credential.status_index]
    assert bitstring.get_bit(after, credential.status_index)
    assert credential_verify(document=credential.document).reason == "Status: the issuer has revoked this credential."
    assert all(credential_verify(document=o.document).valid for o in others)

    with django_capture_on_commit_callbacks(execute=True):
        services.credential_reinstate(reference="TARGET")
    assert not bitstring.get_bit(decoded_bits(get_json(client, list_path)), credential.status_index)
    assert credential_verify(document=credential.document).valid


def test_revoke_rolls_back_with_the_callers_transaction():
    from django.db import transaction

    credential = issue()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.credential_revoke(reference=credential.reference, reason="x")
        raise RuntimeError("the certificate change failed")
    status_list = StatusList.objects.get(pk=credential.status_list_id)
    assert not bitstring.get_bit(bytes(status_list.bits), credential.status_index)
    assert credential_verify(document=credential.document).valid


def test_expired_credential_is_not_valid():
    credential = issue(valid_until=datetime.now(UTC) - timedelta(days=1))
    verdict = credential_verify(document=credential.document)
    assert not verdict.valid
    assert verdict.reason.startswith("Dates: the credential expired")


def test_status_list_decoder_stops_at_a_gzip_bomb():
    import base64
    import gzip

    bomb = "u" + base64.urlsafe_b64encode(gzip.compress(bytes(64 * 1024 * 1024))).decode().rstrip("=")
    with pytest.raises(signing.ProofError, match="too large"):
        bitstring.decode(bomb)
