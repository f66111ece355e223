"""Issue credentials straight through the credentials services (no course)."""

from datetime import UTC, datetime
from decimal import Decimal

from credentials import building, services


def achievement(**overrides):
    values = dict(
        id="http://testserver/learning/trd/",
        name="Treatment-Resistant Depression: TMS, Ketamine and Combined Care",
        description="Assessment and care of treatment-resistant depression.",
        criteria="Completed every module, passed the final exam and submitted the course evaluation.",
        credits_available=Decimal("6.0"),
        objectives=(("co1", "Define treatment-resistant depression."), ("co2", "Describe TMS referral criteria.")),
    )
    values.update(overrides)
    return building.AchievementInfo(**values)


def issue(reference="CODE1", *, email="ada@example.org", name="Ada Núñez", **kwargs):
    kwargs.setdefault("awarded_at", datetime(2026, 11, 2, 15, 30, tzinfo=UTC))
    return services.credential_issue(
        reference=reference,
        recipient=services.Recipient(name=name, email=email),
        achievement=kwargs.pop("achievement", achievement()),
        **kwargs,
    )
