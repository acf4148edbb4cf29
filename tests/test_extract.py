"""watcher.extract: decoding, HTML visible text, and the metadata heuristics."""

from __future__ import annotations

import codecs
import hashlib
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from watcher.errors import ExtractError
from watcher.extract import SUPPORTED_SUFFIXES, extract
from watcher.model import Document

FIXTURES = Path(__file__).parent / "fixtures" / "extract"

# A paragraph to stand between a metadata line and the end of a document.
BODY = (
    "Officials met on Tuesday to discuss the new timetable. "
    "They said more details would follow later in the week."
)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def from_fixture(name: str) -> Document:
    path = FIXTURES / name
    return extract(path, path.read_bytes())


def from_text(text: str, name: str = "doc.txt") -> Document:
    return extract(name, text.encode("utf-8"))


def from_html(body: str, head: str = "") -> Document:
    return extract("page.html", f"<html><head>{head}</head><body>{body}</body></html>".encode())


def article(*top: str, bottom: tuple[str, ...] = ()) -> str:
    """A plain-text article: lines on top, a headline and body, lines at the bottom."""
    return "\n".join([*top, "", "Timetable talks resume", "", BODY, "", *bottom]) + "\n"


def extract_error(name: str, data: bytes) -> ExtractError:
    with pytest.raises(ExtractError) as caught:
        extract(name, data)
    return caught.value


# --- formats --------------------------------------------------------------------------


def test_supported_suffixes() -> None:
    assert {
        ".txt", ".md", ".html", ".htm", ".eml", ".json", ".jsonl", ".pdf"
    } == SUPPORTED_SUFFIXES  # fmt: skip


def test_plain_text_document_is_the_file() -> None:
    path = FIXTURES / "wire_bloomberg.txt"
    data = path.read_bytes()
    doc = extract(path, data)
    assert doc.path == str(path)
    assert doc.sha256 == hashlib.sha256(data).hexdigest()
    assert doc.format == "text"
    assert doc.text == data.decode("utf-8")


def test_suffix_decides_the_format_case_insensitively() -> None:
    assert extract("NOTES.TXT", b"plain words").format == "text"
    assert extract("notes.Md", b"# Heading").format == "markdown"
    assert extract("page.HTM", b"<p>Hello</p>").format == "html"
    assert extract("page.html", b"<p>Hello</p>").text == "Hello"


def test_markdown_keeps_its_raw_text_and_takes_the_title_from_the_heading() -> None:
    path = FIXTURES / "heading.md"
    doc = extract(path, path.read_bytes())
    assert doc.format == "markdown"
    assert doc.text == path.read_text(encoding="utf-8")
    assert "**Wednesday**" in doc.text
    assert doc.title == "Harbour cranes stand idle as strike spreads"
    assert doc.published_at == utc(2023, 8, 16)
    assert doc.url == "https://ports.example.net/briefings/strike-update-16-august"


def test_markdown_closing_hashes_and_front_matter() -> None:
    assert from_text("## Short brief ##\n\nBody.\n", "a.md").title == "Short brief"
    front = '---\ntitle: "Dock strike ends"\ndate: 2023-08-18\n---\n\nBody text.\n'
    doc = from_text(front, "b.md")
    assert doc.title == "Dock strike ends"
    assert doc.published_at == utc(2023, 8, 18)


def test_a_hash_is_only_a_heading_mark_in_markdown() -> None:
    assert from_text("# not a heading here\nBody.\n").title == "# not a heading here"


# --- decoding ---------------------------------------------------------------------------


def test_utf8_byte_order_mark_is_dropped() -> None:
    doc = extract("doc.txt", codecs.BOM_UTF8 + b"Minsk talks\n")
    assert doc.text == "Minsk talks\n"
    assert doc.title == "Minsk talks"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_byte_order_mark(encoding: str) -> None:
    bom = b"" if encoding in {"utf-16", "utf-32"} else codecs.BOM_UTF16_BE
    data = bom + "Zdravo, Minsk — wir sind da\r\n".encode(encoding)
    assert extract("doc.txt", data).text == "Zdravo, Minsk — wir sind da\n"


