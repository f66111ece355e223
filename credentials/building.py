"""Building OpenBadgeCredentials (pure: plain data in, JSON-LD out).

VC Data Model 2.0 with the Open Badges 3.0.3 context. The learner is named
by a salted SHA-256 hash of their e-mail address (an ``IdentityObject``; the
address itself is never published) and by their legal name, as it is printed
on the certificate.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
CREDENTIAL_TYPE = ["VerifiableCredential", "OpenBadgeCredential"]


def xsd_datetime(value: datetime) -> str:
    """UTC, whole seconds, with a Z (what verifiers parse most reliably)."""
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_salt() -> str:
    return secrets.token_hex(16)


def identity_hash(email: str, salt: str) -> str:
    """OB 3.0 IdentityHash: ``sha256$`` + hex digest of identity + salt. The
    address is trimmed and lower-cased first, so a verifier who knows the
    learner's address (in any case) can confirm it with the published salt."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()


@dataclass(frozen=True)
class Issuer:
    id: str  # the site's DID
    name: str
    url: str
    email: str


@dataclass(frozen=True)
class AchievementInfo:
    id: str  # the course's public URL
    name: str
    description: str
    criteria: str
    credits_available: Decimal
    objectives: tuple[tuple[str, str], ...] = ()  # (key, text)
    achievement_type: str = "CertificateOfCompletion"


@dataclass(frozen=True)
class ReplacedCredential:
    id: str  # public URL of the replaced credential's JSON
    digest_sri: str  # SRI digest of that JSON, so the pointer cannot be swapped


@dataclass(frozen=True)
class Award:
    credential_id: str  # urn:uuid:...
    recipient_name: str
    recipient_email: str
    identity_salt: str
    awarded_at: datetime  # the original award; a reissue keeps it
    valid_from: datetime  # when this credential was signed
    status: dict  # its BitstringStatusListEntry
    valid_until: datetime | None = None
    replaces: ReplacedCredential | None = None


def build_credential(*, issuer: Issuer, achievement: AchievementInfo, award: Award) -> dict:
    """The unsigned OpenBadgeCredential."""
    hours = float(achievement.credits_available)
    achievement_json = {
        "id": achievement.id,
        "type": ["Achievement"],
        "achievementType": achievement.achievement_type,
        "name": achievement.name,
        "description": achievement.description,
        "criteria": {"narrative": achievement.criteria},
        "creditsAvailable": hours,
    }
    if achievement.objectives:
        achievement_json["alignment"] = [
            {
                "type": ["Alignment"],
                "targetName": text,
                "targetCode": key,
                "targetUrl": f"{achievement.id}#objective-{key}",
                "targetType": "ext:LearningObjective",
            }
            for key, text in achievement.objectives
        ]
    credential = {
        "@context": list(CONTEXT),
        "id": award.credential_id,
        "type": list(CREDENTIAL_TYPE),
        "name": achievement.name,
        "issuer": {
            "id": issuer.id,
            "type": ["Profile"],
            "name": issuer.name,
            "url": issuer.url,
            "email": issuer.email,
        },
        "validFrom": xsd_datetime(award.valid_from),
        "awardedDate": xsd_datetime(award.awarded_at),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": identity_hash(award.recipient_email, award.identity_salt),
                    "identityType": "emailAddress",
                    "hashed": True,
                    "salt": award.identity_salt,
                },
                {
                    "type": "IdentityObject",
                    "identityHash": award.recipient_name,
                    "identityType": "name",
                    "hashed": False,
                },
            ],
            "creditsEarned": hours,
            "achievement": achievement_json,
        },
        "credentialStatus": award.status,
    }
    if award.valid_until is not None:
        credential["validUntil"] = xsd_datetime(award.valid_until)
    if award.replaces is not None:
        credential["relatedResource"] = [{"id": award.replaces.id, "digestSRI": award.replaces.digest_sri}]
    return credential


def credential_json(document: dict) -> bytes:
    """The bytes served for a credential: sorted keys, so they are the same
    whatever order the database returns (PostgreSQL's jsonb reorders keys),
    and an SRI digest of them stays true."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False).encode()


def digest_sri(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode("ascii")
