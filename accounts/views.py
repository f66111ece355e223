import json

from allauth.account import views as allauth_views
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables

from .forms import CloseAccountForm, LearnerProfileForm
from .hooks import keepsakes
from .models import LearnerProfile
from .selectors import user_data_export
from .services import account_close, profile_save


@login_required
@never_cache
@sensitive_post_parameters("license_number", "legal_name")
def profile_view(request):
    instance = LearnerProfile.objects.filter(user=request.user).first()
    form = LearnerProfileForm(request.POST or None, instance=instance)
    if request.method == "POST":
        if form.is_valid():
            profile_save(user=request.user, form=form)
            messages.success(request, "Your profile has been saved.")
            target = request.GET.get("next", "")
            if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                return redirect(target)
            return redirect("profile")
        response = render(request, "accounts/profile.html", {"form": form, "profile": instance}, status=400)
        return response
    return render(request, "accounts/profile.html", {"form": form, "profile": instance})


@login_required
@never_cache
@sensitive_variables("payload")  # everything the platform holds about the learner
def data_export_view(request):
    payload = json.dumps(user_data_export(user=request.user), indent=2, ensure_ascii=False)
    response = HttpResponse(payload, content_type="application/json; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="my-data-{stamp}.json"'
    return response


@login_required
@never_cache
@sensitive_post_parameters("password")
def close_account_view(request):
    form = CloseAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        account_close(user=user)
        messages.info(request, "Your account is closed. Your certificates remain verifiable.")
        return redirect("/")
    context = {"form": form, "keepsakes": keepsakes(request.user)}
    return render(request, "accounts/close_account.html", context, status=400 if form.errors else 200)


class _InvalidFormIs400:
    """allauth answers an invalid form with 200; say 400, as for every other
    refused input here. The page and its field errors are unchanged."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class LoginView(_InvalidFormIs400, allauth_views.LoginView):
    pass


class SignupView(_InvalidFormIs400, allauth_views.SignupView):
    pass


# --- One way in: Wagtail's and Django's log-in and reset views hand over ------
# Wagtail ships its own log-in (/admin/login/, /_util/login/) and password
# reset (/admin/password_reset/) built on Django's forms, which know nothing of
# allauth's failure limits, lockout or e-mail verification. config/urls.py
# routes those URLs here first; each sends the visitor to allauth's form.


def _safe_next(request, default):
    target = request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def admin_login_view(request):
    """Wagtail sends anyone without admin access here (with a message)."""
    target = _safe_next(request, reverse("wagtailadmin_home"))
    if request.user.is_authenticated:
        # A learner sent back from the admin would loop between the two
        # log-in pages; their own dashboard is where they belong.
        return redirect(target if request.user.has_perm("wagtailadmin.access_admin") else "dashboard")
    return redirect_to_login(target, reverse("account_login"))


def frontend_login_view(request):
    return redirect_to_login(_safe_next(request, "/"), reverse("account_login"))


def admin_password_reset_view(request, rest=""):
    return redirect("account_reset_password")
