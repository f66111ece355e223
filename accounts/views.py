import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache

from .forms import CloseAccountForm, LearnerProfileForm
from .models import LearnerProfile
from .selectors import user_data_export
from .services import account_close, profile_save


@login_required
@never_cache
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
def data_export_view(request):
    payload = json.dumps(user_data_export(user=request.user), indent=2, ensure_ascii=False)
    response = HttpResponse(payload, content_type="application/json; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="my-data-{stamp}.json"'
    return response


@login_required
@never_cache
def close_account_view(request):
    form = CloseAccountForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            user = request.user
            logout(request)
            account_close(user=user)
            messages.info(request, "Your account is closed. Your certificates remain verifiable.")
            return redirect("/")
        return render(request, "accounts/close_account.html", {"form": form}, status=400)
    return render(request, "accounts/close_account.html", {"form": form})
