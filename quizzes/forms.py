"""Admin form pieces for items: the choices inline checks the item rules.

The check lives on the choices formset because only there are the submitted
choices known. modelcluster validates the parent form first, copying its
``type`` and ``active`` fields onto the form's instance; ``QuestionForm``
hands that same instance to the formset (on a create view the formset would
otherwise hold a blank question of its own), so the formset can read them.
"""

from django.core.exceptions import ValidationError
from modelcluster.forms import BaseChildFormSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import InlinePanel

from .item_rules import item_problems


class ChoiceFormSet(BaseChildFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return  # the choices themselves are incomplete; those errors come first
        question = self.instance
        if not question.active:
            return  # an inactive draft may be saved half-built; it is never drawn
        choices = [
            {"text": form.cleaned_data.get("text", ""), "correct": form.cleaned_data.get("is_correct", False)}
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        problems = item_problems(type=question.type, choices=choices).get("choices", [])
        if problems:
            raise ValidationError(
                [*problems, "Fix the choices, or untick \u201cactive\u201d to save this item as a draft."]
            )


class ChoicesPanel(InlinePanel):
    """InlinePanel whose formset applies the item rules."""

    def get_form_options(self):
        options = super().get_form_options()
        options["formsets"][self.relation_name]["formset"] = ChoiceFormSet
        return options


class QuestionForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for formset in self.formsets.values():
            formset.instance = self.instance
