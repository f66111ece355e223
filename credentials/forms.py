import json

from django import forms

from .verification import MAX_FILE_BYTES


class CredentialFileForm(forms.Form):
    file = forms.FileField(
        label="Credential file (.json)",
        help_text="An Open Badges credential issued by this site, as downloaded.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                f"The file is too large to be a credential ({upload.size // 1024} KB; the limit is "
                f"{MAX_FILE_BYTES // 1024} KB)."
            )
        raw = upload.read(MAX_FILE_BYTES + 1)
        try:
            return json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise forms.ValidationError("The file is not text: a credential is a JSON file.")
        except (ValueError, RecursionError):
            raise forms.ValidationError("The file is not valid JSON; it may be truncated or damaged.")