def test_line_endings_become_newlines() -> None:
    doc = extract("doc.txt", b"Headline\r\n\r\nFirst line\rSecond line\nThird\r\n")
    assert doc.text == "Headline\n\nFirst line\nSecond line\nThird\n"


def test_text_is_not_otherwise_altered() -> None:
    text = "  Caf\u00e9\u00a0d\u00e9j\u00e0  vu\t\n\n\ufb01nal \u2019quote\u2019  \n"
    assert from_text(text).text == text


def test_cp1251_file_is_detected() -> None:
    text = (
        "Министр обороны Китая прибыл в Минск с трехдневным визитом.\n"  # noqa: RUF001
        "Стороны обсудили военное сотрудничество и поставки техники.\n"
    )
    assert extract("ru.txt", text.encode("cp1251")).text == text


def test_latin1_file_is_detected() -> None:
    text = (
        "Le ministre de la Défense est arrivé à Minsk mercredi pour une visite de trois "
        "jours. Les deux délégations ont signé un accord sur la coopération militaire.\n"
    )
    assert extract("fr.txt", text.encode("latin-1")).text == text


def test_html_declared_charset_is_honoured() -> None:
    # As in browsers, "iso-8859-1" means windows-1252 (curly quotes at 0x93/0x94);
    # detection alone reads these bytes as cp1250 and turns "à" into "ŕ".
    data = '<meta charset="iso-8859-1"><p>“Voilà,” dit-il à Genève.</p>'.encode("cp1252")
    assert extract("page.html", data).text == "“Voilà,” dit-il à Genève."
    cyrillic = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'
    data = f"{cyrillic}<p>Привет, Минск</p>".encode("cp1251")
    assert extract("page.html", data).text == "Привет, Минск"


def test_html_declaring_utf16_without_a_bom_is_not_read_as_utf16() -> None:
    text = (
        '<meta charset="utf-16"><p>Le ministre de la Défense est arrivé à Minsk mercredi '
        "pour une visite de trois jours, a déclaré le ministère.</p>"
    )
    data = text.encode("latin-1")
    data += b" " * (len(data) % 2)  # even, so a UTF-16 decode would succeed
    assert "arrivé à Minsk" in extract("page.html", data).text


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("doc.txt", b"", "empty file"),
        ("doc.txt", b"Head\x00line", "binary content (NUL bytes)"),
        ("image.html", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary content (NUL bytes)"),
        ("doc.txt", bytes(range(1, 9)) * 20 + b"text", "binary content (control characters)"),
        (
            "doc.txt",
            bytes(byte | 0x80 for byte in random.Random(7).randbytes(600)),
            "cannot decode text: not UTF-8 and no plausible encoding detected",
        ),
        (
            "doc.txt",
            codecs.BOM_UTF16_LE + b"A\x00\x00\xd8",
            "cannot decode text: invalid utf-16-le after its byte-order mark",
        ),
        ("slides.pptx", b"PK\x03\x04", "unsupported format '.pptx'"),
        ("README", b"hello", "unsupported format (no suffix)"),
        ("doc.txt", b" \r\n\t\n", "no text (the file is only whitespace)"),
        ("doc.md", codecs.BOM_UTF8, "no text (the file is only whitespace)"),
        (
            "page.html",
            b"<html><head><title>T</title><script>go()</script></head>"
            b"<body><div hidden>gone</div> \n</body></html>",
            "no text found in HTML",
        ),
    ],
)
def test_what_cannot_be_a_document_is_an_extract_error(
    name: str, data: bytes, message: str
) -> None:
    error = extract_error(name, data)
    assert error.message == message
    assert error.location is not None
    assert error.location.path == name
    assert str(error).startswith(f"{name}: {message}")


