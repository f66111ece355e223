"""Builders for CE-credit tests: a provider whose details are real, a body
with an approval, and an offering on a small course."""

import datetime
from decimal import Decimal

from django.utils import timezone
from wagtail.models import Site

from accreditation.models import AccreditingBody, CreditOffering, ProviderApproval
from accreditation.services import accrediting_bodies_ensure
from certificates.models import CertificateSettings

PROVIDER = {
    "provider_name": "Northbridge Institute for Clinical Training",
    "provider_address": "12 Harbour Street, Portland, OR 97201, USA",
    "signatory_name": "Margaret A. Holloway, PhD",
    "signatory_title": "Director of Continuing Education",
}

# Per body: approval number, approval statement, the course's statement.
# Test wording, shaped like each body's but not quoted from any manual.
BODY_TEXT = {
    "apa": ("APA-SP-1234", "Northbridge is approved by APA to sponsor CE for psychologists.", "Offers 2 CE credits."),
    "nbcc": ("ACEP 7001", "Northbridge is an NBCC Approved Continuing Education Provider.", "NBCC hours: 2."),
    "aswb-ace": ("ACE 1789", "Northbridge is approved as an ACE provider by ASWB.", "Clinical practice course."),
    "ancc": ("ANCC P0421", "Northbridge is accredited by ANCC for nursing CPD.", "Contact hours awarded: 2."),
    "accme-ama": (
        "ACCME 555",
        "Northbridge is accredited by the ACCME to provide CME for physicians.",
        "Northbridge designates this enduring material for a maximum of 2 AMA PRA Category 1 Credits\u2122.",
    ),
    "other": ("OR-BOARD-9", "Approved by the Oregon board for CE.", "2 hours of CE."),
}


def ready_provider(**changes):
    settings = CertificateSettings.for_site(Site.objects.get(is_default_site=True))
    for key, value in {**PROVIDER, **changes}.items():
        setattr(settings, key, value)
    settings.save()
    return settings


def body(code):
    accrediting_bodies_ensure()
    return AccreditingBody.objects.get(code=code)


def approval(code, *, valid_from=None, valid_to="default", **extra):
    today = timezone.localdate()
    number, statement, _ = BODY_TEXT.get(code, ("N-1", "Approved.", "Course statement."))
    return ProviderApproval.objects.create(
        body=body(code),
        approval_number=extra.pop("approval_number", number),
        statement=extra.pop("statement", statement),
        valid_from=valid_from or today - datetime.timedelta(days=365),
        valid_to=today + datetime.timedelta(days=365) if valid_to == "default" else valid_to,
        **extra,
    )


def offering(course, code, *, max_hours="2.00", **extra):
    _, _, statement = BODY_TEXT.get(code, ("N-1", "Approved.", "Course statement."))
    return CreditOffering.objects.create(
        course=course,
        body=body(code),
        max_hours=Decimal(max_hours),
        statement=extra.pop("statement", statement),
        **extra,
    )
