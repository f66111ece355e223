from decimal import Decimal

from django import forms

from .models import AgeBand, Coordinated, Measure, Setting, TherapistRole, Treatment

LOG_HELP = (
    "Record the case only by these categories and numbers. There is deliberately no place for a name, "
    "date of birth, date of treatment or any free description: a practice log that cannot identify a "
    "client cannot leak one."
)


class PracticeLogForm(forms.Form):
    age_band = forms.ChoiceField(label="Client's age band", choices=AgeBand.choices)
    setting = forms.ChoiceField(choices=Setting.choices)
    treatments = forms.MultipleChoiceField(
        label="Treatments involved", choices=Treatment.choices, widget=forms.CheckboxSelectMultiple
    )
    sessions = forms.IntegerField(label="Number of sessions you held", min_value=1, max_value=200)
    measure = forms.ChoiceField(label="Outcome measure", choices=Measure.choices)
    measure_before = forms.IntegerField(label="Score before", min_value=0, max_value=63)
    measure_after = forms.IntegerField(label="Score after", min_value=0, max_value=63)
    role = forms.ChoiceField(label="Your role", choices=TherapistRole.choices)
    coordinated_with = forms.MultipleChoiceField(
        label="Coordinated with", choices=Coordinated.choices, widget=forms.CheckboxSelectMultiple
    )

    def clean_coordinated_with(self):
        value = self.cleaned_data["coordinated_with"]
        if "none" in value and len(value) > 1:
            raise forms.ValidationError("“No one” cannot be combined with others.")
        return value


class SupervisorForm(forms.Form):
    name = forms.CharField(label="Supervisor's name", max_length=150)
    license = forms.CharField(label="Supervisor's license number", max_length=64)
    email = forms.EmailField(label="Supervisor's e-mail address", max_length=254)


class CapstoneForm(forms.Form):
    text = forms.CharField(
        label="Case formulation",
        widget=forms.Textarea(attrs={"rows": 14}),
        max_length=20_000,
        help_text="Describe the client only as “the client”: no names, dates, places, phone numbers or record "
        "numbers. Submissions that look as if they contain one are refused.",
    )


class AttestationForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("attest", "I attest this supervised practice"), ("decline", "I decline to attest")],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Required when you decline. Do not name or otherwise identify clients.",
    )


class RegistryForm(forms.Form):
    website = forms.URLField(label="Practice website (optional)", required=False, max_length=200, assume_scheme="https")


class RegistrySearchForm(forms.Form):
    name = forms.CharField(required=False, max_length=100, strip=True)
    jurisdiction = forms.CharField(required=False, max_length=100, strip=True)

    def clean(self):
        data = super().clean()
        for field in ("name", "jurisdiction"):
            value = data.get(field, "")
            if any(ord(ch) < 32 for ch in value):
                self.add_error(field, "Use letters, spaces and ordinary punctuation only.")
        return data


class ExternalCEForm(forms.Form):
    """Another provider's certificate. The service re-checks every rule
    (hours, date, size, PDF), so a request that skips this form gains nothing."""

    provider_name = forms.CharField(label="Provider", max_length=200)
    course_title = forms.CharField(label="Course title", max_length=300)
    hours = forms.DecimalField(
        label="CE hours",
        min_value=Decimal("0.25"),
        max_value=Decimal("40"),
        max_digits=4,
        decimal_places=2,
        step_size=Decimal("0.25"),
        help_text="As printed on the certificate: more than 0 and at most 40, in quarter hours.",
    )
    completed_on = forms.DateField(label="Completion date", widget=forms.DateInput(attrs={"type": "date"}))
    pdf = forms.FileField(
        label="Certificate (PDF)",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
        help_text="PDF only, at most 5 MB. Only you and the editors who review it can open it.",
    )