def test_unsupported_format_names_the_supported_ones() -> None:
    assert extract_error("slides.pptx", b"PK").hint == (
        "supported: .eml, .htm, .html, .json, .jsonl, .md, .pdf, .txt"
    )


@given(data=st.binary(max_size=300), suffix=st.sampled_from(sorted(SUPPORTED_SUFFIXES)))
def test_any_bytes_give_a_document_or_an_extract_error(data: bytes, suffix: str) -> None:
    try:
        outcome = extract(f"doc{suffix}", data).text
    except ExtractError as error:  # the only exception bad input may raise
        outcome = error.message
    assert outcome.strip()


_PRINTABLE = st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="\ufeff")


@given(text=st.text(_PRINTABLE | st.sampled_from("\r\n\t "), min_size=1))
def test_plain_text_is_the_input_with_newlines_normalised(text: str) -> None:
    if not text.strip():
        return
    doc = extract("doc.txt", text.encode("utf-8"))
    assert doc.text == text.replace("\r\n", "\n").replace("\r", "\n")


# --- HTML: visible text -------------------------------------------------------------------


def test_html_fixture_visible_text() -> None:
    doc = from_fixture("article.html")
    assert doc.format == "html"
    # The <article>'s text: the site's header and footer around it are left out.
    assert doc.text == (
        "Rail freight resumes across the border\n\n"
        "By Lena Vogt & Piotr Nowak\n\n"
        "Freight trains crossed the border on Wednesday for the first time in three weeks, "
        "the operator said — a relief for exporters waiting on “urgent” deliveries.\n\n"
        "Around 40 wagons of fertiliser and timber were cleared by customs before noon.\n"
        "More are expected by Friday.\n\n"
        "Fertiliser: 22 wagons\nTimber: 18 wagons\n\n"
        "Crossing Status\nNorthern gate open"
    )
    assert "LEAK" not in doc.text


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ("<p>One</p><p>Two</p>", "One\n\nTwo"),
        ("<div>One</div><div>Two</div>", "One\nTwo"),
        ("<ul><li>a</li><li>b</li></ul><p>after</p>", "a\nb\n\nafter"),
        ("One<br>Two", "One\nTwo"),
        ("One<br><br><br>Two", "One\n\nTwo"),
        ("<h2>Head</h2>Body", "Head\n\nBody"),
        ("<section>One</section><article>Two</article>", "One\n\nTwo"),
        ("<table><tr><th>a</th><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc"),
        ("<div>x<div>y</div>z</div>", "x\ny\nz"),
        ("<p>Hello <b>bold</b>world <i> and </i> more</p>", "Hello boldworld and more"),
        ("<p>\n   lots \n  of\t\tspace   </p>", "lots of space"),
        ("<pre>  keep\n    this</pre><p>next</p>", "  keep\n    this\n\nnext"),
    ],
)
def test_html_blocks_separate_and_inline_whitespace_collapses(body: str, text: str) -> None:
    assert from_html(body).text == text


def test_html_entities_are_decoded() -> None:
    doc = from_html("<p>&amp; &lt;tag&gt; &eacute;&#233;&#xE9; &mdash; &quot;q&quot; a&nbsp;b</p>")
    assert doc.text == '& <tag> ééé — "q" a b'


@pytest.mark.parametrize(
    "hiding",
    [
        "<script>var s = 'SECRET';</script>",
        "<style>p::after { content: 'SECRET'; }</style>",
        "<noscript>SECRET</noscript>",
        "<template><p>SECRET</p></template>",
        "<svg><text>SECRET</text></svg>",
        "<div hidden>SECRET</div>",
        '<span aria-hidden="true">SECRET</span>',
        '<span aria-hidden=" TRUE ">SECRET</span>',
        '<div style="color: red; display:none">SECRET</div>',
        '<div style="visibility: hidden">SECRET</div>',
        "<!-- SECRET -->",
        "<iframe>SECRET</iframe>",
    ],
)
def test_html_invisible_content_is_dropped(hiding: str) -> None:
    doc = from_html(f"<p>Visible</p>{hiding}<p>Also visible</p>", head="<title>SECRET</title>")
    assert doc.text == "Visible\n\nAlso visible"


