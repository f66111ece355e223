"""Editors grant a learner an extra attempt at a quiz whose attempts are used
up. Each grant is an audit row (who, when, why) that nobody edits or deletes;
the listing is the audit trail."""

from django import forms
from django.contrib.auth import get_user_model
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from . import services
from .models import AttemptGrant


class AttemptGrantForm(WagtailAdminModelForm):
    learner_email = forms.EmailField(label="Learner's e-mail address", max_length=254)

    class Meta:
        model = AttemptGrant
        fields = ["learner_email", "quiz", "extra_attempts", "reason"]
        widgets = {"reason": forms.Textarea(attrs={"rows": 3})}

    def clean_learner_email(self):
        email = self.cleaned_data["learner_email"]
        self.learner = get_user_model().objects.filter(email__iexact=email).first()
        if self.learner is None:
            raise forms.ValidationError("No learner has that e-mail address.")
        return email


class GrantCreateView(generic.CreateView):
    def form_valid(self, form):
        try:
            self.object = services.attempt_grant(
                user=form.learner,
                quiz=form.cleaned_data["quiz"],
                granted_by=self.request.user,
                reason=form.cleaned_data["reason"],
                extra_attempts=form.cleaned_data["extra_attempts"],
            )
        except services.InvalidGrant as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        return self.save_action()

    def get_success_message(self, instance):
        return f"{instance.user.email} may now make {instance.extra_attempts} more attempt(s) at {instance.quiz}."


class ImmutableGrants(ModelPermissionPolicy):
    """Grants are audit records: they can be added and viewed, never changed."""

    def user_has_permission(self, user, action):
        if action in ("change", "delete"):
            return False
        return super().user_has_permission(user, action)


class AttemptGrantViewSet(ModelViewSet):
    model = AttemptGrant
    form_class = AttemptGrantForm
    add_view_class = GrantCreateView
    icon = "plus"
    menu_label = "Extra attempts"
    add_to_admin_menu = True
    menu_order = 260
    copy_view_enabled = False
    list_display = ["quiz", "user", "extra_attempts", "reason", "granted_by", "granted_at"]
    list_filter = ["quiz"]
    ordering = ["-granted_at"]

    def get_form_class(self, for_update=False):
        return AttemptGrantForm


register_permission_policy(AttemptGrant, ImmutableGrants(AttemptGrant))
