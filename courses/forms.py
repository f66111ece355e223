from django import forms

LIKERT_CHOICES = [
    ("5", "Strongly agree"),
    ("4", "Agree"),
    ("3", "Neutral"),
    ("2", "Disagree"),
    ("1", "Strongly disagree"),
]


class EvaluationForm(forms.Form):
    """Built from the course's evaluation questions, which editors manage."""

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for q in self.questions:
            if q.kind == "likert":
                field = forms.ChoiceField(
                    label=q.text,
                    choices=LIKERT_CHOICES,
                    widget=forms.RadioSelect,
                    required=q.required,
                    error_messages={"required": "Choose one of the five answers."},
                )
            else:
                field = forms.CharField(
                    label=q.text,
                    required=q.required,
                    max_length=4000,
                    widget=forms.Textarea(attrs={"rows": 4}),
                    error_messages={"required": "Write an answer to this question."},
                )
            self.fields[q.key] = field

    def answers(self):
        return {q.key: self.cleaned_data.get(q.key, "") for q in self.questions}