def test_html_aria_hidden_false_stays() -> None:
    assert from_html('<p aria-hidden="false">Shown</p>').text == "Shown"


# --- HTML: metadata -------------------------------------------------------------------------


def test_html_fixture_metadata() -> None:
    doc = from_fixture("article.html")
    assert doc.title == "Rail freight resumes across the border"
    assert doc.source == "The Northern Courier"
    assert doc.published_at == utc(2023, 8, 16, 6, 30)
    assert doc.url == "https://courier.example.com/2023/08/16/rail-freight-resumes"


def test_html_without_metadata_tags_falls_back_to_visible_text() -> None:
    doc = from_fixture("bare.html")
    assert doc.title == "Ferry service to the islands suspended"  # the visible h1
    assert doc.published_at == utc(2023, 9, 2, 14, 5)  # <time datetime>
    assert doc.source == "Reuters"  # the dateline in the visible text
    assert doc.url is None


@pytest.mark.parametrize(
    ("head", "body", "title"),
    [
        (
            '<title>Site | Page</title><meta property="og:title" content=" OG  title ">',
            "<h1>Heading</h1>",
            "OG title",
        ),
        ("<title>Site | Page</title>", "<h1>The\n  heading</h1><p>Body</p>", "The heading"),
        ("<title>Site | Page</title>", "<h1 hidden>Hidden</h1><p>Body</p>", "Site | Page"),
        ("<title>\n  Site | Page \n</title>", "<p>Body</p>", "Site | Page"),
        ("", "<p>First paragraph</p><p>Second</p>", "First paragraph"),
    ],
)
def test_html_title_prefers_og_title_then_h1_then_title(head: str, body: str, title: str) -> None:
    assert from_html(body, head).title == title


@pytest.mark.parametrize(
    ("head", "body", "published"),
    [
        (
            '<meta property="article:published_time" content="2023-08-16T09:30:00+03:00">'
            '<meta name="date" content="2023-08-01">',
            '<time datetime="2023-07-01">July</time>',
            utc(2023, 8, 16, 6, 30),
        ),
        (
            '<meta property="article:published_time" content="soon">'
            '<meta name="date" content="2023-08-01">',
            "<p>Body</p>",
            utc(2023, 8, 1),
        ),
        (
            '<meta itemprop="datePublished" content="2023-08-02T08:00:00Z">',
            '<time datetime="2023-07-01">July</time>',
            utc(2023, 8, 2, 8),
        ),
        ("", '<span itemprop="datePublished">3 August 2023</span>', utc(2023, 8, 3)),
        ("", '<p>Body <time datetime="2023-08-04T10:00">4 Aug</time></p>', utc(2023, 8, 4, 10)),
        ("", "<p>Posted: 21.08.2023 11:41:00</p><p>Body</p>", utc(2023, 8, 21, 11, 41)),
        ("", "<p>Body from 2023</p>", None),
    ],
)
def test_html_published_at_order(head: str, body: str, published: datetime | None) -> None:
    assert from_html(body, head).published_at == published


@pytest.mark.parametrize(
    ("head", "url"),
    [
        (
            '<meta property="og:url" content="https://a.example.com/og">'
            '<link rel="canonical" href="https://a.example.com/canonical">',
            "https://a.example.com/canonical",
        ),
        (
            '<link rel="canonical" href="/relative/path">'
            '<meta property="og:url" content="https://a.example.com/og">',
            "https://a.example.com/og",
        ),
        ('<link rel="alternate" href="https://a.example.com/amp">', None),
    ],
)
def test_html_url_prefers_canonical_then_og_url(head: str, url: str | None) -> None:
    assert from_html("<p>Body</p>", head).url == url


