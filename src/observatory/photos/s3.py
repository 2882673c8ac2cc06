"""Photos in an S3-compatible bucket (django-storages), for OBSERVATORY_PHOTO_STORAGE=s3.

Imported by Django only when settings.STORAGES names it, so that django-storages and boto3 (the
``observatory[s3]`` extra) are needed only where a bucket is used. settings.py builds the options
from the OBSERVATORY_PHOTO_S3_* variables; docs/operating.md says how to set up the bucket.
"""

from __future__ import annotations

from storages.backends.s3 import S3Storage


class PrivateS3Storage(S3Storage):
    """An S3Storage that never hands out a link to a photo.

    The bucket stays private: the photo views check who asks, then stream the object through the
    application. A signed or public URL would bypass those checks (and outlive an unapproval), so
    asking for one is a programming error, as it is with the local folder.
    """

    def url(self, name, parameters=None, expire=None, http_method=None):
        raise ValueError("photos are never served from a URL of the bucket: stream them through a view")
