"""Verification codes: 75 random bits as Crockford base32 in three groups.

Crockford's alphabet drops I, L, O and U so a code read aloud or typed from
paper is hard to get wrong; lookup is case-insensitive and forgives the
usual confusions (O->0, I/L->1) and missing or extra dashes.
"""

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
GROUPS, GROUP_LEN = 3, 5  # 15 symbols x 5 bits = 75 bits
CODE_RE = re.compile(rf"^[{ALPHABET}]{{{GROUP_LEN}}}(-[{ALPHABET}]{{{GROUP_LEN}}}){{{GROUPS - 1}}}$")
_TRANSLATE = str.maketrans({"O": "0", "I": "1", "L": "1"})


def generate_code():
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(GROUPS * GROUP_LEN))
    return "-".join(symbols[i : i + GROUP_LEN] for i in range(0, len(symbols), GROUP_LEN))


def normalize_code(raw):
    """Return the canonical form of a typed code, or None if it cannot be one."""
    if not isinstance(raw, str) or len(raw) > 40:
        return None
    compact = re.sub(r"[\s-]", "", raw).upper().translate(_TRANSLATE)
    if len(compact) != GROUPS * GROUP_LEN or any(ch not in ALPHABET for ch in compact):
        return None
    return "-".join(compact[i : i + GROUP_LEN] for i in range(0, len(compact), GROUP_LEN))
