from django.apps import AppConfig


class AccreditationConfig(AppConfig):
    name = "accreditation"
    verbose_name = "CE credit"

    def ready(self):
        from accounts.hooks import register_export_section
        from courses.hooks import EnrolmentAttachment, attach_to_enrolments

        from . import selectors

        # Whether the course offers board credit, inside courses' one
        # enrolment query, so the claim link shows only where it leads somewhere.
        attach_to_enrolments(
            EnrolmentAttachment(
                name="credit_offered",
                annotations=selectors.enrolment_credit_annotations,
                build=selectors.enrolment_credit_offered,
            )
        )
        # The learner's data export includes what they attested when claiming.
        register_export_section("credit_claims", selectors.export_credit_claims)
