"""watcher.extract: PDFs (text layer, metadata, broken and encrypted files) and the time limit.

The PDFs are written by hand here (``make_pdf``), so each test shows what its file holds.
"""

from __future__ import annotations

import io
import os
import queue
import threading
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfWriter

from watcher.errors import ExtractError
from watcher.extract import Limits, extract, extract_all
from watcher.model import Document

FIXTURES = Path(__file__).parent / "fixtures" / "extract"

REPORT_PAGES = (
    (
        "Baltic Ports Weekly",
        "Gdansk dockers extend strike as talks stall",
        "Dock workers at the Baltic Container Terminal voted on Wednesday to extend their",
        "strike into a second week, after talks with Baltic Hub Holdings broke down over pay.",
    ),
    (
        "Shipping lines have begun diverting feeder vessels to Gdynia and Klaipeda.",
        "“We are not moving until the offer is on paper,” the union’s chair said.",  # noqa: RUF001
    ),
)


# --- writing PDFs by hand --------------------------------------------------------------


def text_page(lines: Sequence[str]) -> bytes:
    """A content stream that writes ``lines`` top down in 11 pt Helvetica."""
    ops = [b"BT /F1 11 Tf 14 TL 72 770 Td"]
    for line in lines:
        raw = line.encode("cp1252").replace(b"\\", b"\\\\").replace(b"(", b"\\(")
        ops.append(b"(" + raw.replace(b")", b"\\)") + b") Tj T*")
    ops.append(b"ET")
    return b"\n".join(ops)


