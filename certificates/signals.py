"""Signal receivers: a saved or deleted certificate or credential makes
the verification page's cached copy go stale (selectors.certificate_verification)."""

from .selectors import forget_verification


def forget_verification_of_certificate(sender, instance, created=False, **kwargs):
    if not created:  # a new code has nothing cached yet
        forget_verification(code=instance.code)


def forget_verification_of_credential(sender, instance, **kwargs):
    forget_verification(code=instance.reference)  # a certificate's credential has its code as reference
