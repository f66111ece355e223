import unicodedata

from allauth.account import forms as allauth_forms
from allauth.account.adapter import get_adapter
from django import forms
from django.contrib.auth.hashers import make_password
from django.views.decorators.debug import sensitive_variables

from core import printfonts

from .models import LearnerProfile

# At most this many unprintable characters are listed in the message.
MAX_LISTED = 5


def reject_control_characters(value):
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value):
        raise forms.ValidationError("Remove invisible or control characters from this field.")
    return value


def describe_character(ch: str) -> str:
    """``"😀" (U+1F600 GRINNING FACE)``: readable even where the browser has no glyph either."""
    name = unicodedata.name(ch, "")
    return f"\u201c{ch}\u201d (U+{ord(ch):04X}{' ' + name if name else ''})"


def reject_unprintable_name(value: str) -> str:
    """Refuse a name the certificate fonts cannot draw, naming the characters.

    The same check the certificate layout uses (``printfonts``), so a name
    saved here never prints as empty boxes.
    """
    missing = printfonts.uncovered(value, printfonts.NAME_STYLE)
    if missing:
        listed = ", ".join(describe_character(ch) for ch in missing[:MAX_LISTED])
        more = f" and {len(missing) - MAX_LISTED} more" if len(missing) > MAX_LISTED else ""
        raise forms.ValidationError(
            f"Certificates cannot print {listed}{more}. Write your name as it appears on your license, "
            "in Latin, Greek, Cyrillic, Arabic, Hebrew, Devanagari, Chinese, Japanese or Korean script."
        )
    return value


class LearnerProfileForm(forms.ModelForm):
    """The license number is write-only: it is never echoed back in full."""

    license_number = forms.CharField(
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text="Optional. Leave blank to keep the number on file.",
    )
    clear_license_number = forms.BooleanField(required=False, label="Remove the license number on file")

    class Meta:
        model = LearnerProfile
        fields = ["legal_name", "profession", "license_number", "license_jurisdiction"]
        widgets = {"legal_name": forms.TextInput(attrs={"autocomplete": "name"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["license_number"] = ""
        masked = self.instance.license_number_masked if self.instance.pk else ""
        if masked:
            self.fields["license_number"].widget.attrs["placeholder"] = f"On file: {masked}"

    def clean_legal_name(self):
        value = " ".join(self.cleaned_data["legal_name"].split())
        if not value:
            raise forms.ValidationError("Enter your legal name.")
        value = printfonts.normalize(reject_control_characters(value))
        limit = LearnerProfile._meta.get_field("legal_name").max_length
        if len(value) > limit:  # a few letters (e.g. Devanagari QA) decompose under NFC
            raise forms.ValidationError(f"Ensure this value has at most {limit} characters (it has {len(value)}).")
        return reject_unprintable_name(value)

    def clean_license_number(self):
        return reject_control_characters(self.cleaned_data["license_number"].strip())

    def clean_license_jurisdiction(self):
        return reject_control_characters(self.cleaned_data["license_jurisdiction"].strip())

    @sensitive_variables()  # ``cleaned`` holds the license number: keep it out of error reports
    def clean(self):
        cleaned = super().clean()
        if cleaned.get("clear_license_number"):
            cleaned["license_number"] = ""
        elif not cleaned.get("license_number") and self.instance.pk:
            cleaned["license_number"] = self.instance.license_number
        return cleaned


class CloseAccountForm(forms.Form):
    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    confirm = forms.BooleanField(label="I understand that I will no longer be able to sign in.")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That password is not correct.")
        return password


# --- Unverified addresses claim nothing -------------------------------------
# allauth counts every EmailAddress row, verified or not, when it asks who
# holds an address. A pending, unverified e-mail change would then squat the
# address: its real owner could not sign up with it, and a password reset for
# it would mail a link for the squatter's account. Only a verified address, or
# the address an account signed up with, counts.


def _holds(user, email):
    from allauth.account.models import EmailAddress

    return user.email.lower() == email.lower() or EmailAddress.objects.filter(
        user=user, email__iexact=email, verified=True
    ).exists()


def _claimed(email):
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    return (
        EmailAddress.objects.filter(email__iexact=email, verified=True).exists()
        or get_user_model().objects.filter(email__iexact=email).exists()
    )


class SignupForm(allauth_forms.SignupForm):
    def validate_unique_email(self, value):
        if _claimed(value):
            return super().validate_unique_email(value)
        self.account_already_exists = False
        return get_adapter().validate_unique_email(value)

    def clean(self):
        cleaned = super().clean()
        if getattr(self, "account_already_exists", False) and not self.errors:
            # A new account costs a password hash (most of the sign-up's
            # time); an address that already has one must cost the same, or
            # the answer's timing tells whether the address has an account.
            # Both paths send one mail (a confirmation, or a notice).
            make_password(cleaned.get("password1"))
        return cleaned


class ResetPasswordForm(allauth_forms.ResetPasswordForm):
    def clean_email(self):
        email = super().clean_email()
        self.users = [user for user in self.users if _holds(user, email)]
        return email
