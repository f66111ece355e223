from django.apps import AppConfig


class CertificationConfig(AppConfig):
    name = "certification"
    verbose_name = "Certification"

    def ready(self):
        from django.db.models.signals import post_migrate

        from accounts.hooks import register_export_section, register_keepsakes
        from courses.hooks import on_course_completed, register_dashboard_section

        from . import selectors, services

        # A completed course may be the last requirement a program was waiting for.
        on_course_completed(services.award_check_for_completion)
        register_dashboard_section("certifications", selectors.dashboard_certifications)
        register_export_section("certification", selectors.export_certification)
        register_keepsakes(selectors.closure_keepsakes)
        # The reviewers' group needs the app's permissions, which exist only
        # after migrate; creating it is idempotent.
        post_migrate.connect(services.reviewer_group_after_migrate, sender=self)
