"""The child process that reads a PDF: PDF bytes on stdin -> one JSON object on stdout.

PDF parsers can be made to loop, recurse or allocate without end, so the daemon
never parses a PDF itself: :mod:`watcher.extract.pdf` runs this module in a process
of its own (``python -m watcher.extract.pdf_worker``) and kills it when its time is
up. Its address space is capped too, so a decompression bomb fails here, not in
the daemon.

The answer is ``{"error": reason}``, or ``{"text": ..., "title": ..., "created": ...}``
with the text layer (pages separated by a blank line), and the title and creation
date (``D:YYYYMMDDHHmmSS...``) as the PDF's metadata states them, either may be
null. Cleaning and judging those values is left to the parent, which holds the
extract rules.
"""

from __future__ import annotations

import io
import json
import sys

from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError, PyPdfError

# Enough for any honest PDF a newsroom produces; a bomb hits it and fails fast.
MEMORY_LIMIT = 2 * 2**30
_REASON_MAX = 200

Answer = dict[str, str | None]


def read_pdf(data: bytes) -> Answer:
    """The text layer and metadata of a PDF, or ``{"error": reason}``."""
    try:
        reader = PdfReader(io.BytesIO(data))
    except MemoryError:
        return {"error": "PDF extraction ran out of memory"}
    except RecursionError:
        return {"error": "broken PDF: objects nested too deeply"}
    except Exception as exc:  # pypdf raises anything on broken input; each is a reason
        return {"error": f"broken PDF: {_describe(exc)}"}
    if reader.is_encrypted:
        # Many PDFs are encrypted only to restrict printing: the empty password opens them.
        try:
            opened = reader.decrypt("") != PasswordType.NOT_DECRYPTED
        except (DependencyError, NotImplementedError) as exc:
            return {"error": f"encrypted PDF (unsupported encryption: {_describe(exc)})"}
        except (PyPdfError, ValueError, KeyError, TypeError) as exc:
            return {"error": f"encrypted PDF (cannot decrypt: {_describe(exc)})"}
        if not opened:
            return {"error": "encrypted PDF (a password is required)"}
    try:
        pages = [page.extract_text() or "" for page in reader.pages]
    except MemoryError:
        return {"error": "PDF extraction ran out of memory"}
    except RecursionError:
        return {"error": "broken PDF: objects nested too deeply"}
    except Exception as exc:  # as above: any failure of the parser is the file's fault
        return {"error": f"broken PDF: {_describe(exc)}"}
    if not pages:
        return {"error": "PDF has no pages"}
    text = "\n\n".join(page.strip("\n") for page in pages)
    if not text.strip():
        return {"error": "PDF has no text layer (scanned or image-only?)"}
    title, created = _metadata(reader)
    return {"text": text, "title": title, "created": created}


def _metadata(reader: PdfReader) -> tuple[str | None, str | None]:
    """The stated title and creation time; broken metadata is no metadata, not a failure."""
    try:
        info = reader.metadata
        if info is None:
            return None, None
        title = info.title
        created = info.creation_date_raw
    except Exception:  # a malformed /Info dictionary: the text still counts
        return None, None
    return _string(title), _string(created)


def _string(value: object) -> str | None:
    """A metadata value as text: pypdf gives str subclasses, or bytes for raw strings."""
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return str(value) if isinstance(value, str) and value else None


def _describe(exc: BaseException) -> str:
    """``ExceptionName: message``, cut to a length fit for a quarantine reason."""
    message = " ".join(str(exc).split())
    described = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return described if len(described) <= _REASON_MAX else described[: _REASON_MAX - 1] + "…"


def _limit_memory() -> None:
    try:
        import resource
    except ImportError:  # not POSIX: the parent's time limit still holds
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = MEMORY_LIMIT if hard == resource.RLIM_INFINITY else min(hard, MEMORY_LIMIT)
    if soft == resource.RLIM_INFINITY or soft > wanted:
        resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))


def main() -> int:
    """Read a PDF from stdin, write the answer to stdout as JSON."""
    _limit_memory()
    answer = read_pdf(sys.stdin.buffer.read())
    sys.stdout.write(json.dumps(answer))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
