"""The supervisor's link: a signed, timestamped token naming one
attestation request and its nonce (pure apart from SECRET_KEY).

The payload holds only the row's id and a random nonce: no name, e-mail or
licence ever travels in a URL. ``signing`` with a salt of its own means a
token made for any other purpose on the site never verifies here."""

from __future__ import annotations

from django.core import signing

SALT = "certification.attestation.v1"


class LinkError(Exception):
    """Why a link cannot be used (message for the person holding it)."""


MSG_LINK_TAMPERED = "This link is not valid. Please use the link exactly as it appears in the e-mail."
MSG_LINK_EXPIRED = "This link has expired. Ask the learner to send a new request."


def make_token(*, attestation_id: int, nonce: str) -> str:
    return signing.dumps({"a": attestation_id, "n": nonce}, salt=SALT, compress=False)


def read_token(*, token: str, max_age: int) -> tuple[int, str]:
    if not isinstance(token, str) or len(token) > 300:
        raise LinkError(MSG_LINK_TAMPERED)
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise LinkError(MSG_LINK_EXPIRED) from exc
    except signing.BadSignature as exc:
        raise LinkError(MSG_LINK_TAMPERED) from exc
    if not isinstance(data, dict) or not isinstance(data.get("a"), int) or not isinstance(data.get("n"), str):
        raise LinkError(MSG_LINK_TAMPERED)
    return data["a"], data["n"]
