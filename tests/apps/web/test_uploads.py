"""An upload above LINGJUN_IMPORT_MAX_FILE_MB is refused while it streams in (issue #12).

The body is produced lazily by :class:`StreamedBody` and counts what Django read from it: a
declared oversized body is refused before a byte is read; a body whose length does not give it
away is stopped by the upload handler soon after the limit, not read whole, nothing is stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO
from typing import Any

import pytest
from django.test import Client
from django.test.client import ClientHandler
from django.urls import reverse

from lingjun.apps.enterprises.models import ImportBatch
from lingjun.apps.web import middleware
from lingjun.apps.web.uploads import LimitedUploadHandler

pytestmark = pytest.mark.django_db

BOUNDARY = "----lingjunboundary"
MB = 1024 * 1024


class StreamedBody:
    """A multipart body of ``size`` file bytes, generated as it is read; ``read_bytes`` counts."""

    def __init__(self, size: int) -> None:
        head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.jsonl"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        self.length = len(head) + size + len(tail)
        self.read_bytes = 0
        self._chunks = self._generate(head, size, tail)
        self._buffer = b""

    @staticmethod
    def _generate(head: bytes, size: int, tail: bytes) -> Iterator[bytes]:
        yield head
        line = b'{"uscc": "91120222MA05JXXX0X", "name": "x"}\n'
        block = line * (64 * 1024 // len(line))
        left = size
        while left > 0:
            piece = block[:left]
            left -= len(piece)
            yield piece
        yield tail

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            try:
                self._buffer += next(self._chunks)
            except StopIteration:
                break
        if size < 0:
            out, self._buffer = self._buffer, b""
        else:
            out, self._buffer = self._buffer[:size], self._buffer[size:]
        self.read_bytes += len(out)
        return out

    def readline(self, size: int = -1) -> bytes:  # the multipart parser does not use it
        raise AssertionError("readline")


def _post(client: Client, body: StreamedBody) -> Any:
    """POST the streamed body to the import page as ``client``'s user, through the whole stack."""
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": reverse("enterprises:transfer"),
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
        "CONTENT_LENGTH": str(body.length),
        "HTTP_COOKIE": client.cookies.output(header="", sep="; ").strip(),
        "wsgi.input": body,
        "wsgi.url_scheme": "http",
        "wsgi.errors": BytesIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    return ClientHandler(enforce_csrf_checks=False)(environ)


def test_a_declared_oversized_upload_is_refused_before_its_body_is_read(staff_client, settings):
    settings.LINGJUN_IMPORT_MAX_FILE_MB = 1
    body = StreamedBody(200 * MB)
    response = _post(staff_client, body)
    assert response.status_code == 413
    page = response.content.decode()
    assert "上传的文件过大：超过上限1 MB，已停止接收，未保存任何内容" in page
    assert body.read_bytes == 0
    assert not ImportBatch.objects.exists()


def test_the_handler_stops_reading_soon_after_the_limit(staff_client, settings, tmp_path, monkeypatch):
    """A body whose declared length does not give it away (the check before reading is turned
    off here): the handler stops Django's parse past the limit, the rest is never read, the
    temporary file is gone, the view never ran."""
    settings.LINGJUN_IMPORT_MAX_FILE_MB = 1
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    monkeypatch.setattr(middleware, "FORM_SLACK", 10**12)
    body = StreamedBody(100 * MB)
    response = _post(staff_client, body)
    assert response.status_code == 413
    assert "已停止接收" in response.content.decode()
    assert MB < body.read_bytes < 2 * MB  # of 100 MB
    assert list(tmp_path.iterdir()) == []
    assert not ImportBatch.objects.exists()


def test_an_upload_within_the_limit_is_imported(staff_client, settings, tmp_path, monkeypatch):
    """The same stream of a file under the limit reaches the import (which refuses its content)."""
    settings.LINGJUN_IMPORT_MAX_FILE_MB = 1
    body = StreamedBody(100 * 1024)
    response = _post(staff_client, body)
    assert response.status_code == 200
    assert body.read_bytes == body.length
    assert ImportBatch.objects.get().status == ImportBatch.Status.REFUSED  # the lines are not dossiers


def test_the_handler_counts_every_file_of_a_request(settings):
    settings.LINGJUN_IMPORT_MAX_FILE_MB = 1
    handler = LimitedUploadHandler(None)
    assert handler.receive_data_chunk(b"x" * MB, 0) == b"x" * MB
    from django.core.files.uploadhandler import StopUpload

    with pytest.raises(StopUpload) as stop:
        handler.receive_data_chunk(b"x", MB)
    assert stop.value.connection_reset


def test_the_import_form_tells_the_browser_the_limit(staff_client, settings):
    settings.LINGJUN_IMPORT_MAX_FILE_MB = 20
    page = staff_client.get(reverse("enterprises:transfer")).content.decode()
    assert f'data-max-bytes="{20 * MB}"' in page and "文件过大：上限为20 MB" in page
