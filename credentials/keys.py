"""The site's signing key and the keys it has published.

Production reads the Ed25519 secret key from ``CREDENTIAL_SIGNING_KEY``
(multibase, see ``manage.py credential_key``); production settings refuse to
start without it. Development and tests generate one once under ``var/`` so
that the web process and the workers sign with the same key.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings

from . import did as did_module
from .signing import private_key_from_multibase, public_key_multibase, secret_key_multibase


def issuer_did() -> str:
    return did_module.did_web(settings.SITE_URL)


def _load_or_create(path: Path) -> str:
    """Create the development key atomically (O_EXCL): two processes racing
    on a fresh checkout end up with the same key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(secret_key_multibase(Ed25519PrivateKey.generate()) + "\n")
    return path.read_text().strip()


@dataclass(frozen=True)
class SigningKey:
    private_key: Ed25519PrivateKey
    public_key_multibase: str

    @property
    def verification_method(self) -> str:
        return did_module.verification_method_id(issuer_did(), self.public_key_multibase)


@cache
def _signing_key(secret: str) -> SigningKey:
    private_key = private_key_from_multibase(secret)
    return SigningKey(private_key=private_key, public_key_multibase=public_key_multibase(private_key.public_key()))


def signing_key() -> SigningKey:
    secret = settings.CREDENTIAL_SIGNING_KEY or _load_or_create(Path(settings.CREDENTIAL_SIGNING_KEY_FILE))
    return _signing_key(secret)
