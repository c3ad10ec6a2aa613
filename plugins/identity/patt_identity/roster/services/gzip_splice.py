"""Gzip a page whose large middle part was compressed once, ahead of time.

A deflate stream is a sequence of blocks. A piece compressed by a fresh compressor never
refers back to earlier data, and ending it with a sync flush leaves it byte-aligned and
not final, so pieces can be laid end to end; the last one ends with a final block. One
gzip header, the CRC-32 and the length of the whole around them make a normal,
single-member gzip file. The roster page uses it to compress only its small per-visitor
parts (navigation, CSRF token) on each request.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

LEVEL = 6
# ID1 ID2, CM=deflate, FLG=0, MTIME=0, XFL=0, OS=255 (unknown)
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"


def deflate_piece(data: bytes, *, final: bool, level: int = LEVEL) -> bytes:
    """Raw deflate of ``data`` from a fresh compressor; non-final pieces end byte-aligned."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush(zlib.Z_FINISH if final else zlib.Z_SYNC_FLUSH)


@dataclass(frozen=True)
class Precompressed:
    """A middle piece compressed once and reused by many responses."""

    data: bytes
    deflated: bytes

    @classmethod
    def of(cls, data: bytes) -> Precompressed:
        return cls(data, deflate_piece(data, final=False))


def gzip_join(prefix: bytes, middle: Precompressed, suffix: bytes) -> bytes:
    """``gzip(prefix + middle.data + suffix)``, compressing only ``prefix`` and ``suffix`` now."""
    crc = zlib.crc32(suffix, zlib.crc32(middle.data, zlib.crc32(prefix)))
    size = len(prefix) + len(middle.data) + len(suffix)
    return b"".join(
        (
            GZIP_HEADER,
            deflate_piece(prefix, final=False),
            middle.deflated,
            deflate_piece(suffix, final=True),
            struct.pack("<II", crc & 0xFFFFFFFF, size & 0xFFFFFFFF),
        )
    )