@pytest.mark.parametrize(
    ("head", "source"),
    [
        (
            '<meta name="publisher" content="Publisher Co">'
            '<meta property="og:site_name" content="Harbour Watch">',
            "Harbour Watch",
        ),
        (
            '<meta name="application-name" content="App Name">'
            '<meta name="publisher" content="https://publisher.example.com">'
            '<meta name="publisher" content="Nordic Wire Ltd.">',
            "Nordic Wire",
        ),
        ('<meta name="application-name" content="Baltic Ledger">', "Baltic Ledger"),
        ("", None),
    ],
)
def test_html_source_from_site_name_publisher_application_name(
    head: str, source: str | None
) -> None:
    assert from_html("<p>Body</p>", head).source == source


# --- text: title -------------------------------------------------------------------------------


def test_title_is_a_headline_line_with_whitespace_collapsed() -> None:
    doc = from_text("\n\n   Ferry  service\tsuspended  \n\nBody.\n")
    assert doc.title == "Ferry service suspended"


def test_title_skips_metadata_label_lines() -> None:
    doc = from_fixture("labelled.txt")
    assert doc.title == "Grain corridor talks resume in Istanbul"


def test_long_title_is_cut_at_a_word_boundary() -> None:
    line = " ".join(f"word{i}" for i in range(100))
    title = from_text(line + "\n").title
    assert title is not None
    assert len(title) <= 301
    assert title.endswith("…")
    kept = title.removesuffix("…")
    assert line.startswith(kept)
    assert line[len(kept)] == " "


@pytest.mark.parametrize(
    ("name", "title"),
    [
        # Advertisements, a section label, promotions and a photo caption come first.
        (
            "scraped_promo.txt",
            "Dock workers in Gdynia extend strike into a second week as talks with port "
            "operator stall",
        ),
        # The headline sits right on its body: the next single-line paragraph is a subhead.
        ("headline_on_body.txt", "Ferry operator cancels winter crossings to the outer islands"),
        # Headline and byline, then the lead: the subhead after the lead is not the title.
        ("byline_lead.txt", "Rail freight across the northern border halted by snow"),
        # Page furniture, then a markdown heading below it.
        ("furniture.md", "Harbour authority approves new breakwater"),
    ],
)
def test_title_of_a_scraped_article(name: str, title: str) -> None:
    assert from_fixture(name).title == title


def test_metadata_lines_among_the_furniture_still_count() -> None:
    assert from_fixture("byline_lead.txt").published_at == utc(2023, 12, 2)
    assert from_fixture("furniture.md").published_at == utc(2023, 10, 5)


@pytest.mark.parametrize(
    ("text", "title"),
    [
        (
            f"Advertisement\n\nSkip to content\n\nFerry talks collapse again\n\n{BODY}\n",
            "Ferry talks collapse again",
        ),
        # Furniture is matched whole-line, case-insensitively, trailing arrows and dots aside.
        (
            "ADVERTISEMENT\n\nShare this story »\n\nListen to this article…\n\n"
            "Ferry talks collapse again\n",
            "Ferry talks collapse again",
        ),
        (
            f"Advertisement revenue falls at regional papers\n\n{BODY}\n",
            "Advertisement revenue falls at regional papers",
        ),
        ("https://a.example.com/x\n\nFerry talks collapse again\n", "Ferry talks collapse again"),
        # A one-line paragraph of fewer than three words is a label, not a headline.
        (f"World news\n\nFerry talks collapse again\n\n{BODY}\n", "Ferry talks collapse again"),
        # A headline may ask; only a full stop makes a line read as a sentence.
        (
            f"Updates\n\nWill the ferry talks resume before the winter?\n\n{BODY}\n",
            "Will the ferry talks resume before the winter?",
        ),
        # A headline with a short body right under it.
        ("Ferry talks collapse\nOfficials walked out early.\n", "Ferry talks collapse"),
        # Nothing looks like a headline: the first line that is not furniture.
        ("Advertisement\nWorld\n\nIn brief\n", "World"),
        # Nothing but furniture: the first line after all.
        ("Advertisement\nShare\n", "Advertisement"),
        # Labels and URLs are never titles.
        ("Posted: 2023-08-16\nURL: https://a.example.com/x\n", None),
        # Only the first 15 non-empty lines are searched for a headline.
        (
            "Advertisement\n" * 15 + "\nFerry talks collapse again\n",
            "Advertisement",
        ),
    ],
)
def test_title_rule(text: str, title: str | None) -> None:
    assert from_text(text).title == title


