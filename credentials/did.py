"""did:web identifiers and DID documents (pure).

The issuer is ``did:web:<host>`` for a site served at the root of its host
(W3C CCG did:web method: a port is percent-encoded, a path becomes
colon-separated segments), and its DID document lists every key the site has
ever signed with as a ``Multikey``: retired keys stay, so credentials signed
before a rotation keep verifying.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote, urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .signing import ProofError, public_key_from_multibase

DID_CONTEXT = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]


def did_web(site_url: str) -> str:
    parts = urlsplit(site_url)
    if not parts.hostname:
        raise ValueError(f"SITE_URL has no host: {site_url!r}")
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    segments = [quote(host, safe="")] + [quote(s, safe="") for s in parts.path.split("/") if s]
    return "did:web:" + ":".join(segments)


def did_document_path(site_url: str) -> str:
    """Where did:web resolution looks for the document on this site."""
    path = urlsplit(site_url).path.strip("/")
    return f"/{path}/did.json" if path else "/.well-known/did.json"


def verification_method_id(did: str, public_key_multibase: str) -> str:
    return f"{did}#{public_key_multibase}"


def did_document(did: str, public_keys_multibase: Iterable[str]) -> dict:
    methods = [
        {
            "id": verification_method_id(did, key),
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": key,
        }
        for key in public_keys_multibase
    ]
    return {
        "@context": DID_CONTEXT,
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }


def key_resolver(document: dict):
    """Resolve verification methods from a DID (or controller) document the
    verifier has in hand; only keys listed for assertions count."""
    if not isinstance(document, dict) or not isinstance(document.get("id"), str):
        raise ProofError("The issuer's DID document is malformed.")
    methods = {m.get("id"): m for m in document.get("verificationMethod", []) if isinstance(m, dict)}
    assertion = {m if isinstance(m, str) else m.get("id") for m in document.get("assertionMethod", [])}

    def resolve(method_id: str) -> tuple[str, Ed25519PublicKey]:
        method = methods.get(method_id)
        if method is None or method_id not in assertion:
            raise ProofError("The signing key is not one the issuer's DID document lists for credentials.")
        if method.get("type") != "Multikey" or method.get("controller") != document["id"]:
            raise ProofError("The issuer's key is not an Ed25519 Multikey it controls.")
        return method["controller"], public_key_from_multibase(method.get("publicKeyMultibase"))

    return resolve
