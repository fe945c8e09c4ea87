"""Bytes to UTF-8 text: size and binary checks, BOMs, UTF-8, Windows-1252 and files mixing the two."""

from __future__ import annotations

import codecs
import re
import threading
from dataclasses import dataclass

import numpy as np

from dashboard.core.csvfile.errors import UnusableFile

MAX_BYTES = 60 * 1024 * 1024  # the upload limit of .streamlit/config.toml (maxUploadSize = 60)
_local = threading.local()
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _cp1252_fallback(error: UnicodeDecodeError) -> tuple[str, int]:
    """Bytes that are not UTF-8 are read as Windows-1252 (a file edited by two programs mixes them)."""
    bad = error.object[error.start:error.end]
    _local.fallback = getattr(_local, "fallback", 0) + len(bad)
    return bad.decode("cp1252", errors="replace"), error.end


codecs.register_error("iv-cp1252-fallback", _cp1252_fallback)


@dataclass(frozen=True)
class Decoded:
    utf8: bytes  # the whole file as UTF-8 without a BOM
    encoding: str  # what was found, said plainly


def size_check(size: int) -> None:
    if size == 0:
        raise UnusableFile("the file is empty")
    if size > MAX_BYTES:
        raise UnusableFile(f"the file is {size / 2**20:.1f} MB; the limit is {MAX_BYTES // 2**20} MB: "
                           "split it (for example by session) and import the parts")


def decode(data: bytes) -> Decoded:
    """Find the encoding; refuse empty, binary and over-large files with one plain sentence."""
    size_check(len(data))
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return Decoded(data.decode("utf-16").encode("utf-8"), "UTF-16 (with BOM)")
        except UnicodeDecodeError:
            raise UnusableFile("the file says it is UTF-16 text but is not") from None
    bom = data.startswith(codecs.BOM_UTF8)
    body = data[3:] if bom else data
    if b"\x00" in body:
        raise UnusableFile("this is not a text file (it contains binary data): export the vitals as CSV")
    if not re.search(rb"\S", body):
        raise UnusableFile("the file is empty")
    _binary_check(body[:65536].decode("utf-8", errors="replace"))
    if body.isascii():
        return Decoded(body, "UTF-8 with BOM" if bom else "ASCII (UTF-8)")
    try:
        body.decode("utf-8")
        return Decoded(body, "UTF-8 with BOM" if bom else "UTF-8")
    except UnicodeDecodeError:
        pass
    _local.fallback = 0
    text = body.decode("utf-8", errors="iv-cp1252-fallback")
    non_ascii = int(np.count_nonzero(np.frombuffer(body, dtype=np.uint8) > 127))
    encoding = "Windows-1252" if _local.fallback >= non_ascii else "mixed: UTF-8 and Windows-1252"
    return Decoded(text.encode("utf-8"), encoding)


def _binary_check(text: str) -> None:
    sample = text[:65536]
    control = len(_CONTROL.findall(sample))
    if control > max(8, len(sample) // 100):
        raise UnusableFile("this is not a text file (it contains binary data): export the vitals as CSV")
