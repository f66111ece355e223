import logging
import re

from django.views.debug import SafeExceptionReporterFilter

# Anything that looks like an e-mail address is masked before a log record
# leaves the process; license numbers are never logged by the project at all.
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# Form fields and variables that carry personal data, by name.
PERSONAL_NAME_RE = re.compile(r"email|login|license|legal_name", re.I)


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


class PersonalDataExceptionReporterFilter(SafeExceptionReporterFilter):
    """Error reports (mail to admins, an error tracker) carry no personal data
    or secrets: POST fields and local variables named like them are hidden,
    and e-mail addresses in any other text variable are masked."""

    def _hidden(self, name):
        return bool(PERSONAL_NAME_RE.search(name) or self.hidden_settings.search(name))

    def get_post_parameters(self, request):
        params = super().get_post_parameters(request)
        if request is None or not self.is_active(request):
            return params
        params = params.copy()
        for key in params:
            if self._hidden(key):
                params[key] = self.cleansed_substitute
        return params

    def get_traceback_frame_variables(self, request, tb_frame):
        variables = super().get_traceback_frame_variables(request, tb_frame)
        if not self.is_active(request):
            return variables
        return [(name, self._cleanse_variable(name, value)) for name, value in variables]

    def _cleanse_variable(self, name, value):
        if self._hidden(name):
            return self.cleansed_substitute
        return redact(value) if isinstance(value, str) else value
