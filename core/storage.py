"""A file store that nothing serves: learners' uploads live here and leave
only through views that check who is asking."""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """Files under ``PRIVATE_MEDIA_ROOT`` (outside ``MEDIA_ROOT``, so no
    media URL, development server or web server rule reaches them). The
    location is read on each use so tests can point it at a temporary
    folder."""

    def __init__(self, **kwargs):
        super().__init__(base_url=None, **kwargs)

    @property
    def base_location(self):
        return str(Path(settings.PRIVATE_MEDIA_ROOT))

    @property
    def location(self):
        return str(Path(settings.PRIVATE_MEDIA_ROOT).resolve())

    def url(self, name):
        raise ValueError("Private files have no URL; serve them through an owner-checked view.")


def private_storage() -> PrivateStorage:
    return PrivateStorage()
