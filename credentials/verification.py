"""Verifying a credential file (pure): trust nothing but the file, the
issuer's published DID document and its published status list.

Every failure is a plain verdict with a reason; nothing here raises for bad
input, however it is malformed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from . import did as did_module
from . import signing
from . import status_list as bitstring

MAX_FILE_BYTES = 256 * 1024


@dataclass
class Verdict:
    valid: bool
    reason: str
    checks: list[tuple[str, bool, str]] = field(default_factory=list)
    credential: dict | None = None

    @property
    def status(self) -> str:
        return "valid" if self.valid else "not valid"


def _parse_datetime(value) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def _check_shape(document) -> str | None:
    if not isinstance(document, dict):
        return "The file is not a credential: it holds no JSON object."
    types = document.get("type")
    if not isinstance(types, list) or "VerifiableCredential" not in types:
        return "The file is not a verifiable credential (no VerifiableCredential type)."
    if "OpenBadgeCredential" not in types and "AchievementCredential" not in types:
        return "The file is not an Open Badges credential."
    return None


def issuer_id(document: dict):
    issuer = document.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def verify_credential(
    document,
    *,
    did_document: dict,
    load_status_list: Callable[[str], dict | None],
    status_list_prefix: str,
    now: datetime | None = None,
) -> Verdict:
    """Checks, in order: shape, issuer, signature, dates, status. The first
    failure decides the verdict."""
    now = now or datetime.now(UTC)
    checks: list[tuple[str, bool, str]] = []

    def fail(name, detail):
        """The check's line shows the detail; the verdict names the check."""
        checks.append((name, False, detail))
        reason = f"{name.capitalize()}: {detail}"
        return Verdict(
            valid=False, reason=reason, checks=checks, credential=document if isinstance(document, dict) else None
        )

    problem = _check_shape(document)
    if problem:
        return fail("format", problem)
    checks.append(("format", True, "An Open Badges verifiable credential."))

    if issuer_id(document) != did_document.get("id"):
        return fail("issuer", "Unknown issuer. This credential was not issued by this site.")
    checks.append(("issuer", True, f"Issued by {did_document['id']}."))

    try:
        signing.verify(
            document, resolve_key=did_module.key_resolver(did_document), expected_controller=did_document["id"]
        )
    except signing.ProofError as exc:
        return fail("signature", str(exc))
    except Exception as exc:  # any other malformation is still only "not valid"
        return fail("signature", f"the credential could not be checked ({type(exc).__name__}).")
    checks.append(("signature", True, "The signature is the issuer's and the content is unchanged."))

    valid_from = _parse_datetime(document.get("validFrom"))
    if valid_from is None:
        return fail("dates", "the credential has no valid validFrom date.")
    if valid_from > now:
        return fail("dates", "the credential is not valid yet.")
    if "validUntil" in document:
        valid_until = _parse_datetime(document.get("validUntil"))
        if valid_until is None:
            return fail("dates", "the validUntil date is malformed.")
        if valid_until <= now:
            return fail("dates", f"the credential expired on {valid_until.date().isoformat()}.")
    checks.append(("dates", True, "Within its validity dates."))

    status = document.get("credentialStatus")
    if not isinstance(status, dict) or status.get("type") != "BitstringStatusListEntry":
        return fail("status", "the credential carries no status list entry.")
    list_url = status.get("statusListCredential")
    if not isinstance(list_url, str) or not list_url.startswith(status_list_prefix):
        return fail("status", "the status list is not one this site publishes.")
    try:
        index = int(status.get("statusListIndex"))
    except (TypeError, ValueError):
        return fail("status", "the status list index is malformed.")
    list_credential = load_status_list(list_url)
    if list_credential is None:
        return fail("status", "the status list could not be found.")
    try:
        signing.verify(
            list_credential, resolve_key=did_module.key_resolver(did_document), expected_controller=did_document["id"]
        )
        bits = bitstring.decode(list_credential["credentialSubject"]["encodedList"])
        revoked = bitstring.get_bit(bits, index)
    except (signing.ProofError, KeyError, TypeError, IndexError) as exc:
        return fail("status", f"the status list could not be read ({exc}).")
    if list_credential["credentialSubject"].get("statusPurpose") != status.get("statusPurpose"):
        return fail("status", "the entry and the status list disagree on their purpose.")
    if revoked:
        return fail("status", "the issuer has revoked this credential.")
    checks.append(("status", True, "Not revoked."))
    return Verdict(valid=True, reason="The credential is valid.", checks=checks, credential=document)
