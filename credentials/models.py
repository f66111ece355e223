"""Issued credentials, the keys that signed them, and revocation lists.

Nothing here refers to the apps above (certificates, courses): a credential
carries an opaque ``reference`` chosen by its caller (the certificate code),
so this app never imports them.
"""

import uuid

from django.db import models


class PublishedKey(models.Model):
    """A public key this site has signed credentials with. Rows are never
    deleted: a retired key stays in the DID document so that credentials
    signed with it keep verifying."""

    public_key_multibase = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.public_key_multibase


class StatusList(models.Model):
    """One Bitstring Status List (purpose: revocation) and its signed credential."""

    SIZE_BITS = 131_072  # 16 KB: the minimum the specification sets, for herd privacy

    purpose = models.CharField(max_length=20, default="revocation")
    bits = models.BinaryField()
    document = models.JSONField(null=True, blank=True, help_text="The signed BitstringStatusListCredential.")
    # How many credentials took an index in this list: counted as they are
    # issued, so that choosing the list to issue into is not a COUNT over up
    # to 65,536 rows (about 5 ms when full) on every issue.
    issued_count = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"status list {self.pk} ({self.purpose})"


class Credential(models.Model):
    """An issued, signed OpenBadgeCredential. ``document`` is exactly what
    was signed and is never changed; revocation lives in the status list."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(max_length=64, unique=True, help_text="Opaque key of what this credential attests.")
    document = models.JSONField()
    identity_salt = models.CharField(max_length=64)
    awarded_at = models.DateTimeField()
    issued_at = models.DateTimeField()
    valid_until = models.DateTimeField(null=True, blank=True)
    status_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, related_name="credentials")
    status_index = models.PositiveIntegerField()
    replaces = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["status_list", "status_index"], name="one_credential_per_status_bit")
        ]

    def __str__(self):
        return f"credential {self.uuid}"

    @property
    def urn(self):
        return f"urn:uuid:{self.uuid}"
