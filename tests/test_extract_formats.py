"""watcher.extract: email, JSON and JSON Lines, HTML main text, and the size limit.

PDFs and their time limit are in test_extract_pdf.py.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from watcher.errors import ExtractError
from watcher.extract import SUPPORTED_SUFFIXES, Limits, extract, extract_all
from watcher.model import Document

FIXTURES = Path(__file__).parent / "fixtures" / "extract"

BODY = (
    "Dock workers at the Baltic Container Terminal voted on Wednesday to extend their "
    "strike into a second week, after talks with the operator broke down over pay."
)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def fixture(name: str) -> tuple[Path, bytes]:
    path = FIXTURES / name
    return path, path.read_bytes()


def all_from_fixture(name: str) -> list[Document]:
    return extract_all(*fixture(name))


def error_of(name: str, data: bytes, limits: Limits | None = None) -> ExtractError:
    with pytest.raises(ExtractError) as caught:
        extract_all(name, data, limits=limits or Limits())
    return caught.value


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- the API ---------------------------------------------------------------------------


def test_supported_suffixes_include_the_new_formats() -> None:
    assert {".eml", ".json", ".jsonl", ".pdf"} <= SUPPORTED_SUFFIXES


def test_limits_defaults_and_validation() -> None:
    assert Limits() == Limits(max_bytes=50 * 2**20, pdf_seconds=20.0)
    with pytest.raises(ValueError, match="max_bytes"):
        Limits(max_bytes=0)
    with pytest.raises(ValueError, match="pdf_seconds"):
        Limits(pdf_seconds=0)


@pytest.mark.parametrize(
    "name", ["newsletter.eml", "article.json", "page_with_nav.html", "labelled.txt"]
)
def test_a_single_document_file_gives_one_document_identified_by_its_bytes(name: str) -> None:
    path, data = fixture(name)
    documents = extract_all(path, data)
    assert documents == [extract(path, data)]
    assert documents[0].path == str(path)
    assert documents[0].sha256 == sha256(data)


def test_extract_refuses_a_file_of_several_articles() -> None:
    path, data = fixture("articles.json")
    with pytest.raises(ExtractError) as caught:
        extract(path, data)
    assert caught.value.message == "3 articles in one file"
    assert caught.value.hint == "extract_all() reads them all"


# --- size limit ---------------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed() -> None:
    # Broken JSON: had it been parsed, the error would be another one.
    error = error_of("feed.json", b"{" * 101, Limits(max_bytes=100))
    assert error.message == "file too large: 101 bytes (limit 100)"
    assert str(error) == "feed.json: file too large: 101 bytes (limit 100)"


def test_a_file_at_the_size_limit_is_read() -> None:
    data = b"Ferry talks collapse again\n"
    assert extract_all("doc.txt", data, limits=Limits(max_bytes=len(data)))[0].text == data.decode()


def test_the_default_size_limit_is_50_mib() -> None:
    data = b"a" * (50 * 2**20 + 1)
    assert (
        error_of("big.txt", data).message == f"file too large: {len(data)} bytes (limit 52428800)"
    )


# --- HTML: the main article, not the navigation ----------------------------------------------


def test_html_article_text_leaves_out_navigation_header_aside_and_footer() -> None:
    [doc] = all_from_fixture("page_with_nav.html")
    assert doc.text == (
        "Dock strike ends after pay deal\n\n"
        "By Marta Kowalczyk · 18 August 2023\n\n"
        "Dock workers at the Baltic Container Terminal returned to work on Friday after the "
        "union accepted a 10% pay rise over two years, ending a strike that had lasted nine "
        "days.\n\n"
        "The operator, Baltic Hub Holdings, said the first feeder vessels diverted to Gdynia "
        "during the dispute would return from Monday.\n\n"
        "Background: the strike began on 9 August.\n\n"
        "Freight forwarders said it would take about two weeks to clear the backlog of "
        "containers on the quay."
    )
    # The article's own <h1>, not the logo's; the outlet from the footer's copyright line.
    assert doc.title == "Dock strike ends after pay deal"
    assert doc.source == "Harbour Watch"


def page(body: str) -> str:
    return extract("page.html", f"<html><body>{body}</body></html>".encode()).text


NAV = "<nav><a>Home</a> <a>World</a> <a>Business</a> <a>Sport</a></nav>"
FOOTER = "<footer><p>About us</p><p>Contact</p><p>Privacy policy</p></footer>"


@pytest.mark.parametrize(
    ("body", "text"),
    [
        (f"{NAV}<main><p>{BODY}</p></main>{FOOTER}", BODY),
        (f"{NAV}<article><p>{BODY}</p></article>{FOOTER}", BODY),
        (f'{NAV}<div role="main"><p>{BODY}</p></div>{FOOTER}', BODY),
        # <main> holding the article and its furniture: the largest wins.
        (
            f"<main>{NAV}<article><p>{BODY}</p></article></main>",
            f"Home World Business Sport\n\n{BODY}",
        ),
        # Two articles: the larger one.
        (f"<article><p>Short teaser.</p></article><article><p>{BODY}</p></article>", BODY),
        # Hidden articles do not count.
        (f"<article hidden><p>{BODY} {BODY}</p></article><article><p>{BODY}</p></article>", BODY),
    ],
)
def test_html_prefers_the_largest_article_or_main(body: str, text: str) -> None:
    assert page(body) == text


@pytest.mark.parametrize(
    "body",
    [
        # No article or main at all.
        f"{NAV}<div><p>{BODY}</p></div>",
        # A teaser card beside a story marked up with plain <div>s.
        f"<div class='story'><p>{BODY}</p></div><article><p>Read next: ferries</p></article>",
        # A live blog: many posts of the same size, none of them the page's article.
        "".join(f"<article><p>Update {n}: {BODY}</p></article>" for n in range(4)),
    ],
)
def test_html_falls_back_to_the_whole_page_when_no_article_holds_its_bulk(body: str) -> None:
    whole = page(body.replace("<article", "<div").replace("</article>", "</div>"))
    assert page(body) == whole
    assert BODY in whole


def test_html_article_title_falls_back_to_the_pages_first_h1() -> None:
    doc = extract(
        "page.html", f"<h1>Dock strike ends</h1><article><p>{BODY}</p></article>".encode()
    )
    assert doc.text == BODY
    assert doc.title == "Dock strike ends"


# --- email ----------------------------------------------------------------------------------


def test_newsletter_prefers_the_plain_part_and_ignores_the_attachment() -> None:
    [doc] = all_from_fixture("newsletter.eml")
    assert doc.format == "email"
    assert doc.title == "Gdańsk dockers extend strike — talks stall over pay"
    assert doc.source == "Baltic Freight Briefing"
    assert doc.published_at == utc(2023, 8, 17, 5, 5)
    # Quoted-printable UTF-8 decoded, soft line breaks joined.
    assert "voted on Wednesday to extend their strike into a second week" in doc.text
    assert "“We are not moving until the offer is on paper,” said Marta Kowalczyk" in doc.text
    assert "Klaipėda" in doc.text
    assert doc.text.startswith("Baltic Freight Briefing — Thursday 17 August 2023\n\n")
    assert "Unsubscribe" not in doc.text  # only in the HTML alternative
    assert "not really a pdf" not in doc.text  # the attachment


def test_forwarded_article_keeps_the_forwarded_body_as_it_is() -> None:
    [doc] = all_from_fixture("forwarded.eml")
    assert doc.title == "Rail freight resumes across the northern border"  # "Fwd: " dropped
    assert doc.source == "Lena Vogt"
    assert doc.published_at == datetime(2023, 8, 16, 8, 12, 44, tzinfo=UTC)
    assert doc.text.startswith("FYI, relevant for the Belarus watchlist.\n\n")
    assert "---------- Forwarded message ---------\nFrom: Northern Courier Alerts" in doc.text
    # ISO-8859-1 quoted-printable.
    assert "Café owners in the border town said traffic had already picked up: « enfin »" in (
        doc.text
    )


def test_article_forwarded_as_an_inline_message_is_shown_like_an_inline_forward() -> None:
    [doc] = all_from_fixture("forwarded_inline.eml")
    assert doc.title == "Harbour authority approves new breakwater"  # "FW: " dropped
    assert doc.source == "piotr.nowak@watcher.example.org"  # no display name: the address
    assert doc.published_at == utc(2023, 10, 5, 6, 41)
    assert doc.text == (
        "See below.\n\n"
        "---------- Forwarded message ---------\n"
        "From: Harbour Watch <news@harbourwatch.example.net>\n"
        "Date: Thu, 05 Oct 2023 06:00:00 +0000\n"
        "Subject: Harbour authority approves new breakwater\n\n"
        "Harbour authority approves new breakwater\n\n"
        "The harbour authority approved a 600-metre breakwater on Wednesday, clearing the way "
        "for larger ferries to call at the outer quay from 2025.\n\n"
        "Construction by Nordic Marine Works is due to start in March."
    )


def mail(
    *,
    subject: str | None = "Port strike spreads",
    sender: str | None = "Baltic Ledger <desk@ledger.example.com>",
    date: str | None = "Wed, 16 Aug 2023 09:30:00 +0200",
) -> EmailMessage:
    message = EmailMessage()
    for name, value in (("Subject", subject), ("From", sender), ("Date", date)):
        if value is not None:
            message[name] = value
    return message


def eml(message: EmailMessage) -> Document:
    return extract("mail.eml", message.as_bytes(policy=SMTP))


def eml_error(data: bytes | EmailMessage) -> ExtractError:
    raw = data.as_bytes(policy=SMTP) if isinstance(data, EmailMessage) else data
    return error_of("mail.eml", raw)


HTML_BODY = (
    "<html><body><nav>Home | Archive</nav><article><h1>Port strike spreads</h1>"
    f"<p>{BODY}</p></article></body></html>"
)


def test_html_only_email_goes_through_the_html_extractor() -> None:
    message = mail()
    message.set_content(HTML_BODY, subtype="html", cte="quoted-printable")
    doc = eml(message)
    assert doc.text == f"Port strike spreads\n\n{BODY}"


def test_alternative_with_an_empty_plain_part_falls_back_to_html() -> None:
    message = mail()
    message.set_content("   \n")
    message.add_alternative(HTML_BODY, subtype="html")
    assert eml(message).text == f"Port strike spreads\n\n{BODY}"


def test_mixed_inline_parts_are_all_shown() -> None:
    message = mail()
    message.set_content(BODY)
    message.add_attachment("Sent from the list server.\n", disposition="inline")
    message.add_attachment("SECRET attachment\n", filename="notes.txt")
    assert eml(message).text == f"{BODY}\n\nSent from the list server."


@pytest.mark.parametrize(
    ("charset", "cte"),
    [("windows-1251", "base64"), ("koi8-r", "quoted-printable"), ("utf-8", "8bit")],
)
def test_declared_charsets_and_transfer_encodings_are_decoded(charset: str, cte: str) -> None:
    text = "Министр обороны прибыл в Минск с трехдневным визитом.\n"  # noqa: RUF001
    message = mail()
    message.set_content(text, charset=charset, cte=cte)
    assert eml(message).text == text


def raw_mail(content_type: str, body: bytes, cte: str = "8bit") -> bytes:
    return (
        b"From: Baltic Ledger <desk@ledger.example.com>\r\nSubject: Port strike spreads\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: " + content_type.encode() + b"\r\n"
        b"Content-Transfer-Encoding: " + cte.encode() + b"\r\n\r\n" + body
    )


def test_utf8_text_labelled_us_ascii_is_read_as_utf8() -> None:
    data = raw_mail('text/plain; charset="us-ascii"', "Grève au port de Gdańsk\r\n".encode())
    assert extract("mail.eml", data).text == "Grève au port de Gdańsk\n"


def test_latin1_label_means_windows_1252() -> None:
    data = raw_mail("text/plain; charset=iso-8859-1", "“Voilà,” dit-il.\r\n".encode("cp1252"))
    assert extract("mail.eml", data).text == "“Voilà,” dit-il.\n"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            raw_mail("text/plain; charset=utf-8", b"Gr\xe8ve au port\r\n"),
            "cannot decode the text/plain part: invalid utf-8",
        ),
        (
            raw_mail("text/html; charset=x-martian", b"<p>Port strike</p>\r\n"),
            "cannot decode the text/html part: unknown charset 'x-martian'",
        ),
        (
            raw_mail("text/plain; charset=utf-8", b"QUJDR\r\n", cte="base64"),
            "cannot decode the text/plain part: broken base64",
        ),
        (
            raw_mail("text/plain", b"Port\x00strike\r\n"),
            "cannot decode the text/plain part: binary content (NUL bytes)",
        ),
        (
            raw_mail("image/png", b"\x89PNG", cte="base64"),
            "no text in the email (no text/plain or text/html part with text)",
        ),
        (b"\n\nJust a body, no headers at all.\n", "not an email (no header lines)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not an email (no header lines)"),
    ],
)
def test_broken_email_is_an_extract_error(data: bytes, message: str) -> None:
    assert eml_error(data).message == message


def test_attachments_alone_are_no_text() -> None:
    message = mail()
    message.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="a.pdf")
    message.add_attachment("Body text\n", filename="article.txt")
    assert eml_error(message).message == (
        "no text in the email (no text/plain or text/html part with text)"
    )


def test_mime_nesting_is_bounded() -> None:
    inner = b"Content-Type: text/plain\r\n\r\nDeep down.\r\n"
    for depth in range(30):
        boundary = f"b{depth}".encode()
        inner = (
            b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\r\n\r\n--' + boundary
            + b"\r\n" + inner + b"\r\n--" + boundary + b"--\r\n"
        )  # fmt: skip
    data = b"From: a@example.com\r\nMIME-Version: 1.0\r\n" + inner
    assert eml_error(data).message == "MIME parts nested more than 20 deep"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        # Without a Subject, the title comes from the body, as for plain text.
        (mail(subject=None), ("Ferry talks collapse again", "Baltic Ledger")),
        (mail(sender=None), ("Port strike spreads", None)),
        (
            mail(sender="desk@ledger.example.com"),
            ("Port strike spreads", "desk@ledger.example.com"),
        ),
        (
            mail(subject="Fwd: FW: fwd:Port strike spreads"),
            ("Port strike spreads", "Baltic Ledger"),
        ),
    ],
)
def test_email_headers_missing_or_marked(
    message: EmailMessage, expected: tuple[str | None, str | None]
) -> None:
    message.set_content(f"Ferry talks collapse again\n\n{BODY}\n")
    doc = eml(message)
    assert (doc.title, doc.source) == expected


@pytest.mark.parametrize(
    "date", [None, "yesterday", "Wed, 16 Aug 1985 09:30:00 +0200", "Fri, 1 Jan 2999 0:00 +0000"]
)
def test_email_date_only_when_parseable_and_plausible(date: str | None) -> None:
    message = mail(date=date)
    message.set_content(BODY)
    assert eml(message).published_at is None


def test_email_date_without_zone_is_utc() -> None:
    message = mail(date="Wed, 16 Aug 2023 09:30:00 -0000")
    message.set_content(BODY)
    assert eml(message).published_at == utc(2023, 8, 16, 9, 30)


@settings(max_examples=60)
@given(data=st.binary(max_size=400))
def test_any_bytes_named_eml_give_a_document_or_an_extract_error(data: bytes) -> None:
    try:
        outcome = extract("mail.eml", b"Subject: x\r\n" + data).text
    except ExtractError as error:
        outcome = error.message
    assert outcome.strip()


# --- JSON and JSON Lines ------------------------------------------------------------------


def test_json_object_is_one_article() -> None:
    [doc] = all_from_fixture("article.json")
    assert doc.format == "json"
    assert doc.title == "Grid operator restarts Estlink cable after three weeks of repairs"
    assert doc.source == "Nordic Wire"  # from {"name": ...}
    assert doc.published_at == utc(2023, 11, 2, 8, 15)
    assert doc.url == "https://nordicwire.example.com/2023/11/02/estlink-restart"
    assert doc.text.startswith("HELSINKI (Nordic Wire) — Power flows between Finland")
    assert doc.text.endswith("dragged along the seabed.")
    assert "Grid operator restarts" not in doc.text  # the title is not prepended


def test_json_array_is_many_articles_with_aliases_and_html() -> None:
    path, data = fixture("articles.json")
    docs = extract_all(path, data)
    assert [doc.path for doc in docs] == [f"{path}#1", f"{path}#2", f"{path}#3"]
    assert [(doc.title, doc.source, doc.published_at, doc.url) for doc in docs] == [
        (
            "Ferry operator cancels winter crossings to the outer islands",
            "Island Post",
            utc(2023, 11, 20, 5, 45),
            "https://islandpost.example.net/ferry-winter-crossings",
        ),
        (
            "Customs clear backlog at Terespol rail crossing",
            "Border Freight Monitor",
            utc(2023, 11, 20, 9, 10),
            "https://freightmonitor.example.org/terespol-backlog",
        ),
        (
            "Port of Klaipeda reports record grain volumes",
            "Baltic Ledger",
            utc(2023, 11, 20, 9),
            None,
        ),
    ]
    # HTML content is read as HTML; a list of paragraphs is joined by blank lines.
    assert docs[1].text == (
        "Customs officers cleared a backlog of more than 300 wagons at the Terespol crossing "
        "over the weekend, the rail operator said.\n\n"
        "Exporters of fertiliser had waited up to nine days."
    )
    assert docs[2].text == (
        "The port of Klaipeda handled a record 1.4 million tonnes of grain in October, its "
        "authority said.\n\nMost of the cargo came by rail from the south."
    )


def test_jsonl_is_one_article_a_line_blank_lines_skipped() -> None:
    path, data = fixture("feed.jsonl")
    docs = extract_all(path, data)
    assert [doc.path for doc in docs] == [f"{path}#1", f"{path}#2", f"{path}#3"]
    assert {doc.format for doc in docs} == {"jsonl"}
    first = docs[0]
    # WordPress's REST API: {"rendered": ...} values, HTML content, entity-escaped titles.
    assert first.title == "Rail freight across the northern border halted by snow"
    assert first.text == (
        "Heavy snow halted rail freight across the northern border on Saturday, the operator "
        "said.\n\nTrains are expected to run again on Monday."
    )
    assert first.published_at == utc(2023, 12, 2, 7, 30)
    assert first.url == "https://northernnews.example.com/2023/12/02/snow-halts-freight/"
    assert docs[1].title == "Regional airport closes runway for de\u2011icing"


def canonical_sha256(article: object) -> str:
    return sha256(json.dumps(article, sort_keys=True).encode())


def test_multi_article_ids_are_the_sha256_of_each_canonical_article() -> None:
    path, data = fixture("articles.json")
    articles = json.loads(data)
    assert [doc.sha256 for doc in extract_all(path, data)] == [
        canonical_sha256(article) for article in articles
    ]


def test_multi_article_ids_survive_reserialisation() -> None:
    path, data = fixture("articles.json")
    before = extract_all(path, data)
    articles = json.loads(data)
    reordered = [dict(reversed(list(article.items()))) for article in articles]
    for resaved in (
        json.dumps(articles, separators=(",", ":")).encode(),
        json.dumps(reordered, indent=4, ensure_ascii=False).encode("utf-8"),
        b"\xef\xbb\xbf" + json.dumps(articles, indent="\t").encode().replace(b"\n", b"\r\n"),
    ):
        after = extract_all(path, resaved)
        assert [(doc.path, doc.sha256) for doc in after] == [
            (doc.path, doc.sha256) for doc in before
        ]
        assert after == before
    # The same articles as JSON Lines: the same ids.
    lines = "\n".join(json.dumps(article) for article in reordered).encode()
    assert [doc.sha256 for doc in extract_all("feed.jsonl", lines)] == [
        doc.sha256 for doc in before
    ]


def test_a_changed_article_gets_a_new_id_and_the_others_keep_theirs() -> None:
    path, data = fixture("articles.json")
    articles = json.loads(data)
    before = [doc.sha256 for doc in extract_all(path, data)]
    articles[1]["Title"] = "Customs clear backlog at Terespol"
    after = [doc.sha256 for doc in extract_all(path, json.dumps(articles).encode())]
    assert after[0] == before[0]
    assert after[1] != before[1]
    assert after[2] == before[2]


def article_json(**fields: object) -> bytes:
    return json.dumps(fields).encode()


@pytest.mark.parametrize(
    "fields",
    [
        {"TITLE": "Port strike spreads", "Body": BODY},
        {"Headline": "Port strike spreads", "CONTENT": BODY},
        {"headline": "Port strike spreads", "article": BODY},
        {"title": "Port strike spreads", "article_body": BODY},
        {"title": {"rendered": "Port strike spreads"}, "content": {"rendered": BODY}},
        {"title": "Port strike spreads", "text": "", "body": BODY},  # empty: the next alias
        {"title": "Port &amp; harbour strike spreads", "text": BODY},
    ],
)
def test_json_field_names_are_case_insensitive_with_aliases(fields: dict[str, object]) -> None:
    doc = extract("article.json", article_json(**fields))
    assert doc.text == BODY
    assert doc.title in {"Port strike spreads", "Port & harbour strike spreads"}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"published_at": "2023-08-16T09:30:00+02:00"}, utc(2023, 8, 16, 7, 30)),
        ({"publishedAt": "2023-08-16T07:30:00Z"}, utc(2023, 8, 16, 7, 30)),
        ({"pubDate": "Wed, 16 Aug 2023 07:30:00 GMT"}, utc(2023, 8, 16, 7, 30)),
        ({"date": 1692171000}, utc(2023, 8, 16, 7, 30)),  # Unix seconds
        ({"date": 1692171000000}, utc(2023, 8, 16, 7, 30)),  # Unix milliseconds
        ({"date": "last week", "datePublished": "2023-08-16"}, utc(2023, 8, 16)),
        ({"date": True}, None),
        ({"date": 12}, None),
        ({"date": "2999-01-01"}, None),
    ],
)
def test_json_publication_time(fields: dict[str, object], expected: datetime | None) -> None:
    assert extract("a.json", article_json(text=BODY, **fields)).published_at == expected


@pytest.mark.parametrize(
    ("fields", "source", "url"),
    [
        (
            {"source": "Reuters", "url": "https://r.example.com/a"},
            "Reuters",
            "https://r.example.com/a",
        ),
        ({"outlet": "Baltic Ledger", "link": "ftp://x.example.com/a"}, "Baltic Ledger", None),
        ({"publisher": {"@type": "Organization", "name": "Island Post"}}, "Island Post", None),
        ({"site_name": "https://not-an-outlet.example.com"}, None, None),
        ({"source": 42, "url": ["https://r.example.com/a"]}, None, None),
    ],
)
def test_json_source_and_url(
    fields: dict[str, object], source: str | None, url: str | None
) -> None:
    doc = extract("a.json", article_json(text=BODY, **fields))
    assert (doc.source, doc.url) == (source, url)


def test_json_metadata_not_in_fields_comes_from_the_text() -> None:
    doc = extract("a.json", article_json(text=f"MINSK (Reuters) - {BODY}\n\nPublished: 2023-08-16"))
    assert doc.source == "Reuters"
    assert doc.published_at == utc(2023, 8, 16)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "a.json",
            b'{"title": "x", "text": "y",}',
            "invalid JSON at line 1, column 28: Expecting property name",
        ),
        ("a.json", b'{\n  "title": "x"\n  "text": "y"\n}', "invalid JSON at line 3, column 3: "),
        ("a.json", b'{"text": "y", "text": "z"}', "duplicate key 'text' in an object"),
        ("a.json", b"[" * 100_000 + b"]" * 100_000, "invalid JSON: nested too deeply"),
        ("a.json", b'{"text": ' + b"1" * 5000 + b"}", "invalid JSON: Exceeds the limit"),
        ("a.json", b"[]", "no articles (the JSON array is empty)"),
        ("a.json", b" \n\t", "no text (the file is only whitespace)"),
        ("a.json", b'"Port strike"', "expected an article object, got a string"),
        ("a.json", b"null", "expected an article object, got null"),
        (
            "a.json",
            b'{"title": "Port strike", "summary": "x"}',
            "no text (none of the fields text, body, content, article, articleBody has any)",
        ),
        ("a.json", b'{"text": 12}', "no text (none of the fields"),
        ("a.json", b'{"text": "   "}', "no text (none of the fields"),
        (
            "a.json",
            b'[{"text": "a"}, {"text": "b"}, 3]',
            "article 3: expected an article object, got a number",
        ),
        ("a.json", b'[{"text": "a"}, {"title": "b"}]', "article 2: no text (none of the fields"),
        ("a.json", b'[{"text": "a\\u0000b"}]', "article 1: binary content (NUL bytes)"),
        ("a.json", b'[{"text": "<p hidden>a</p>"}]', "article 1: no text found in HTML"),
        ("a.jsonl", b'{"text": "a"}\n\n{"text": "b"\n', "line 3: invalid JSON at column 13: "),
        (
            "a.jsonl",
            b'{"text": "a"}\n[{"text": "b"}]\n',
            "line 2: expected an article object, got an array",
        ),
        ("a.jsonl", b'{"text": "a"}\r\n{"title": "b"}\r\n', "line 2: no text (none of the fields"),
        ("a.jsonl", b'{"text": "a", "Text": "b", "text": "c"}', "line 1: duplicate key 'text'"),
        ("a.jsonl", b'{"text": "a"}\n\x89PNG\x00junk', "binary content (NUL bytes)"),
    ],
)  # fmt: skip
def test_broken_json_is_an_extract_error_naming_where(name: str, data: bytes, message: str) -> None:
    error = error_of(name, data)
    assert error.message.startswith(message)
    assert error.location is not None
    assert error.location.path == name


def test_json_lone_surrogates_do_not_reach_the_document() -> None:
    doc = extract("a.json", b'{"title": "Port \\ud800strike", "text": "Port \\udfff strike"}')
    assert doc.title == "Port strike"
    assert doc.text == "Port \ufffd strike"
    doc.text.encode("utf-8")


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)


@given(value=_JSON, suffix=st.sampled_from([".json", ".jsonl"]))
def test_any_json_gives_documents_or_an_extract_error(value: object, suffix: str) -> None:
    try:
        outcomes = [doc.text for doc in extract_all(f"a{suffix}", json.dumps(value).encode())]
    except ExtractError as error:
        outcomes = [error.message]
    assert outcomes
    assert all(outcome.strip() for outcome in outcomes)
