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


# Labels that say nothing reliable about 8-bit text: RFC 2045's default, and what
# many mailers write whatever the text is. Such text is read as if undeclared.
_UNINFORMATIVE = frozenset({"us-ascii", "ascii", "unknown-8bit", "x-unknown", "x-user-defined"})


def decode_declared(data: bytes, charset: str | None, *, html: bool) -> str:
    """Like :func:`decode`, but a charset declared outside the bytes (a MIME part's) is obeyed.

    A byte-order mark still wins. An uninformative label (``us-ascii``, ``unknown-8bit``)
    counts as none; the latin-1 labels mean windows-1252, as in browsers.
    """
    label = (charset or "").strip().lower()
    if not label or label in _UNINFORMATIVE or any(data.startswith(bom) for bom, _ in _BOMS):
        return decode(data, html=html)
    encoding = "cp1252" if label in _WINDOWS_1252_ALIASES else label
    try:
        text = data.decode(encoding)
    except LookupError:  # also a codec that is not a text encoding ("base64")
        raise ExtractError(f"cannot decode text: unknown charset {label!r}") from None
    except UnicodeDecodeError:
        raise ExtractError(f"cannot decode text: invalid {label}") from None
    return _normalise_newlines(reject_binary(text))


def _decode(data: bytes, *, html: bool) -> str:
    """A BOM wins, then strict UTF-8, then a declared (HTML only) or detected charset."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = _decode_strictly(data[len(bom) :], encoding)
            if text is None:
                raise ExtractError(
                    f"cannot decode text: invalid {encoding} after its byte-order mark"
                )
            return reject_binary(text)
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
    return reject_binary(text)


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


def reject_binary(text: str) -> str:
    """Refuse decoded text that is really binary data: NULs or more than 1% control characters."""
    if "\x00" in text:
        raise ExtractError("binary content (NUL bytes)")
    if len(_CONTROL.findall(text)) * 100 > len(text):
        raise ExtractError("binary content (control characters)")
    return text


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
