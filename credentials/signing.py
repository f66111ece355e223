"""Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite.

Pure functions, no database: W3C "Data Integrity EdDSA Cryptosuites v1.0",
section 3.3 (eddsa-rdfc-2022). Signing input is

    SHA-256(canonical proof options) || SHA-256(canonical document)

both canonicalised with RDFC-1.0 over the stored contexts, signed with
Ed25519, and written as a multibase base58btc ``proofValue``. Public keys are
``Multikey`` values: multibase base58btc of the multicodec ``ed25519-pub``
prefix (0xed 0x01) and the 32 key bytes.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import base58
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .jsonld import UnsafeDocument, canonicalize

CRYPTOSUITE = "eddsa-rdfc-2022"
PROOF_TYPE = "DataIntegrityProof"
ED25519_PUB_PREFIX = b"\xed\x01"
ED25519_PRIV_PREFIX = b"\x80\x26"


class ProofError(ValueError):
    """A proof is missing, malformed or does not verify; the message says why."""


# --- multibase and Multikey ------------------------------------------------


def multibase_base58btc_encode(data: bytes) -> str:
    return "z" + base58.b58encode(data).decode("ascii")


def multibase_base58btc_decode(value: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("z") or len(value) > 200:
        raise ProofError("Expected a multibase base58btc value (starting with 'z').")
    try:
        return base58.b58decode(value[1:])
    except ValueError as exc:
        raise ProofError("The multibase value is not valid base58btc.") from exc


def public_key_multibase(public_key: Ed25519PublicKey) -> str:
    return multibase_base58btc_encode(ED25519_PUB_PREFIX + public_key.public_bytes_raw())


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    raw = multibase_base58btc_decode(value)
    if len(raw) != 34 or raw[:2] != ED25519_PUB_PREFIX:
        raise ProofError("The public key is not an Ed25519 Multikey.")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def secret_key_multibase(private_key: Ed25519PrivateKey) -> str:
    return multibase_base58btc_encode(ED25519_PRIV_PREFIX + private_key.private_bytes_raw())


def private_key_from_multibase(value: str) -> Ed25519PrivateKey:
    """Accepts the 32-byte seed form, or the 64-byte seed + public key form
    some libraries (and 1EdTech's test vector) export."""
    raw = multibase_base58btc_decode(value)
    if raw[:2] != ED25519_PRIV_PREFIX or len(raw) not in (34, 66):
        raise ProofError("The secret key is not an Ed25519 multikey secret key.")
    private_key = Ed25519PrivateKey.from_private_bytes(raw[2:34])
    if len(raw) == 66 and private_key.public_key().public_bytes_raw() != raw[34:]:
        raise ProofError("The secret key does not match the public key it carries.")
    return private_key


# --- proofs ----------------------------------------------------------------


@dataclass(frozen=True)
class ProofOptions:
    verification_method: str
    created: str  # XML Schema dateTime, e.g. 2026-11-30T12:00:00Z
    proof_purpose: str = "assertionMethod"

    def as_proof(self) -> dict:
        return {
            "type": PROOF_TYPE,
            "created": self.created,
            "verificationMethod": self.verification_method,
            "cryptosuite": CRYPTOSUITE,
            "proofPurpose": self.proof_purpose,
        }


@dataclass(frozen=True)
class SigningInput:
    canonical_proof: str
    canonical_document: str

    @property
    def hash_data(self) -> bytes:
        return (
            hashlib.sha256(self.canonical_proof.encode()).digest()
            + hashlib.sha256(self.canonical_document.encode()).digest()
        )


def signing_input(unsecured_document: dict, proof_config: dict) -> SigningInput:
    """The canonical forms that are hashed and signed (spec 3.3.4-3.3.5):
    the proof configuration takes the document's ``@context``."""
    config = {k: v for k, v in proof_config.items() if k != "proofValue"}
    config["@context"] = unsecured_document["@context"]
    return SigningInput(canonical_proof=canonicalize(config), canonical_document=canonicalize(unsecured_document))


def sign(document: dict, *, private_key: Ed25519PrivateKey, options: ProofOptions) -> dict:
    """A copy of ``document`` with a ``DataIntegrityProof`` added."""
    unsecured = copy.deepcopy(document)
    unsecured.pop("proof", None)
    proof = options.as_proof()
    signature = private_key.sign(signing_input(unsecured, proof).hash_data)
    proof["proofValue"] = multibase_base58btc_encode(signature)
    return {**unsecured, "proof": proof}


# Resolves a verificationMethod id to (controller id, public key), or raises
# ProofError when it is unknown or not allowed for assertions.
KeyResolver = Callable[[str], tuple[str, Ed25519PublicKey]]


@dataclass(frozen=True)
class VerifiedProof:
    verification_method: str
    controller: str
    created: str


def verify(document: dict, *, resolve_key: KeyResolver, expected_controller: str | None = None) -> VerifiedProof:
    """Check the single ``eddsa-rdfc-2022`` proof on ``document``; raise
    ProofError with the reason otherwise."""
    if not isinstance(document, dict):
        raise ProofError("The credential is not a JSON object.")
    proof = document.get("proof")
    if not isinstance(proof, dict):
        raise ProofError("The credential has no proof (or more than one).")
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError(f"The proof is not a {PROOF_TYPE} with the {CRYPTOSUITE} cryptosuite.")
    if proof.get("proofPurpose") != "assertionMethod":
        raise ProofError("The proof's purpose is not assertionMethod.")
    if "@context" in proof and proof["@context"] != document.get("@context"):
        raise ProofError("The proof's @context differs from the credential's.")
    method = proof.get("verificationMethod")
    if not isinstance(method, str) or not method:
        raise ProofError("The proof names no verification method.")
    signature = multibase_base58btc_decode(proof.get("proofValue"))
    if len(signature) != 64:
        raise ProofError("The proof value is not an Ed25519 signature.")
    controller, public_key = resolve_key(method)
    if expected_controller is not None and controller != expected_controller:
        raise ProofError("The signing key does not belong to the credential's issuer.")
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    try:
        data = signing_input(unsecured, proof).hash_data
    except UnsafeDocument as exc:
        raise ProofError(str(exc)) from exc
    except Exception as exc:  # PyLD raises its own error types for any malformed JSON-LD
        raise ProofError(f"The credential is not valid JSON-LD ({type(exc).__name__}).") from exc
    try:
        public_key.verify(signature, data)
    except InvalidSignature as exc:
        raise ProofError("The signature does not match the credential: it was changed after signing.") from exc
    return VerifiedProof(verification_method=method, controller=controller, created=str(proof.get("created", "")))