def make_pdf(
    pages: Sequence[bytes], *, info: dict[str, str] | None = None, compress: bool = False
) -> bytes:
    """A PDF 1.4 file with one page per content stream; equal streams are stored once."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, once the pages are numbered
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    streams: dict[bytes, int] = {}
    kids: list[int] = []
    for content in pages:
        if content not in streams:
            body = zlib.compress(content) if compress else content
            flate = b" /Filter /FlateDecode" if compress else b""
            objects.append(b"<< /Length %d%s >>\nstream\n%s\nendstream" % (len(body), flate, body))
            streams[content] = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % streams[content]
        )
        kids.append(len(objects))
    refs = b" ".join(b"%d 0 R" % kid for kid in kids)
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (refs, len(kids))
    trailer = b"<< /Size %d /Root 1 0 R" % (len(objects) + 1 + bool(info))
    if info:
        entries = b" ".join(
            b"/%s (%s)" % (key.encode(), value.encode("latin-1")) for key, value in info.items()
        )
        objects.append(b"<< " + entries + b" >>")
        trailer += b" /Info %d 0 R" % len(objects)
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n%s >>\nstartxref\n%d\n%%%%EOF\n" % (trailer, xref)
    return bytes(out)


def report_pdf() -> bytes:
    """The fixture report.pdf: two pages of a ports newsletter, with a title and a date."""
    return make_pdf(
        [text_page(lines) for lines in REPORT_PAGES],
        info={
            "Title": "Baltic Ports Weekly: dockers extend strike",
            "Author": "Ports desk",
            "CreationDate": "D:20230817070500+02'00'",
        },
    )


def encrypted(pdf: bytes, *, user_password: str) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    writer.encrypt(user_password, owner_password="owner-secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_error(data: bytes, limits: Limits | None = None) -> ExtractError:
    with pytest.raises(ExtractError) as caught:
        extract_all("report.pdf", data, limits=limits or Limits())
    return caught.value


# --- text and metadata ----------------------------------------------------------------------


def test_report_fixture_is_the_one_written_here() -> None:
    assert (FIXTURES / "report.pdf").read_bytes() == report_pdf()


def test_pdf_text_layer_and_metadata() -> None:
    path = FIXTURES / "report.pdf"
    data = path.read_bytes()
    [doc] = extract_all(path, data)
    assert doc == extract(path, data)
    assert doc.format == "pdf"
    assert doc.path == str(path)
    assert doc.text == (
        "Baltic Ports Weekly\n"
        "Gdansk dockers extend strike as talks stall\n"
        "Dock workers at the Baltic Container Terminal voted on Wednesday to extend their\n"
        "strike into a second week, after talks with Baltic Hub Holdings broke down over pay.\n\n"
        "Shipping lines have begun diverting feeder vessels to Gdynia and Klaipeda.\n"
        "“We are not moving until the offer is on paper,” the union’s chair said."  # noqa: RUF001
    )
    assert doc.title == "Baltic Ports Weekly: dockers extend strike"
    assert doc.published_at == datetime(2023, 8, 17, 5, 5, tzinfo=UTC)
    assert doc.source is None  # the author is a person, not an outlet


def test_compressed_content_streams_are_read() -> None:
    pdf = make_pdf([text_page(REPORT_PAGES[0])], compress=True)
    assert extract("a.pdf", pdf).text.startswith("Baltic Ports Weekly\nGdansk dockers")


@pytest.mark.parametrize(
    "title",
    [None, "Microsoft Word - strike_briefing_v3.docx", "untitled", "C:\\briefings\\week33.indd"],
)
def test_without_a_usable_stated_title_the_text_rule_finds_it(title: str | None) -> None:
    lines = ["Advertisement", "", "Gdansk dockers extend strike as talks stall", "", "Body."]
    pdf = make_pdf([text_page(lines)], info={"Title": title} if title else None)
    assert extract("a.pdf", pdf).title == "Gdansk dockers extend strike as talks stall"


@pytest.mark.parametrize(
    "created", ["D:19800101000000Z", "D:29990101000000Z", "D:2023", "yesterday"]
)
def test_creation_date_only_when_plausible(created: str) -> None:
    pdf = make_pdf([text_page(REPORT_PAGES[1])], info={"CreationDate": created})
    assert extract("a.pdf", pdf).published_at is None


def test_pdf_encrypted_with_an_empty_user_password_is_read() -> None:
    doc = extract("a.pdf", encrypted(report_pdf(), user_password=""))
    assert doc.text.startswith("Baltic Ports Weekly\n")


def test_worker_ignores_modules_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The daemon may run with the inbox as its working directory.
    (tmp_path / "pypdf.py").write_text("raise SystemExit(99)\n")
    monkeypatch.chdir(tmp_path)
    assert extract("a.pdf", report_pdf()).title == "Baltic Ports Weekly: dockers extend strike"


# --- broken, encrypted, empty -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (encrypted(report_pdf(), user_password="s3cret"), "encrypted PDF (a password is required)"),
        (make_pdf([b"0 0 m 300 300 l S"]), "PDF has no text layer (scanned or image-only?)"),
        (make_pdf([text_page(["   "])]), "PDF has no text layer (scanned or image-only?)"),
        (make_pdf([]), "PDF has no pages"),
        (report_pdf()[:400], "broken PDF: "),
        (b"%PDF-1.7\n" + bytes(range(256)) * 8, "broken PDF: "),
        (b"Port strike spreads to Gdansk\n", "not a PDF (no %PDF- header)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a PDF (no %PDF- header)"),
    ],
)
def test_what_cannot_be_read_is_an_extract_error_with_its_reason(data: bytes, message: str) -> None:
    error = pdf_error(data)
    assert error.message.startswith(message)
    assert str(error).startswith("report.pdf: ")


def test_an_oversized_pdf_is_refused_without_parsing() -> None:
    data = report_pdf()
    assert pdf_error(data, Limits(max_bytes=100)).message == (
        f"file too large: {len(data)} bytes (limit 100)"
    )


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cut=st.integers(min_value=10, max_value=1200), flips=st.lists(st.integers(0, 1200)))
def test_damaged_pdfs_give_a_document_or_an_extract_error(cut: int, flips: list[int]) -> None:
    data = bytearray(report_pdf()[:cut] + report_pdf()[cut + 40 :])
    for at in flips:
        data[at % len(data)] ^= 0x5A
    try:
        [doc] = extract_all("a.pdf", bytes(data), limits=Limits(pdf_seconds=10))
        outcome = doc.text
    except ExtractError as error:
        outcome = error.message
    assert outcome.strip()


# --- the time limit ----------------------------------------------------------------------------


def slow_pdf() -> bytes:
    """A small file that takes the parser half an hour: 200 pages of one huge content stream.

    The stream draws half a million words; compressed, it is a few kilobytes.
    """
    words = b"BT /F1 11 Tf 72 770 Td\n" + b"(word ) Tj\n" * 500_000 + b"ET"
    return make_pdf([words] * 200, compress=True)


def pdf_workers() -> list[int]:
    """This process's children that run the PDF worker (Linux's /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            command = (stat.parent / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if parent == os.getpid() and b"pdf_worker" in command:
            found.append(int(stat.parent.name))
    return found


def test_a_pdf_that_keeps_the_parser_busy_is_stopped_at_the_time_limit() -> None:
    data = slow_pdf()
    assert len(data) < 200_000
    outcome: queue.Queue[list[Document] | BaseException] = queue.Queue()

    def run() -> None:
        try:
            outcome.put(extract_all("slow.pdf", data, limits=Limits(pdf_seconds=1.0)))
        except BaseException as exc:  # handed to the test thread, which judges it
            outcome.put(exc)

    # Polled from a daemon thread: if the limit failed, the test fails instead of hanging.
    threading.Thread(target=run, daemon=True).start()
    try:
        result = outcome.get(timeout=120)
    except queue.Empty:
        pytest.fail("PDF extraction was not stopped within 120 s")
    assert isinstance(result, ExtractError), result
    assert "timed out" in result.message
    assert result.message == "PDF extraction timed out after 1 s"
    assert str(result).startswith("slow.pdf: ")
    if Path("/proc/self/stat").exists():
        assert pdf_workers() == []  # killed and reaped, not left running
