"""Revocation: one admin action changes every surface (registry,
verification page, program page, dashboard, credential status), is audited
and e-mailed, blocks renewal, and only holders of the revoke permission can
do it."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from certification import services
from certification.models import Certification, CertificationEvent
from core.errors import Conflict, InvalidInput, NotAllowed
from credentials.models import Credential
from credentials.selectors import credential_public_status, credential_verify
from home.services import EDITORS_GROUP, ensure_editor_group
from tests.factories import UserFactory
from tests.worker import purge_queue

from .test_expiry import certify

pytestmark = pytest.mark.django_db

REASON = "Licence suspended by the state board."


@pytest.fixture
def certified(media_root):
    purge_queue()
    yield certify()
    purge_queue()


def revoker():
    user = UserFactory(is_staff=True)
    ensure_editor_group()
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get(name=EDITORS_GROUP))
    user.user_permissions.add(Permission.objects.get(codename="revoke_certification"))
    return user


def test_revoking_from_the_admin_changes_every_surface(certified, client, django_capture_on_commit_callbacks):
    program, user, certification, period = certified
    staff = revoker()
    client.force_login(staff)
    url = reverse("certification_revoke", args=[certification.pk])
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": REASON})
    assert response.status_code == 302
    assert response["Location"] == reverse("certifications:inspect", args=[certification.pk])

    certification.refresh_from_db()
    assert (certification.status, certification.revoked_reason, certification.revoked_by) == ("revoked", REASON, staff)
    credential = Credential.objects.get(reference=period.reference)
    assert credential_public_status(credential=credential) == "revoked"
    assert credential.revoked_reason == REASON
    # An outside verifier, checking the credential file against the published
    # status list, is told it is revoked.
    verdict = credential_verify(document=credential.document)
    assert not verdict.valid and verdict.reason == "Status: the issuer has revoked this credential."
    event = CertificationEvent.objects.get(kind=CertificationEvent.Kind.REVOKED)
    assert (event.actor, event.note) == (staff, REASON)
    assert [m.to for m in mail.outbox] == [[user.email]]
    assert REASON in mail.outbox[0].body and "revoked" in mail.outbox[0].subject

    # The inspect page shows the audit log with the revocation.
    page = client.get(reverse("certifications:inspect", args=[certification.pk])).content.decode()
    assert "Certification revoked" in page and "Certification awarded" in page and REASON in page

    client.logout()
    registry = client.get(reverse("certification_registry"), {"name": "Rita"}).content.decode()
    assert "Revoked" in registry and ">Active<" not in registry and "Expired" not in registry
    verify = client.get(reverse("certification_verify", args=[certification.code])).content.decode()
    assert 'verify-verdict">Revoked' in verify and "Expired" not in verify and ">Valid<" not in verify
    assert "Revoked (Open Badges 3.0)" in verify  # the credential's status list says so too

    client.force_login(user)
    page = client.get(reverse("certification_program", args=[program.slug])).content.decode()
    assert "Revoked" in page and "cannot be renewed" in page and "Valid until" not in page
    assert "Renew my certification" not in page and "List me in the registry" not in page
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert "Revoked" in dashboard and "valid until" not in dashboard


def test_a_revoked_certification_cannot_be_renewed_even_when_renewal_would_be_open(certified, client):
    program, user, certification, period = certified
    services.certification_revoke(actor=revoker(), certification_id=certification.pk, reason=REASON)
    later = period.ends_at - timedelta(days=10)
    with pytest.raises(NotAllowed) as refused:
        services.renewal_submit(user=user, program=program, now=later)
    assert str(refused.value) == services.MSG_REVOKED_NO_RENEWAL
    with pytest.raises(NotAllowed):
        services.attestation_request(user=user, program=program, name="S", license="L", email="s2@example.org")
    client.force_login(user)
    response = client.post(reverse("certification_renew", args=[program.slug]))
    assert response.status_code == 403
    assert services.MSG_REVOKED_NO_RENEWAL in response.content.decode()
    assert Certification.objects.get().period == 1
    # Nor can it rejoin the registry.
    response = client.post(reverse("certification_registry_choice", args=[program.slug]), {"action": "join"})
    assert response.status_code == 400


def test_a_reason_is_required_and_nothing_changes_without_one(certified, client):
    _, _, certification, period = certified
    client.force_login(revoker())
    response = client.post(reverse("certification_revoke", args=[certification.pk]), {"reason": "   "})
    assert response.status_code == 400
    assert services.MSG_REVOKE_REASON in response.content.decode()
    certification.refresh_from_db()
    assert certification.status == "issued"
    assert credential_public_status(credential=Credential.objects.get(reference=period.reference)) == "active"
    assert not CertificationEvent.objects.filter(kind="revoked").exists()
    assert mail.outbox == []


def test_revoking_twice_is_a_conflict_and_keeps_the_first_reason(certified):
    _, _, certification, _ = certified
    staff = revoker()
    services.certification_revoke(actor=staff, certification_id=certification.pk, reason=REASON)
    with pytest.raises(Conflict):
        services.certification_revoke(actor=staff, certification_id=certification.pk, reason="Another reason")
    certification.refresh_from_db()
    assert certification.revoked_reason == REASON
    assert CertificationEvent.objects.filter(kind="revoked").count() == 1


def test_only_holders_of_the_revoke_permission_can_revoke(certified, client):
    _, user, certification, _ = certified
    url = reverse("certification_revoke", args=[certification.pk])
    ensure_editor_group()
    from django.contrib.auth.models import Group

    editor = UserFactory(is_staff=True)
    editor.groups.add(Group.objects.get(name=EDITORS_GROUP))
    # An editor can see the listing and the audit log, but not revoke.
    client.force_login(editor)
    assert client.get(reverse("certifications:index")).status_code == 200
    inspect = client.get(reverse("certifications:inspect", args=[certification.pk])).content.decode()
    assert url not in inspect
    assert client.get(url)["Location"] == "/admin/"
    assert client.post(url, {"reason": REASON})["Location"] == "/admin/"
    with pytest.raises(NotAllowed):
        services.certification_revoke(actor=editor, certification_id=certification.pk, reason=REASON)
    # A learner (the holder included) does not reach the admin at all.
    client.force_login(user)
    assert client.post(url, {"reason": REASON})["Location"].startswith("/admin/login/")
    certification.refresh_from_db()
    assert certification.status == "issued"
    # With the permission the inspect page offers the action.
    client.force_login(revoker())
    assert url in client.get(reverse("certifications:inspect", args=[certification.pk])).content.decode()


def test_a_certification_still_being_prepared_cannot_be_revoked(certified):
    _, _, certification, _ = certified
    Certification.objects.filter(pk=certification.pk).update(status="pending")
    with pytest.raises(InvalidInput):
        services.certification_revoke(
            actor=revoker(), certification_id=certification.pk, reason=REASON, now=timezone.now()
        )


def test_the_admin_listing_shows_status_and_searches_by_name_and_code(certified, client):
    _, _, certification, _ = certified
    client.force_login(revoker())
    index = reverse("certifications:index")
    page = client.get(index).content.decode()
    assert certification.code in page and "Rita Renewer" in page and "Active" in page
    assert client.get(index, {"q": "Rita"}).content.decode().count(certification.code) >= 1
    assert certification.code in client.get(index, {"q": certification.code}).content.decode()
    assert certification.code not in client.get(index, {"q": "Nobody Such"}).content.decode()
    # Read-only: no add, edit or delete forms for anyone.
    assert client.get(reverse("certifications:add"))["Location"] == "/admin/"
    assert client.get(reverse("certifications:edit", args=[certification.pk]))["Location"] == "/admin/"
    assert client.get(reverse("certifications:delete", args=[certification.pk]))["Location"] == "/admin/"
