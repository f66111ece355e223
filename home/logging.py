import logging
import re

# Anything that looks like an e-mail address is masked before a log record
# leaves the process; license numbers are never logged by the project at all.
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


def redact(text):
    return EMAIL_RE.sub("[email]", text)


class RedactPersonalDataFilter(logging.Filter):
    def filter(self, record):
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not stop logging
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
