"""Bytes -> text: byte-order marks, strict UTF-8, a declared or detected charset.

Refuses what is not text (NUL bytes, control characters, undecodable bytes) with an
:class:`~watcher.errors.ExtractError`; line endings come out as ``\\n``.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from watcher.errors import ExtractError

# UTF-32 first: its little-endian mark begins with UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# C0 and C1 controls other than tab, newline, vertical tab, form feed and CR.
_CONTROL = re.compile(r"[\x01-\x08\x0e-\x1f\x7f-\x9f]")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
# As browsers do (WHATWG Encoding): these labels mean windows-1252.
_WINDOWS_1252_ALIASES = frozenset({"ascii", "us-ascii", "latin1", "latin-1", "iso-8859-1"})


def decode(data: bytes, *, html: bool) -> str:
    """Bytes -> str with ``\\n`` line endings; ``html`` lets a ``<meta charset>`` count."""
    return _normalise_newlines(_decode(data, html=html))


def _decode(data: bytes, *, html: bool) -> str:
    """A BOM wins, then strict UTF-8, then a declared (HTML only) or detected charset."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = _decode_strictly(data[len(bom) :], encoding)
            if text is None:
                raise ExtractError(
                    f"cannot decode text: invalid {encoding} after its byte-order mark"
                )
            return _reject_binary(text)
    if b"\x00" in data:
        raise ExtractError("binary content (NUL bytes)")
    text = _decode_strictly(data, "utf-8")
    if text is None and html:
        text = _decode_as_declared(data)
    if text is None:
        best = from_bytes(data).best()
        if best is None:
            raise ExtractError("cannot decode text: not UTF-8 and no plausible encoding detected")
        text = str(best)
    return _reject_binary(text)


def _decode_strictly(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _decode_as_declared(data: bytes) -> str | None:
    """Decode HTML in the charset its ``<meta>`` declares in the first 1024 bytes, if it fits."""
    found = _META_CHARSET.search(data[:1024])
    if found is None:
        return None
    label = found.group(1).decode("ascii").lower()
    encoding = "cp1252" if label in _WINDOWS_1252_ALIASES else label
    # A page whose <meta> we could read is ASCII-compatible, whatever it says (a
    # "utf-16" label on such a page is wrong, and browsers ignore it too).
    if _decode_strictly(b"<meta>", encoding) != "<meta>":
        return None
    return _decode_strictly(data, encoding)


def _reject_binary(text: str) -> str:
    """Refuse decoded text that is really binary data: NULs or more than 1% control characters."""
    if "\x00" in text:
        raise ExtractError("binary content (NUL bytes)")
    if len(_CONTROL.findall(text)) * 100 > len(text):
        raise ExtractError("binary content (control characters)")
    return text


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
