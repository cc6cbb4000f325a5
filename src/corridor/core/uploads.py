"""The one upload handler: files are kept in memory, never spooled to a temporary file.

What this defends against: a spreadsheet of names and phones (the import page) left in
plaintext on disk. Django's default handlers write an upload over
FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file; settings name only this handler, which
keeps an upload of up to CORRIDOR_MAX_BODY_BYTES in memory and stops reading one that
grows past it (a body whose declared length is larger was already refused with 413).
The pages that take document scans (CORRIDOR_DOCUMENT_UPLOAD_PATHS) take up to
CORRIDOR_MAX_DOCUMENT_BYTES instead, and so does the portal thread when requesters may
send files (CORRIDOR_PORTAL_UPLOADS); see body_limit().
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import MemoryFileUploadHandler, StopUpload
from django.http import HttpRequest


def body_limit(request: HttpRequest | None) -> int:
    """The largest body this request may carry, in bytes."""
    path = request.path_info if request is not None else ""
    for pattern in settings.CORRIDOR_DOCUMENT_UPLOAD_PATHS:
        if re.match(pattern, path):
            return int(settings.CORRIDOR_MAX_DOCUMENT_BYTES)
    if portal_upload_path(path):
        return int(settings.CORRIDOR_MAX_DOCUMENT_BYTES)
    return int(settings.CORRIDOR_MAX_BODY_BYTES)


def portal_upload_path(path: str) -> bool:
    """True for the portal thread when requesters may send files (CORRIDOR_PORTAL_UPLOADS)."""
    if not getattr(settings, "CORRIDOR_PORTAL_UPLOADS", False):
        return False
    return any(re.match(pattern, path) for pattern in settings.CORRIDOR_PORTAL_UPLOAD_PATHS)


class MemoryOnlyUploadHandler(MemoryFileUploadHandler):
    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],  # noqa: N803 - Django's name
        content_length: int,
        boundary: str,
        encoding: str | None = None,
    ) -> None:
        # Always in memory: there is no other handler to fall back to (and none should be).
        self.activated = True
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > body_limit(self.request):
            raise StopUpload(connection_reset=True)
        return super().receive_data_chunk(raw_data, start)
