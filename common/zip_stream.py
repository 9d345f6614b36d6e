"""A zip archive written as it is sent: each member's bytes go out as they are produced, so memory stays
bounded whatever the archive's size (zipfile writes to a sink that cannot seek, using data descriptors).

Each member's sha256 is taken while it is written; the last member, ``manifest.json``, lists every
member with its sha256 and size, so the receiver can check the archive without trusting the transport.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

MANIFEST_NAME = "manifest.json"
MEDIA_TYPE = "application/zip"


@dataclass(frozen=True)
class ZipMember:
    name: str
    # Called when the member's turn comes, so its rows are read only then.
    chunks: Callable[[], Iterable[bytes]]
    # Added to the member's manifest entry (e.g. its row count).
    about: dict | None = None


class _Sink:
    """A write-only file for zipfile that hands what was written to the response generator."""

    def __init__(self) -> None:
        self.pending = bytearray()

    def write(self, data) -> int:
        self.pending += data
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = bytes(self.pending)
        self.pending.clear()
        return data


def zip_stream(members: Iterable[ZipMember], manifest: dict) -> Iterator[bytes]:
    """The archive's bytes: every member, then ``manifest.json`` = ``manifest`` with a ``files`` list of
    {name, sha256, bytes, **about} in archive order."""
    sink = _Sink()
    files = []
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:  # type: ignore[arg-type]
        for member in members:
            digest = hashlib.sha256()
            size = 0
            # force_zip64: the size is not known before the member is written.
            with archive.open(member.name, mode="w", force_zip64=True) as entry:
                for chunk in member.chunks():
                    digest.update(chunk)
                    size += len(chunk)
                    entry.write(chunk)
                    if len(sink.pending) >= 64 * 1024:
                        yield sink.take()
            files.append(
                {"name": member.name, "sha256": digest.hexdigest(), "bytes": size, **(member.about or {})}
            )
            yield sink.take()
        body = json.dumps({**manifest, "files": files}, ensure_ascii=False, indent=2, sort_keys=True)
        archive.writestr(MANIFEST_NAME, body.encode("utf-8"))
    yield sink.take()
