"""Bitstring Status List v1.0 (W3C), pure.

The list is a bitstring whose bit *i* (counted from the most significant bit
of the first byte) is 1 when the credential at index *i* is revoked. It is
published GZIP-compressed and multibase base64url-encoded (no padding) in a
signed ``BitstringStatusListCredential``.
"""

from __future__ import annotations

import base64
import gzip
import io

from .signing import ProofError

MAX_ENCODED_LENGTH = 1_000_000  # a 16 KB list of any content compresses far below this


def empty(size_bits: int) -> bytes:
    return bytes(size_bits // 8)


def set_bit(bits: bytes, index: int, value: bool) -> bytes:
    if not 0 <= index < len(bits) * 8:
        raise IndexError(f"status index {index} outside the list")
    data = bytearray(bits)
    mask = 0x80 >> (index % 8)
    if value:
        data[index // 8] |= mask
    else:
        data[index // 8] &= ~mask & 0xFF
    return bytes(data)


def get_bit(bits: bytes, index: int) -> bool:
    if not 0 <= index < len(bits) * 8:
        raise IndexError(f"status index {index} outside the list")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def encode(bits: bytes) -> str:
    # mtime=0: the same list always encodes to the same string.
    compressed = gzip.compress(bits, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def decode(encoded: str, *, max_bytes: int = 16 * 1024 * 1024) -> bytes:
    if not isinstance(encoded, str) or not encoded.startswith("u") or len(encoded) > MAX_ENCODED_LENGTH:
        raise ProofError("The status list is not multibase base64url.")
    body = encoded[1:]
    try:
        compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        with gzip.GzipFile(fileobj=io.BytesIO(compressed)) as fh:
            bits = fh.read(max_bytes + 1)  # bounded: a gzip bomb stops here
    except (ValueError, OSError, EOFError) as exc:
        raise ProofError("The status list is not a GZIP-compressed bitstring.") from exc
    if len(bits) > max_bytes:
        raise ProofError("The status list is too large.")
    return bits


def entry(*, list_url: str, index: int, purpose: str = "revocation") -> dict:
    """The ``credentialStatus`` a credential carries."""
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def status_list_credential(*, list_url: str, issuer: str, bits: bytes, valid_from: str, purpose: str = "revocation"):
    """The unsigned ``BitstringStatusListCredential``."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": valid_from,
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encode(bits),
        },
    }
