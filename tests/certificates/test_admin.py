"""Editors manage certificates in the Wagtail admin; learners have no admin."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from certificates.models import Certificate, CertificateStatus
from certificates.services import certificate_issue
from home.services import EDITORS_GROUP, ensure_editor_group
from tests.factories import complete_course, learner

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(db):
    ensure_editor_group()
    user = learner(email="editor@example.org", legal_name="Eddie Editor")
    user.groups.add(Group.objects.get(name=EDITORS_GROUP))
    return user


@pytest.fixture
def certificate(course, learner_user, media_root):
    complete_course(learner_user, course)
    return certificate_issue(certificate_id=Certificate.objects.get(user=learner_user).pk)


def test_editor_group_is_created_idempotently_with_only_what_it_needs(editor):
    ensure_editor_group()
    group = Group.objects.get(name=EDITORS_GROUP)
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"access_admin", "change_quiz", "add_question", "view_certificate", "manage_certificate"} <= codenames
    assert not codenames & {
        "add_user",
        "change_user",
        "delete_user",
        "change_group",
        "change_certificatesettings",
        "delete_certificate",
        "change_certificate",
        "add_certificate",
    }
    assert Group.objects.filter(name=EDITORS_GROUP).count() == 1


def test_learners_get_no_admin_access(client, learner_user):
    client.force_login(learner_user)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_editor_lists_searches_and_revokes_a_certificate(client, editor, certificate):
    client.force_login(editor)
    listing = client.get(reverse("wagtailsnippets_certificates_certificate:list"), {"q": certificate.code})
    assert listing.status_code == 200 and certificate.code in listing.content.decode()
    filtered = client.get(reverse("wagtailsnippets_certificates_certificate:list"), {"status": "revoked"})
    assert certificate.code not in filtered.content.decode()
    manage = reverse("certificate_manage", args=[certificate.pk])
    assert client.get(manage).status_code == 200
    assert client.post(manage, {"action": "revoke", "reason": ""}).status_code == 400
    response = client.post(manage, {"action": "revoke", "reason": "Course approval withdrawn", "confirmed": "on"})
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.REVOKED
    event = certificate.events.last()
    assert (event.kind, event.actor, event.note) == ("revoked", editor, "Course approval withdrawn")


def test_editor_reissues_and_lands_on_the_new_certificate(client, editor, certificate):
    client.force_login(editor)
    response = client.post(reverse("certificate_manage", args=[certificate.pk]), {"action": "reissue", "note": "Name"})
    new = Certificate.objects.get(replaces=certificate)
    assert response["Location"] == reverse("certificate_manage", args=[new.pk])


def test_editor_cannot_edit_certificates_users_or_settings(client, editor, certificate):
    client.force_login(editor)
    assert client.get(reverse("wagtailsnippets_certificates_certificate:edit", args=[certificate.pk])).status_code in (
        302,
        403,
    )
    assert client.get(reverse("wagtailusers_users:index")).status_code in (302, 403)
    response = client.get(reverse("wagtailsettings:edit", args=["certificates", "certificatesettings"]))
    assert response.status_code in (302, 403)


def test_learner_cannot_reach_the_manage_view(client, learner_user, certificate):
    client.force_login(learner_user)
    response = client.post(reverse("certificate_manage", args=[certificate.pk]), {"action": "revoke", "reason": "x"})
    assert response.status_code in (302, 403)
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.ISSUED


@pytest.fixture
def superuser(db):
    return learner(email="root@example.org", legal_name="Root User", is_staff=True, is_superuser=True)


@pytest.mark.parametrize("query", ["Ada", "núñez", "certlearner@example", "EXAMPLE.ORG"])
def test_editors_find_certificates_by_learner_name_or_email(client, editor, course, media_root, query):
    owner = learner(email="certlearner@example.org", legal_name="Ada Núñez")
    complete_course(owner, course)
    certificate = certificate_issue(certificate_id=Certificate.objects.get(user=owner).pk)
    client.force_login(editor)
    listing = client.get(reverse("wagtailsnippets_certificates_certificate:list"), {"q": query})
    assert certificate.code in listing.content.decode()


def test_nobody_gets_the_raw_add_edit_or_delete_forms(client, superuser, certificate):
    client.force_login(superuser)
    listing = client.get(reverse("wagtailsnippets_certificates_certificate:list")).content.decode()
    assert "Add certificate" not in listing
    for name, args in (("add", []), ("edit", [certificate.pk]), ("delete", [certificate.pk])):
        url = reverse(f"wagtailsnippets_certificates_certificate:{name}", args=args)
        assert client.get(url).status_code in (302, 403), name
    assert Certificate.objects.count() == 1


def test_revoking_asks_for_confirmation_first(client, editor, certificate):
    client.force_login(editor)
    manage = reverse("certificate_manage", args=[certificate.pk])
    asked = client.post(manage, {"action": "revoke", "reason": "Course approval withdrawn"})
    assert asked.status_code == 200
    assert f"Revoke certificate {certificate.code}?" in asked.content.decode()
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.ISSUED
    done = client.post(manage, {"action": "revoke", "reason": "Course approval withdrawn", "confirmed": "on"})
    assert done.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.REVOKED


def test_the_admin_warns_until_the_provider_details_are_real(client, editor, certificate):
    from wagtail.models import Site

    from certificates.models import CertificateSettings

    client.force_login(editor)
    manage = reverse("certificate_manage", args=[certificate.pk])
    for url in (reverse("wagtailadmin_home"), manage):
        body = client.get(url).content.decode()
        assert "Certificates print placeholder provider details." in body
        assert "the signatory&#x27;s name" in body and "the provider&#x27;s address" in body
    settings = CertificateSettings.for_site(Site.objects.get(is_default_site=True))
    settings.provider_name = "Northwest Institute for Clinical Education"
    settings.provider_address = "12 Harbor Street, Portland, OR 97201, USA"
    settings.signatory_name = "Dr. Lena Ortiz"
    settings.signatory_title = "Director of Continuing Education"
    settings.save()
    for url in (reverse("wagtailadmin_home"), manage):
        assert "placeholder provider details" not in client.get(url).content.decode()
