"""`make run`: once the web server answers, print where it is and the
development admin's credentials again (the worker's start-up output has
scrolled them away by then)."""

import os
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
port = os.environ.get("WEB_PORT", "8000")
url = f"http://127.0.0.1:{port}/"
for _ in range(600):
    try:
        with urllib.request.urlopen(url + "healthz", timeout=2):  # noqa: S310 - loopback only
            break
    except OSError:
        time.sleep(0.5)
else:
    sys.exit(f"The web server did not answer on {url} within 5 minutes.")
credentials = ROOT / "var" / "dev-admin.txt"
email, password = credentials.read_text().split()[:2]
print(f"Ready: {url}  |  admin {url}admin/  as {email} / {password}  (also in var/dev-admin.txt)", flush=True)
# Stay up: honcho stops every process when one exits.
while True:
    time.sleep(3600)