def test_a_body_line_too_long_for_a_headline_starts_the_body() -> None:
    # No full stop at its end, yet it is body text: the subhead below is not the title.
    body = "Talks on the ferry link to the outer islands went on late into the night " * 5
    text = f"Ferry talks collapse again\n{body}and the statement said:\n\nCrews to be laid off\n"
    assert from_text(text).title == "Ferry talks collapse again"


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("Advertisement\n\n# Strike ends\n\nA line of five words\n", "Strike ends"),
        ("Strike ends\n===========\n\nA line of five words\n", "Strike ends"),
        ("Menu\n\nStrike ends\n---\nA line of five words\n", "Strike ends"),
        ("\n---\ntitle: 'Dock strike ends'\n---\n# Another heading\n", "Dock strike ends"),
        ("---\ndate: 2023-08-18\n---\n\nAdvertisement\n\n# Dock strike ends\n", "Dock strike ends"),
    ],
)
def test_markdown_headings_are_headlines_however_short(text: str, title: str) -> None:
    assert from_text(text, "doc.md").title == title


def test_html_without_title_tags_skips_furniture_in_its_visible_text() -> None:
    body = (
        "<nav><p>Skip to content</p><p>Menu</p></nav><div>Advertisement</div>"
        f"<p>Ferry talks collapse again</p><p>{BODY}</p>"
    )
    assert from_html(body).title == "Ferry talks collapse again"


@given(text=st.text(_PRINTABLE | st.sampled_from("\n\n\n    #=-"), min_size=1))
def test_title_is_always_text_of_the_document(text: str) -> None:
    if not text.strip():
        return
    for name in ("doc.txt", "doc.md"):
        title = extract(name, text.encode("utf-8")).title
        if title is not None:
            assert len(title) <= 301
            assert title.removesuffix("…") in " ".join(text.split())


# --- text: published_at ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "published"),
    [
        ("Posted: 21.08.2023 11:41:00", utc(2023, 8, 21, 11, 41)),
        ("Published: 2023-08-16", utc(2023, 8, 16)),
        ("Date: 16 August 2023", utc(2023, 8, 16)),
        ("Updated: Aug 16, 2023 10:00 UTC", utc(2023, 8, 16, 10)),
        ("Dated: 01.08.2023", utc(2023, 8, 1)),  # dotted dates are day-first
        ("POSTED ON: 2023-08-16 10:00", utc(2023, 8, 16, 10)),
        ("Published 16 August 2023", utc(2023, 8, 16)),
        ("Published: 2023-08-16T10:00:00+03:00", utc(2023, 8, 16, 7)),
        ("Published: 16 Aug 2023 10:00 MSK", utc(2023, 8, 16, 7)),
        ("Published: Monday, 21 August 2023 | 1,024 views", utc(2023, 8, 21)),
    ],
)
def test_text_published_at_from_a_label_line(line: str, published: datetime) -> None:
    stated = from_text(article(line)).published_at
    assert stated == published
    assert stated is not None
    assert stated.utcoffset() == timedelta(0)


_IN_THREE_DAYS = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%d")


