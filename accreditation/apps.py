from django.apps import AppConfig


class AccreditationConfig(AppConfig):
    name = "accreditation"
    verbose_name = "CE credit"

    def ready(self):
        from accounts.hooks import register_export_section

        from . import selectors

        # The learner's data export includes what they attested when claiming.
        register_export_section("credit_claims", selectors.export_credit_claims)
