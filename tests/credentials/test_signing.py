"""eddsa-rdfc-2022 against 1EdTech's published Open Badges 3.0 test vector."""

import copy
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from credentials import jsonld, signing

from .reference import OPEN_BADGES, load

# The canonical N-Quads 1EdTech publishes beside the vector
# (openbadges-specification, ob_v3p0/impl/test-vectors/obv3p0/), kept here
# as data because the reference folder holds only the signed vector.
DATA = Path(__file__).parent / "data"
PUBLISHED_DOCUMENT_CANON = (DATA / "obv3p0-document-canon.nq").read_text()
PUBLISHED_PROOF_CANON = (DATA / "obv3p0-proof-canon.nq").read_text()


@pytest.fixture
def vector():
    return load("1edtech-vector-signed.json")


@pytest.fixture
def vector_key():
    return load("1edtech-vector-key.json")


def controller_resolver():
    """Resolve keys from the vector's controller document, as a verifier would."""
    controller = load("1edtech-vector-controller.json")
    methods = {m["id"]: m for m in controller["verificationMethod"]}

    def resolve(method_id):
        if method_id not in controller["assertionMethod"] or method_id not in methods:
            raise signing.ProofError("unknown key")
        method = methods[method_id]
        return method["controller"], signing.public_key_from_multibase(method["publicKeyMultibase"])

    return resolve


def test_vector_key_decodes_to_the_published_public_key(vector_key):
    private_key = signing.private_key_from_multibase(vector_key["secretKeyMultibase"])
    assert private_key.public_key().public_bytes_raw().hex() == vector_key["publicKeyHex"]
    assert signing.public_key_multibase(private_key.public_key()) == "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"


def test_canonical_forms_match_the_published_ones(vector):
    proof = vector.pop("proof")
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    data = signing.signing_input(vector, options)
    assert data.canonical_document == PUBLISHED_DOCUMENT_CANON
    assert data.canonical_proof == PUBLISHED_PROOF_CANON


def test_signing_reproduces_the_published_proof_value(vector, vector_key):
    published = vector["proof"]
    private_key = signing.private_key_from_multibase(vector_key["secretKeyMultibase"])
    options = signing.ProofOptions(verification_method=published["verificationMethod"], created=published["created"])
    unsigned = {k: v for k, v in vector.items() if k != "proof"}

    signed = signing.sign(unsigned, private_key=private_key, options=options)

    assert signed["proof"] == published
    assert published["proofValue"].startswith("z5x9aCBYov")


def test_published_vector_verifies(vector):
    result = signing.verify(vector, resolve_key=controller_resolver(), expected_controller=vector["issuer"]["id"])
    assert result.controller == "https://example.edu/issuers/565049"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda d: d.__setitem__("name", "Teamwork Badgf"),
        lambda d: d["credentialSubject"]["achievement"].__setitem__("name", "Teamwor"),
        lambda d: d.__setitem__("validFrom", "2010-01-02T00:00:00Z"),
        lambda d: d["issuer"].__setitem__("name", "Example Corq"),
        lambda d: d.__setitem__("extra", "added after signing"),
        lambda d: d["proof"].__setitem__("created", "2010-01-01T19:23:25Z"),
        lambda d: d.__setitem__("@foo", "dropped by JSON-LD"),
        lambda d: d.__setitem__("description", None),
    ],
)
def test_any_change_fails_verification(vector, tamper):
    tamper(vector)
    with pytest.raises(signing.ProofError):
        signing.verify(vector, resolve_key=controller_resolver())


def test_every_single_character_change_in_the_proof_value_fails(vector):
    value = vector["proof"]["proofValue"]
    for index in range(1, len(value)):
        changed = copy.deepcopy(vector)
        replacement = "2" if value[index] != "2" else "3"
        changed["proof"]["proofValue"] = value[:index] + replacement + value[index + 1 :]
        with pytest.raises(signing.ProofError):
            signing.verify(changed, resolve_key=controller_resolver())


def test_a_different_key_does_not_verify(vector):
    other = Ed25519PrivateKey.generate().public_key()
    with pytest.raises(signing.ProofError, match="changed after signing"):
        signing.verify(vector, resolve_key=lambda method: ("https://example.edu/issuers/565049", other))


def test_loader_refuses_contexts_it_does_not_hold(vector):
    vector["@context"].append("https://example.org/evil-context.jsonld")
    with pytest.raises(signing.ProofError, match="not valid JSON-LD"):
        signing.verify(vector, resolve_key=controller_resolver())
    with pytest.raises(jsonld.ContextNotAllowed):
        jsonld.document_loader("https://example.org/evil-context.jsonld")


def test_stored_contexts_are_byte_identical_to_the_reference_copies():
    for url in jsonld.allowed_context_urls():
        name = jsonld._index()[url]
        assert (jsonld.CONTEXT_DIR / name).read_bytes() == (OPEN_BADGES / "contexts" / name).read_bytes(), url


@pytest.mark.parametrize(
    "tamper",
    [
        lambda d: d["type"].append("MadeUpType"),
        lambda d: d["credentialSubject"].__setitem__("undefinedTerm", "x"),
        lambda d: d["credentialSubject"].__setitem__("id", "relative/id"),
    ],
)
def test_additions_a_json_ld_processor_would_drop_are_refused(vector, tamper):
    tamper(vector)
    with pytest.raises(signing.ProofError, match="not defined|not an absolute"):
        signing.verify(vector, resolve_key=controller_resolver())
