"""A legal name the certificate cannot print is refused on the profile page, readably, on desktop and phone."""

import pytest
from playwright.sync_api import expect

from accounts.models import LearnerProfile
from tests.browser.helpers import DESKTOP, PHONE, horizontal_overflow, login, screenshot
from tests.factories import learner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

UNPRINTABLE = "\U00010000\U00010001 \U0001f600"


@pytest.mark.parametrize(("viewport", "label"), [(DESKTOP, "1280"), (PHONE, "375")])
def test_unprintable_legal_name_is_refused_with_the_characters_named(site, new_page, viewport, label):
    user = learner()
    page = new_page(viewport)
    login(page, site, user.email)
    page.goto(f"{site}/account/profile/")
    page.get_by_label("Legal name").fill(UNPRINTABLE)
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Certificates cannot print")).to_be_visible()
    expect(page.get_by_text("U+10000 LINEAR B SYLLABLE B008 A", exact=False)).to_be_visible()
    expect(page.get_by_text("U+1F600 GRINNING FACE", exact=False)).to_be_visible()
    expect(page.get_by_label("Legal name")).to_have_value(UNPRINTABLE)  # nothing typed is lost
    assert horizontal_overflow(page) <= 0
    screenshot(page, f"profile-unprintable-name-{label}")
    assert LearnerProfile.objects.get(user=user).legal_name == "Ada Núñez"
