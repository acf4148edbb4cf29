"""PDF -> its text layer and metadata, read in a child process with a time limit.

The parsing happens in :mod:`watcher.extract.pdf_worker`, run as a process of its
own: a PDF that makes the parser loop or balloon costs that process, which is
killed when ``seconds`` are up, and never the daemon.

Metadata: the title the PDF's metadata states unless it is a file name or an
application's placeholder (``Microsoft Word - draft.docx``, ``untitled``), and
the creation date when it is a full, plausible one (``D:20230817070500+02'00'``;
no zone means UTC); the rest, the title included when the metadata has none,
comes from the plain-text rules applied to the text.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import watcher
from watcher.errors import ExtractError
from watcher.extract.text import text_metadata
from watcher.extract.values import Metadata, clean_title, plausible_datetime

# Where the watcher package that runs here lives: the child imports the same code.
_PACKAGE_ROOT = str(Path(watcher.__file__).resolve().parent.parent)
# -I: the child ignores PYTHON* variables, the user's site and the working directory
# (which may be the inbox), so nothing dropped there can be imported in its place.
_BOOTSTRAP = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from watcher.extract.pdf_worker import main; raise SystemExit(main())"
)
_HEADER_WINDOW = 1024
# A PDF date (ISO 32000-1, 7.9.4), from the day on: a year alone is not a date.
_PDF_DATE = re.compile(
    r"^\s*(?:D:)?(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})"
    r"(?:(?P<hour>\d{2})(?:(?P<minute>\d{2})(?P<second>\d{2})?)?)?"
    r"(?:(?P<utc>Z)|(?P<sign>[+-])(?P<zh>\d{2})(?:'?(?P<zm>\d{2}))?)?"
)
# Text-extraction debris: control characters other than tab, newline and form feed.
_DEBRIS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_PLACEHOLDER_TITLE = re.compile(
    r"^(?:microsoft\s+\w+\s+-\s|untitled\b|document\d*$)"
    r"|\.(?:docx?|odt|rtf|pdf|indd|qxd|pptx?|xlsx?|tex|dvi|html?|txt)$"
    r"|^(?:[a-z]:\\|/)",
    re.I,
)


def from_pdf(data: bytes, now: datetime, *, seconds: float) -> tuple[str, Metadata]:
    """The text layer and metadata of a PDF, extracted in a child killed after ``seconds``."""
    # Readers accept junk before the header, but not much; without one it is no PDF.
    if b"%PDF-" not in data[:_HEADER_WINDOW]:
        raise ExtractError("not a PDF (no %PDF- header)")
    answer = _run_worker(data, seconds)
    if (reason := answer.get("error")) is not None:
        raise ExtractError(reason)
    text = answer.get("text")
    if text is None:
        raise ExtractError("PDF extractor gave no text")
    text = _SURROGATE.sub("\ufffd", _DEBRIS.sub("", text.replace("\r\n", "\n").replace("\r", "\n")))
    if not text.strip():
        raise ExtractError("PDF has no text layer (scanned or image-only?)")
    stated = Metadata(
        title=_stated_title(answer.get("title")),
        published_at=_stated_time(answer.get("created"), now),
    )
    return text, stated.or_else(text_metadata(text, markdown=False, now=now))


def _run_worker(data: bytes, seconds: float) -> dict[str, str | None]:
    command = [sys.executable, "-I", "-c", _BOOTSTRAP, _PACKAGE_ROOT]
    try:
        # On timeout, run() kills the child and reaps it before raising.
        done = subprocess.run(
            command, input=data, capture_output=True, timeout=seconds, check=False
        )
    except subprocess.TimeoutExpired:
        raise ExtractError(f"PDF extraction timed out after {seconds:g} s") from None
    except OSError as exc:
        raise ExtractError(f"cannot start the PDF extractor: {exc.strerror or exc}") from None
    if done.returncode != 0:
        last = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        detail = f": {last[0][:200]}" if last else ""
        raise ExtractError(f"PDF extractor failed (exit status {done.returncode}){detail}")
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        raise ExtractError("PDF extractor gave an unreadable answer") from None
    if not isinstance(answer, dict) or not all(
        isinstance(value, str | None) for value in answer.values()
    ):
        raise ExtractError("PDF extractor gave an unreadable answer")
    return answer


def _stated_title(raw: str | None) -> str | None:
    title = clean_title(raw or "")
    if title is None or _PLACEHOLDER_TITLE.search(title):
        return None
    return title


def _stated_time(raw: str | None, now: datetime) -> datetime | None:
    found = _PDF_DATE.match(raw or "")
    if found is None:
        return None
    number = {
        key: int(value) for key, value in found.groupdict().items() if value and value.isdigit()
    }
    offset = timedelta(hours=number.get("zh", 0), minutes=number.get("zm", 0))
    try:
        created = datetime(
            number["year"],
            number["month"],
            number["day"],
            number.get("hour", 0),
            number.get("minute", 0),
            number.get("second", 0),
            tzinfo=timezone(-offset if found["sign"] == "-" else offset),
        )
    except ValueError:  # day 31 of a short month, hour 24, an offset of a day or more
        return None
    return plausible_datetime(created, now)
