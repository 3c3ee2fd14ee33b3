"""Reading stored files (attachments) as a stream, whichever storage holds them.

On local disk that is the open file. On S3 it is the object's body as the API returns it: read in
chunks as the response is sent, never first copied whole to the web node (django-storages' own file
object downloads the object into a temporary file on open). Callers keep their permission checks;
this only opens bytes they already decided to serve.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Any

from django.core.files.storage import Storage
from django.db.models.fields.files import FieldFile


@dataclass
class StoredStream:
    file: IO[bytes]
    size: int | None


def _s3_key(storage: Storage, name: str) -> str | None:
    """The object key when ``storage`` is django-storages' S3 storage, else None."""
    try:
        from storages.backends.s3 import S3Storage
        from storages.utils import clean_name, safe_join
    except ImportError:  # pragma: no cover - django-storages is a dependency
        return None
    if not isinstance(storage, S3Storage):
        return None
    return safe_join(storage.location, clean_name(name))


class _S3Body:
    """The S3 body as a read-only file object, with the head a caller peeked at put back first."""

    def __init__(self, body: Any) -> None:
        self._body = body
        self._head = b""

    def read(self, size: int = -1) -> bytes:
        if self._head:
            if size is None or size < 0:
                data, self._head = self._head + self._body.read(), b""
                return data
            data, self._head = self._head[:size], self._head[size:]
            return data if len(data) == size else data + self._body.read(size - len(data))
        return self._body.read(None if size is None or size < 0 else size)

    def peek(self, size: int) -> bytes:
        """The first ``size`` bytes without consuming them (for content sniffing)."""
        if len(self._head) < size:
            self._head += self._body.read(size - len(self._head))
        return self._head[:size]

    def close(self) -> None:
        self._body.close()


def open_stored(field_file: FieldFile) -> StoredStream:
    """Open a stored file for streaming. Raises ``FileNotFoundError`` when the bytes are gone."""
    storage = field_file.storage
    key = _s3_key(storage, field_file.name)
    if key is None:
        handle = field_file.storage.open(field_file.name, "rb")
        return StoredStream(handle, field_file.storage.size(field_file.name))
    from botocore.exceptions import ClientError

    try:
        answer = storage.bucket.Object(key).get()  # type: ignore[attr-defined]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            raise FileNotFoundError(field_file.name) from exc
        raise
    return StoredStream(_S3Body(answer["Body"]), answer.get("ContentLength"))