@pytest.mark.parametrize(
    "line",
    [
        "Published: 1985-06-01",
        "Published: 2999-01-01",
        f"Published: {_IN_THREE_DAYS}",
        "Date: August 2023",  # no day: dateutil would invent one
        "Date: 5",
        "Posted: yesterday",
        "Published: 16 Aug 2023 10:00 XYZT",  # a zone we cannot place
        "Published: 16 August 2023 by the desk",
        "Publishing: 2023-08-16",
    ],
)
def test_text_published_at_rejects_what_is_not_a_plausible_full_date(line: str) -> None:
    assert from_text(article(line)).published_at is None


def test_published_beats_updated_whatever_the_order() -> None:
    doc = from_text(article("Updated: 2023-08-17 09:00", "Published: 2023-08-16 08:00"))
    assert doc.published_at == utc(2023, 8, 16, 8)


def test_date_labels_count_only_near_the_top() -> None:
    filler = [f"Paragraph {i}." for i in range(20)]
    assert from_text("\n".join([*filler, "Published: 2023-08-16"])).published_at is None


# --- text: url ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("top", "bottom", "url"),
    [
        (("URL: https://a.example.com/x",), (), "https://a.example.com/x"),
        ((), ("Source URL: https://a.example.com/story.",), "https://a.example.com/story"),
        (("Link: <https://a.example.com/y>",), (), "https://a.example.com/y"),
        ((), ("https://a.example.com/z?id=4),",), "https://a.example.com/z?id=4"),
        (
            (),
            ("https://en.example.org/wiki/Minsk_(city)",),
            "https://en.example.org/wiki/Minsk_(city)",
        ),
        (
            ("https://a.example.com/alone",),
            ("URL: https://a.example.com/labelled",),
            "https://a.example.com/labelled",
        ),
        ((), ("Read more at https://a.example.com/inline",), None),
        (("URL: ftp://a.example.com/file",), (), None),
        (("URL: not-a-url",), (), None),
        (("URL: https://localhost/x",), (), None),
    ],
)
def test_text_url(top: tuple[str, ...], bottom: tuple[str, ...], url: str | None) -> None:
    assert from_text(article(*top, bottom=bottom)).url == url


def test_a_url_alone_in_the_middle_is_not_the_documents_url() -> None:
    middle = [f"Paragraph {i}." for i in range(12)]
    text = "\n".join([*middle, "https://a.example.com/cited", *middle])
    assert from_text(text).url is None


def test_source_label_holding_a_url_gives_the_url_not_the_source() -> None:
    doc = from_text(article("Source: https://a.example.com/x"))
    assert doc.url == "https://a.example.com/x"
    assert doc.source is None


# --- text: source ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("top", "bottom", "source"),
    [
        (("Source: Baltic Ledger",), (), "Baltic Ledger"),
        (("outlet: Harbour Watch",), (), "Harbour Watch"),
        (("Publisher: Nordic Wire Ltd",), (), "Nordic Wire"),
        (("(Bloomberg) — Freight rates rose.",), (), "Bloomberg"),
        (("(Reuters) - Freight rates rose.",), (), "Reuters"),
        (("MINSK (Reuters) - Freight rates rose.",), (), "Reuters"),
        (("KYIV, Ukraine (AP) — Freight rates rose.",), (), "AP"),
        (("LONDON, Aug 16 (Reuters) - Freight rates rose.",), (), "Reuters"),
        ((), ("©2023 Bloomberg L.P.",), "Bloomberg"),
        ((), ("© 2023 Reuters",), "Reuters"),
        (
            (),
            ("Copyright 2023 The Associated Press. All rights reserved.",),
            "The Associated Press",
        ),
        (("Rates rose sharply this week, the STV channel reports",), (), "STV"),
        (("Rates rose, the BelTA news agency reported.",), (), "BelTA"),
    ],
)
def test_text_source(top: tuple[str, ...], bottom: tuple[str, ...], source: str) -> None:
    assert from_text(article(*top, bottom=bottom)).source == source


