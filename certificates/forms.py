from django import forms


class VerifyForm(forms.Form):
    code = forms.CharField(
        label="Certificate code",
        max_length=40,
        help_text="The 15-character code printed on the certificate, e.g. 7KQ2M-X9D4R-T3HVA.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}),
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)
    # Set only by the confirmation page: the first submit asks "are you sure?".
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)


class ReissueForm(forms.Form):
    note = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why it is reissued, e.g. legal-name correction.",
    )
