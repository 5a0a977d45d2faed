"""Uploads refused while they stream in, before Django has read (or stored) the whole body.

The largest file any page accepts is ``LINGJUN_IMPORT_MAX_FILE_MB`` (a dossier file). Two checks:

* :class:`~lingjun.apps.web.middleware.UploadLimitMiddleware` refuses a multipart POST whose
  declared ``Content-Length`` is above the limit (plus :data:`FORM_SLACK` for the form's other
  fields) with a 413, without reading a byte of the body;
* :class:`LimitedUploadHandler`, the first of ``FILE_UPLOAD_HANDLERS``, counts the bytes of the
  files as Django parses the body and stops the parse (``StopUpload`` with ``connection_reset``:
  Django reads no further) as soon as they pass the limit; the middleware then answers 413.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from lingjun.dossier.limits import MB

#: room for the form's other fields and the multipart headers around a file of the largest size
FORM_SLACK = 256 * 1024
#: the request attribute the handler sets when it stopped an upload (the bytes it had seen)
REFUSED_ATTRIBUTE = "lingjun_upload_refused"


def upload_max_bytes() -> int:
    """The largest file one request may upload (``LINGJUN_IMPORT_MAX_FILE_MB``)."""
    return int(settings.LINGJUN_IMPORT_MAX_FILE_MB * MB)


class LimitedUploadHandler(FileUploadHandler):
    """Counts the bytes of the uploaded files and stops reading the body past the limit."""

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.limit = upload_max_bytes()
        self.seen = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.seen += len(raw_data)
        if self.seen > self.limit:
            if self.request is not None:
                setattr(self.request, REFUSED_ATTRIBUTE, self.seen)
            raise StopUpload(connection_reset=True)
        return raw_data  # the next handler (memory or temporary file) keeps it

    def file_complete(self, file_size: int) -> None:
        return None
