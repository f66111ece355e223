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

        from .models import Certificate

        def forget_certificate(sender, instance, created=False, **kwargs):
            if not created:  # a new code has nothing cached yet
                selectors.forget_verification(code=instance.code)

        def forget_credential(sender, instance, **kwargs):
            selectors.forget_verification(code=instance.reference)

        # weak=False: the receivers are local to this method.
        for signal in (post_save, post_delete):
            signal.connect(forget_certificate, sender=Certificate, weak=False, dispatch_uid=f"verify-{id(signal)}-cert")
            signal.connect(forget_credential, sender=Credential, weak=False, dispatch_uid=f"verify-{id(signal)}-cred")
