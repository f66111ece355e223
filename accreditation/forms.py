from django import forms

from .models import AccreditingBody, CreditOffering

MSG_PERIOD_ORDER = "The period must end on or after the day it starts."


class ClaimForm(forms.Form):
    """Only shapes the input; the rules (hours, license, approval) are the
    service's, so the same refusal reads the same from any caller."""

    offering = forms.TypedChoiceField(label="Credit", widget=forms.RadioSelect, coerce=str)
    hours = forms.CharField(
        label="Hours you spent",
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    license_number = forms.CharField(label="License number", max_length=200, required=False)
    license_jurisdiction = forms.CharField(label="License issued by (state or country)", max_length=200, required=False)
    attested = forms.BooleanField(
        label="I attest that the hours I claim are the time I actually spent on this course.", required=False
    )

    def __init__(self, *args, choices, max_hours_hint="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offering"].choices = choices
        if max_hours_hint:
            self.fields["hours"].help_text = max_hours_hint


class TranscriptFilterForm(forms.Form):
    body = forms.ModelChoiceField(
        label="Board",
        queryset=AccreditingBody.objects.all(),
        to_field_name="code",
        required=False,
        empty_label="All boards",
    )
    start = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError(MSG_PERIOD_ORDER)
        return data


class AuditPackForm(forms.Form):
    offering = forms.ModelChoiceField(queryset=None, label="Credit offering")
    start = forms.DateField(label="Completions from", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="to", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offering"].queryset = CreditOffering.objects.select_related("body", "course")

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError(MSG_PERIOD_ORDER)
        return data
