from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = "Certificates"

    def ready(self):
        from accounts.hooks import register_export_section, register_keepsakes
        from courses.hooks import EnrolmentAttachment, attach_to_enrolments, on_course_completed

        from . import selectors, services

        on_course_completed(services.certificate_for_completion)
        attach_to_enrolments(
            EnrolmentAttachment(
                name="certificate",
                annotations=selectors.enrolment_certificate_annotations,
                build=selectors.enrolment_certificate,
            )
        )
        register_export_section("certificates", selectors.export_certificates)
        register_keepsakes(selectors.closure_keepsakes)

        from django.db.models.signals import post_delete, post_save

        from credentials.models import Credential

        from . import signals
        from .models import Certificate

        for name, signal in (("save", post_save), ("delete", post_delete)):
            signal.connect(
                signals.forget_verification_of_certificate, sender=Certificate, dispatch_uid=f"verify-cert-{name}"
            )
            signal.connect(
                signals.forget_verification_of_credential, sender=Credential, dispatch_uid=f"verify-cred-{name}"
            )