@pytest.mark.parametrize(
    ("top", "bottom"),
    [
        (("Photo: Reuters",), ()),
        ((), ("Photo: Reuters",)),
        ((), ("© Getty Images",)),  # a photo credit: no year
        ((), ("(Updates with comments from officials.)",)),
        (("(Update) — Freight rates rose.",), ()),
        ((), ("Copyright infringement claims rise",)),
        (("Rates rose sharply, the Belarusian TV channel reports",), ()),
        (("“Rates rose,” The South China Morning Post reported, citing outlets.",), ()),
        (("Rates rose, as the STV channel reports were confirmed by others",), ()),
        (("Source: https://a.example.com/x",), ()),
        (("Source: a person familiar with the matter who asked not to be named",), ()),
    ],
)
def test_text_source_is_none_without_clear_evidence(
    top: tuple[str, ...], bottom: tuple[str, ...]
) -> None:
    assert from_text(article(*top, bottom=bottom)).source is None


def test_wire_dateline_counts_only_near_the_top() -> None:
    filler = [f"Paragraph {i}." for i in range(20)]
    text = "\n".join([*filler, "MINSK (Reuters) - A late wire copy."])
    assert from_text(text).source is None


def test_source_evidence_order_label_then_dateline_then_copyright() -> None:
    labelled = article("Source: Baltic Ledger", "(Reuters) - Text.", bottom=("© 2023 Yahoo",))
    assert from_text(labelled).source == "Baltic Ledger"
    wired = article("(Reuters) - Text.", bottom=("© 2023 Yahoo",))
    assert from_text(wired).source == "Reuters"


def test_bloomberg_fixture_dateline_and_copyright() -> None:
    doc = from_fixture("wire_bloomberg.txt")
    assert doc.title == "Copper Miner Halts Output at Andean Pit After Landslide"
    assert doc.source == "Bloomberg"
    assert doc.published_at is None
    assert doc.url is None
    # The copyright line alone is enough, too.
    assert from_text(article(bottom=("©2023 Bloomberg L.P.",))).source == "Bloomberg"


def test_labelled_fixture() -> None:
    doc = from_fixture("labelled.txt")
    assert doc.published_at == utc(2023, 8, 21, 11, 41)
    assert doc.source == "Baltic Ledger"  # not "Reuters" from the photo credit
    assert doc.url == "https://news.example.org/2023/08/21/grain-corridor"


# --- the seed corpus ----------------------------------------------------------------------------

SEEDS = {
    # After a "Posted:" label.
    "000": (
        "US disliked Chinese Defence Minister\u2019s visit to Belarus, why",
        "STV",
        utc(2023, 8, 21, 11, 41),
    ),
    # Past advertisements, a section label, a promotion and a photo caption.
    "001": (
        "China defence chief Li Shangfu hails \u2018fraternal relations\u2019 in Belarus trip, "
        "marking first visit since Russia invaded Ukraine",
        None,
        None,
    ),
    "002": (
        "Chinese Defence Minister Arrives in Belarus For Discussions on Enhanced "
        "Military Cooperation",
        None,
        None,
    ),
    # An image caption, and no headline anywhere after it: the caption is the best there is.
    "003": ("Map Of Europe With Magnifying Glass Focussed on Belarus", None, None),
    "004": ("China\u2019s Defense Chief in Belarus as Tensions With NATO Mount", "Bloomberg", None),
}


def test_seed_articles(seeds_dir: Path) -> None:
    found: dict[str, tuple[str | None, str | None, datetime | None]] = {}
    for path in sorted(seeds_dir.glob("*.txt")):
        raw = path.read_bytes()
        doc = extract(path, raw)
        decoded = raw.decode("utf-8")
        assert doc.text == decoded.replace("\r\n", "\n").replace("\r", "\n")
        assert doc.text.strip()
        assert doc.url is None
        # The title is one whole line of the article, never a piece of one.
        assert doc.title in [line.strip() for line in decoded.splitlines()]
        found[path.name[:3]] = (doc.title, doc.source, doc.published_at)
    assert found == SEEDS
