"""Editor actions on a certificate: inspect with its audit log, revoke, reissue."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from .forms import ReissueForm, RevokeForm
from .models import Certificate, CertificateSettings, provider_details_missing
from .services import CertificateError, certificate_reissue, certificate_revoke


class CertificateManageView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "certificates/admin/manage.html"
    header_icon = "doc-full"

    def dispatch(self, request, pk):
        if not request.user.has_perm("certificates.view_certificate"):
            raise PermissionDenied
        self.certificate = get_object_or_404(Certificate.objects.select_related("user", "course"), pk=pk)
        return super().dispatch(request, pk)

    def get_page_title(self):
        return f"Certificate {self.certificate.code}"

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse("wagtailadmin_home"), "label": "Home"},
            {"url": reverse("wagtailsnippets_certificates_certificate:list"), "label": "Certificates"},
            {"url": "", "label": self.certificate.code},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        can_manage = self.request.user.has_perm("certificates.manage_certificate")
        context.update(
            certificate=self.certificate,
            events=self.certificate.events.select_related("actor"),
            can_manage=can_manage,
            revoke_form=kwargs.get("revoke_form") or RevokeForm(),
            reissue_form=kwargs.get("reissue_form") or ReissueForm(),
            confirm_revoke=kwargs.get("confirm_revoke"),
            missing_provider_details=provider_details_missing(CertificateSettings.for_request(self.request)),
        )
        return context

    def post(self, request, pk):
        if not request.user.has_perm("certificates.manage_certificate"):
            raise PermissionDenied
        action = request.POST.get("action")
        form_class = {"revoke": RevokeForm, "reissue": ReissueForm}.get(action)
        if form_class is None:
            messages.error(request, "Unknown action.")
            return redirect(request.path)
        form = form_class(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(**{f"{action}_form": form}), status=400)
        if action == "revoke" and not form.cleaned_data["confirmed"]:
            # Revoking cannot be undone (only a reissue replaces it): say what
            # will happen and ask once more before doing it.
            return self.render_to_response(self.get_context_data(confirm_revoke=form))
        try:
            if action == "revoke":
                certificate_revoke(certificate=self.certificate, actor=request.user, reason=form.cleaned_data["reason"])
                messages.success(request, f"Certificate {self.certificate.code} revoked.")
                return redirect(request.path)
            new = certificate_reissue(certificate=self.certificate, actor=request.user, note=form.cleaned_data["note"])
        except CertificateError as exc:
            messages.error(request, str(exc))
            return redirect(request.path)
        messages.success(request, f"Reissued as {new.code}; the new PDF is being prepared.")
        return redirect("certificate_manage", pk=new.pk)
