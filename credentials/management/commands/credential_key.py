from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management.base import BaseCommand

from credentials.signing import public_key_multibase, secret_key_multibase


class Command(BaseCommand):
    help = "Print a new Ed25519 signing key for CREDENTIAL_SIGNING_KEY, and its public Multikey."

    def handle(self, *args, **options):
        key = Ed25519PrivateKey.generate()
        self.stdout.write(f"CREDENTIAL_SIGNING_KEY={secret_key_multibase(key)}")
        self.stderr.write(f"public key (Multikey): {public_key_multibase(key.public_key())}")
