"""The Open Badges reference data the tests read (../shared/reference)."""

import json
from pathlib import Path

from django.conf import settings

OPEN_BADGES = Path(settings.BASE_DIR).parent / "shared" / "reference" / "open-badges"


def load(name):
    return json.loads((OPEN_BADGES / name).read_text())
