"""watcher.digest: grouping, Markdown escaping, the shipped template (golden files), delivery."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jinja2
import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from watcher.digest import (
    DigestItem,
    digest_filename,
    group_hits,
    highlight,
    make_environment,
    md_code,
    md_escape,
    md_link,
    render_digest,
    safe_url,
    write_atomically,
)
from watcher.digest.markdown import collapse
from watcher.errors import DigestError
from watcher.model import DigestContent, DocumentRef, Hit, HitKind, Severity, StoredHit

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE_GOLDEN = "WATCHER_UPDATE_GOLDEN"
MINSK = "Europe/Minsk"
RULES_V1 = "2023-08-20.1"
RULES_V2 = "2023-08-21.1"

# CommonMark plus the GFM extensions an analyst's viewer is likely to have.
MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- sample data -------------------------------------------------------------

BEIJING_FORUM = DocumentRef(
    path="inbox/asia-wire/2023-08-21-beijing-forum.html",
    sha256="a1" * 32,
    title="Beijing hosts regional security forum as Li Shangfu meets delegations",
    source="Asia Wire",
    published_at=utc(2023, 8, 21, 6, 15),
    url="https://asiawire.example/2023/08/21/beijing-forum",
    ingested_at=utc(2023, 8, 21, 6, 20),
)
MINSK_VISIT = DocumentRef(
    path="inbox/minsk-daily/khrenin-visit.txt",
    sha256="b2" * 32,
    title="Khrenin and Li Shangfu discuss military cooperation",
    source="Minsk Daily",
    published_at=utc(2023, 8, 21, 11, 41),
    url="https://minskdaily.example/news/khrenin-li?ref=rss&page=1",
    ingested_at=utc(2023, 8, 21, 11, 45),
)
EXPORT_RULES = DocumentRef(
    path="inbox/minsk-daily/export_rules_2023.txt",
    sha256="c3" * 32,
    title=None,
    source="Minsk Daily",
    published_at=None,
    url=None,
    ingested_at=utc(2023, 8, 21, 16, 5),
)

_next_id = iter(range(1, 1000))


def stored(
    document: DocumentRef,
    watchlist: str,
    name: str,
    snippet: str,
    match: str,
    *,
    at: int,
    kind: HitKind = "entity",
    category: str = "person",
    severity: Severity = Severity.HIGH,
    ruleset: str = RULES_V1,
) -> StoredHit:
    """A stored hit of ``match`` (found in ``snippet``) at offset ``at`` of the document."""
    offset = snippet.index(match)
    hit = Hit(
        watchlist=watchlist,
        kind=kind,
        name=name,
        category=category,
        alias=match,
        text=match,
        start=at,
        end=at + len(match),
        snippet=snippet,
        snippet_start=offset,
        snippet_end=offset + len(match),
        severity=severity,
    )
    return StoredHit(id=next(_next_id), hit=hit, document=document, ruleset_version=ruleset)


def defence(document: DocumentRef, name: str, snippet: str, match: str, at: int) -> StoredHit:
    return stored(document, "defence-ministers", name, snippet, match, at=at)


def sanctions(
    document: DocumentRef,
    name: str,
    snippet: str,
    match: str,
    at: int,
    *,
    kind: HitKind = "topic",
    category: str = "sanctions",
) -> StoredHit:
    return stored(
        document,
        "sanctions",
        name,
        snippet,
        match,
        at=at,
        kind=kind,
        category=category,
        severity=Severity.MEDIUM,
        ruleset=RULES_V2,
    )


LI = "Li Shangfu"
KHRENIN = "Viktor Khrenin"

SAMPLE_HITS = (
    # Given out of order on purpose: grouping must not depend on the input order.
    defence(
        MINSK_VISIT,
        KHRENIN,
        "Defence Minister Viktor Khrenin received his Chinese counterpart in Minsk on Monday.",
        "Viktor Khrenin",
        40,
    ),
    defence(
        BEIJING_FORUM,
        LI,
        "Later in the day Li Shangfu held separate talks with the delegations of Laos and Nepal.",
        "Li Shangfu",
        1210,
    ),
    defence(
        BEIJING_FORUM,
        LI,
        "Defence Minister Li Shangfu opened the forum with a call for 'dialogue, not blocs'.",
        "Li Shangfu",
        88,
    ),
    defence(
        BEIJING_FORUM,
        LI,
        "A spokesman said Li would travel on to Minsk and Moscow later in the week.",
        "Li",
        2302,
    ),
    defence(
        MINSK_VISIT,
        LI,
        "Defence Minister Viktor Khrenin received his Chinese counterpart in Minsk on Monday. "
        "General Li Shangfu, on his first visit, laid a wreath at the Victory monument.",
        "Li Shangfu",
        98,
    ),
    defence(
        EXPORT_RULES,
        KHRENIN,
        "Asked about the new licensing rules, Khrenin said the ministry #1 priority was supply.",
        "Khrenin",
        512,
    ),
    sanctions(
        EXPORT_RULES,
        "Export controls",
        "From 1 September, dual-use goods will need an export licence under Decree No. 14.",
        "export licence",
        130,
    ),
    sanctions(
        EXPORT_RULES,
        "Export controls",
        "The export licence regime covers machine tools, drones and their parts.",
        "export licence",
        260,
    ),
    sanctions(
        EXPORT_RULES,
        "Rosoboronexport",
        "Contracts signed with Rosoboronexport before August remain valid.",
        "Rosoboronexport",
        400,
        kind="entity",
        category="organisation",
    ),
    sanctions(
        BEIJING_FORUM,
        "Export controls",
        "Delegates criticised *unilateral* export controls on chips.",
        "export controls",
        1750,
    ),
)

TITLES = {"defence-ministers": "Defence ministers", "sanctions": "Sanctions & export controls"}


def sample_content(**changes: object) -> DigestContent:
    content = DigestContent(
        name="morning",
        period_start=utc(2023, 8, 21, 5, 0),
        period_end=utc(2023, 8, 22, 5, 0),
        timezone=MINSK,
        hits=SAMPLE_HITS,
        watchlist_titles=TITLES,
        generated_at=utc(2023, 8, 22, 5, 0) + timedelta(seconds=7),
    )
    return replace(content, **changes)  # type: ignore[arg-type]


@pytest.fixture
def env() -> jinja2.Environment:
    return make_environment(None)


# --- golden files --------------------------------------------------------------


def check_golden(path: Path, text: str) -> None:
    """Byte-for-byte comparison: line endings and trailing spaces count."""
    assert path.is_file(), f"{path} is missing; run with {UPDATE_GOLDEN}=1 to create it"
    expected = path.read_bytes().decode("utf-8")
    assert text == expected, f"{path.name} differs; if intended, rerun with {UPDATE_GOLDEN}=1"


def assert_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get(UPDATE_GOLDEN) == "1":
        path.write_bytes(text.encode("utf-8"))
        pytest.skip(f"rewrote {path.name}")
    check_golden(path, text)


def test_golden_full_digest(env: jinja2.Environment) -> None:
    assert_golden("digest_full.md", render_digest(sample_content(), env))


def test_golden_empty_digest(env: jinja2.Environment) -> None:
    assert_golden("digest_empty.md", render_digest(sample_content(hits=()), env))


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda t: t + "\n", id="extra newline"),
        pytest.param(lambda t: t.replace("\n", "\r\n"), id="crlf"),
        pytest.param(lambda t: t.replace("·", "-", 1), id="one character"),
        pytest.param(lambda t: t.replace("\n\n", "\n \n", 1), id="trailing space"),
    ],
)
def test_golden_check_fails_on_any_change(tmp_path: Path, env: jinja2.Environment, change) -> None:
    text = render_digest(sample_content(), env)
    golden = tmp_path / "digest.md"
    golden.write_bytes(text.encode("utf-8"))
    check_golden(golden, text)
    with pytest.raises(AssertionError, match="differs"):
        check_golden(golden, change(text))


# --- grouping --------------------------------------------------------------------


def test_groups_by_watchlist_then_name_then_document() -> None:
    groups = group_hits(SAMPLE_HITS, TITLES)

    assert [(g.watchlist, g.title, g.severity) for g in groups] == [
        ("defence-ministers", "Defence ministers", "high"),
        ("sanctions", "Sanctions & export controls", "medium"),
    ]
    defence_group, sanctions_group = groups
    assert (defence_group.hit_count, defence_group.document_count) == (6, 3)
    assert (sanctions_group.hit_count, sanctions_group.document_count) == (4, 2)
    # Same number of documents: by name. Entities before topics, even with fewer documents.
    assert [g.name for g in defence_group.groups] == [LI, KHRENIN]
    assert [(g.kind, g.name) for g in sanctions_group.groups] == [
        ("entity", "Rosoboronexport"),
        ("topic", "Export controls"),
    ]
    # Newest first; a document without a publication date sorts by when it arrived.
    li, khrenin = defence_group.groups
    assert [item.document for item in li.items] == [MINSK_VISIT, BEIJING_FORUM]
    assert [item.document for item in khrenin.items] == [EXPORT_RULES, MINSK_VISIT]
    assert [item.document for item in sanctions_group.groups[1].items] == [
        EXPORT_RULES,
        BEIJING_FORUM,
    ]


def test_several_hits_in_one_document_make_one_item() -> None:
    li = group_hits(SAMPLE_HITS, TITLES)[0].groups[0]
    forum = li.items[1]

    assert forum.document == BEIJING_FORUM
    assert forum.mentions == 3
    assert (li.hit_count, li.document_count) == (4, 2)
    # Document order, and only the first two snippets are shown.
    assert [s.hit.start for s in forum.hits] == [88, 1210, 2302]
    assert forum.hit == forum.hits[0]
    assert [h.start for h in forum.snippets] == [88, 1210]


def test_item_shows_distinct_snippets_only() -> None:
    snippet = "Li Shangfu met Li Shangfu's deputy."
    first = stored(BEIJING_FORUM, "defence-ministers", LI, snippet, LI, at=10)
    second = replace(first, id=first.id + 500, hit=replace(first.hit, start=25, end=35))

    item = DigestItem((first, second))

    assert item.mentions == 2
    assert item.snippets == (first.hit,)


def test_watchlist_order_is_severity_then_id_and_title_falls_back_to_id() -> None:
    def one(watchlist: str, severity: Severity) -> StoredHit:
        return stored(BEIJING_FORUM, watchlist, LI, LI, LI, at=0, severity=severity)

    hits = [
        one("b-low", Severity.LOW),
        one("z-high", Severity.HIGH),
        one("a-low", Severity.LOW),
        one("m-medium", Severity.MEDIUM),
        one("c-high", Severity.HIGH),
    ]

    groups = group_hits(hits, {"c-high": "Priority"})

    assert [g.watchlist for g in groups] == ["c-high", "z-high", "m-medium", "a-low", "b-low"]
    assert [g.title for g in groups[:2]] == ["Priority", "z-high"]


def test_names_order_by_document_count_then_name() -> None:
    def hit(name: str, document: DocumentRef, kind: HitKind = "entity") -> StoredHit:
        return stored(document, "w", name, name, name, at=0, kind=kind)

    hits = [
        hit("Zhang Youxia", BEIJING_FORUM),
        hit("Andrei Belousov", BEIJING_FORUM),
        hit("Zhang Youxia", MINSK_VISIT),
        hit("arms exports", BEIJING_FORUM, "topic"),
        hit("arms exports", MINSK_VISIT, "topic"),
        hit("arms exports", EXPORT_RULES, "topic"),
        hit("Sergei Shoigu", EXPORT_RULES),
    ]

    names = [g.name for g in group_hits(hits, {})[0].groups]

    assert names == ["Zhang Youxia", "Andrei Belousov", "Sergei Shoigu", "arms exports"]


def test_naive_and_aware_timestamps_sort_together() -> None:
    naive = replace(MINSK_VISIT, published_at=datetime(2023, 8, 21, 12, 0))  # UTC, from SQLite
    hits = [
        stored(BEIJING_FORUM, "w", LI, LI, LI, at=0),
        stored(naive, "w", LI, LI, LI, at=0),
    ]

    items = group_hits(hits, {})[0].groups[0].items

    assert [item.document for item in items] == [naive, BEIJING_FORUM]


# --- Markdown escaping ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("U.S. - China talks, 3.5% growth (est.)", "U.S. - China talks, 3.5% growth (est.)"),
        ("Reuters | Asia", "Reuters \\| Asia"),
        ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
        ("[link](javascript:alert(1))", "\\[link\\](javascript:alert(1))"),
        ("![x](https://t.example/p.png)", "\\!\\[x\\](https://t.example/p.png)"),
        ("a *b* _c_ `d` ~~e~~ \\f", "a \\*b\\* \\_c\\_ \\`d\\` \\~\\~e\\~\\~ \\\\f"),
        ("# Breaking", "\\# Breaking"),
        ("C# and F#, #1 priority", "C# and F#, \\#1 priority"),
        ("- not a list", "\\- not a list"),
        ("+ not a list", "\\+ not a list"),
        ("1. not a list", "1\\. not a list"),
        ("2023) not a list", "2023\\) not a list"),
        ("1.5 million", "1.5 million"),
        ("AT&T and R&D", "AT&T and R&D"),
        ("&lt;script&gt; &#60; &amp;", "&amp;lt;script&amp;gt; &amp;#60; &amp;amp;"),
        ("Wow! Really!", "Wow! Really!"),
        ("  two\nlines\r\n\n  # and\ta\x00heading  ", "two lines \\# and a heading"),
        ("line\u2028separator", "line separator"),
        ("", ""),
        (" \n ", ""),
    ],
)
def test_md_escape(text: str, expected: str) -> None:
    assert md_escape(text) == expected


def _inline_text(markdown: str) -> str:
    """The text of a one-paragraph Markdown string; fails on any markup at all."""
    tokens = MARKDOWN.parse(markdown)
    if not tokens:
        return ""
    assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"], markdown
    children = tokens[1].children or []
    assert {c.type for c in children} <= {"text"}, (markdown, children)
    return "".join(c.content for c in children)


# Text made of the pieces Markdown syntax is built from.
MARKDOWNISH = st.lists(
    st.sampled_from([*"\\`*_[]<>#|!~&;-+=.()1aZ :/\n\t\r", "&lt;", "&#9;", "é", "http://a.b"]),
    max_size=30,
).map("".join)


@given(st.one_of(MARKDOWNISH, st.text(max_size=40)))
def test_md_escape_renders_literally(text: str) -> None:
    assert _inline_text(md_escape(text)) == collapse(text)


@given(MARKDOWNISH, st.text(alphabet="\\`*_[]<>#|!&-1a.", min_size=1, max_size=8), MARKDOWNISH)
def test_highlight_bolds_exactly_the_match(before: str, match: str, after: str) -> None:
    snippet = f"{before} {match} {after}"
    start = len(before) + 1

    tokens = MARKDOWN.parse(highlight(snippet, start, start + len(match)))

    children = tokens[1].children or []
    types = [c.type for c in children]
    assert types.count("strong_open") == 1, (snippet, types)
    bold = children[types.index("strong_open") + 1 : types.index("strong_close")]
    assert "".join(c.content for c in bold) == match


@pytest.mark.parametrize(
    ("snippet", "start", "end", "expected"),
    [
        ("met Li Shangfu in Minsk", 4, 14, "met **Li Shangfu** in Minsk"),
        ("the C*Star_Line <ltd> deal", 4, 21, "the **C\\*Star\\_Line &lt;ltd&gt;** deal"),
        ("[Wagner] group", 0, 8, "**\\[Wagner\\]** group"),
        ("#1 Li", 0, 2, "**\\#1** Li"),
        ("met  Li Shangfu\nin Minsk", 4, 16, "met **Li Shangfu** in Minsk"),
        ("Li Shangfu", 0, 10, "**Li Shangfu**"),
        ("Li Shangfu", 0, 0, "Li Shangfu"),
        ("Li Shangfu", 3, 99, "Li **Shangfu**"),
        ("Li Shangfu", -3, 2, "**Li** Shangfu"),
        ("a   b", 1, 4, "a b"),
    ],
)
def test_highlight(snippet: str, start: int, end: int, expected: str) -> None:
    assert highlight(snippet, start, end) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("inbox/minsk-daily/export_rules.txt", "`inbox/minsk-daily/export_rules.txt`"),
        ("inbox/a`b.txt", "``inbox/a`b.txt``"),
        ("`odd`", "`` `odd` ``"),
        ("inbox/x\n# not a heading.txt", "`inbox/x # not a heading.txt`"),
    ],
)
def test_md_code(text: str, expected: str) -> None:
    assert md_code(text) == expected


def test_md_code_renders_literally() -> None:
    path = "a``b/<img src=x>/[l](javascript:x)`"
    tokens = MARKDOWN.parse(md_code(path))
    assert [c.type for c in tokens[1].children or []] == ["code_inline"]
    assert (tokens[1].children or [])[0].content == path


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://asiawire.example/a_b?x=1&y=2#top", "https://asiawire.example/a_b?x=1&y=2#top"),
        ("HTTP://Example.org/", "HTTP://Example.org/"),
        (" https://x.example/a b(c)<d>", "https://x.example/a%20b%28c%29%3Cd%3E"),
        ("https://x.example/é", "https://x.example/%C3%A9"),
        ("javascript:alert(1)", None),
        (" JavaScript:alert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("file:///etc/passwd", None),
        ("https:no-host", None),
        ("//x.example/", None),
        ("http://[::1", None),
        ("", None),
        (None, None),
    ],
)
def test_safe_url(url: str | None, expected: str | None) -> None:
    assert safe_url(url) == expected


def test_md_link_links_only_http() -> None:
    assert (
        md_link("Forum *live*", "https://a.example/x") == "[Forum \\*live\\*](https://a.example/x)"
    )
    assert md_link("Forum", "javascript:alert(1)") == "Forum"
    assert md_link("Forum", None) == "Forum"
    assert md_link("", "https://a.example/") == "[https://a.example/](https://a.example/)"


# --- rendering -------------------------------------------------------------------

HOSTILE = DocumentRef(
    path="inbox/`evil`/x.html",
    sha256="d4" * 32,
    title="<img src=x onerror=alert(1)>",
    source="# Fake | Source",
    published_at=utc(2023, 8, 21, 8, 0),
    url="javascript:alert(1)",
    ingested_at=utc(2023, 8, 21, 8, 1),
)


def test_hostile_document_renders_inert(env: jinja2.Environment) -> None:
    snippet = "Officials shared [link](javascript:alert(1)) with Li Shangfu\n## today"
    hit = stored(HOSTILE, "defence-ministers", LI, snippet, LI, at=0)

    text = render_digest(sample_content(hits=(hit,)), env)

    assert "\n## &lt;img src=x onerror=alert(1)&gt;\n" in text
    assert (
        "Reported by **\\# Fake \\| Source**, published 2023-08-21 11:00 (Europe/Minsk): "
        "&lt;img src=x onerror=alert(1)&gt; · ``inbox/`evil`/x.html``\n" in text
    )
    assert (
        "> Officials shared \\[link\\](javascript:alert(1)) with **Li Shangfu** \\## today\n"
        in text
    )
    html = MARKDOWN.render(text)
    assert "<img" not in html
    assert "javascript:" not in html.replace("(javascript:alert(1))", "")
    assert "href" not in html
    assert html.count("<h2>") == 1  # the story's, not the snippet's


def test_title_links_to_http_url(env: jinja2.Environment) -> None:
    text = render_digest(sample_content(), env)

    assert (
        "Reported by **Minsk Daily**, published 2023-08-21 14:41 (Europe/Minsk): "
        "[Khrenin and Li Shangfu discuss military cooperation]"
        "(https://minskdaily.example/news/khrenin-li?ref=rss&page=1) · "
        "`inbox/minsk-daily/khrenin-visit.txt`\n" in text
    )
    # No title: the file name; no date: when it arrived; no URL: no link.
    assert (
        "Reported by **Minsk Daily**, ingested 2023-08-21 19:05 (Europe/Minsk): "
        "export\\_rules\\_2023.txt · `inbox/minsk-daily/export_rules_2023.txt`\n" in text
    )


def test_rendered_digest_structure(env: jinja2.Environment) -> None:
    html = MARKDOWN.render(render_digest(sample_content(), env))

    assert html.count("<h1>") == 1
    # One heading per story: the three sample documents report three events.
    assert html.count("<h2>") == 3
    assert "<h2>Khrenin and Li Shangfu discuss military cooperation</h2>" in html
    assert "<h2>export_rules_2023.txt</h2>" in html
    assert "<li>Defence ministers (defence-ministers): 3 stories, 3 documents, 6 hits</li>" in html
    assert (
        "<li>Sanctions &amp; export controls (sanctions): 2 stories, 2 documents, 4 hits</li>"
        in html
    )
    assert "<strong>Li Shangfu</strong>" in html
    assert '<a href="https://asiawire.example/2023/08/21/beijing-forum">' in html
    assert "<code>watcher silence story:a1a1a1a1a1a1 --for 12h</code>" in html


def test_period_since_the_beginning(env: jinja2.Environment) -> None:
    text = render_digest(sample_content(period_start=None), env)

    assert "Period: since the beginning, to 2023-08-22 08:00 (Europe/Minsk)\n" in text


def test_empty_digest(env: jinja2.Environment) -> None:
    text = render_digest(sample_content(hits=()), env)

    assert "\nNothing new since 2023-08-21 08:00 (Europe/Minsk).\n" in text
    assert "##" not in text
    assert "ruleset" not in text


def test_empty_digest_since_the_beginning(env: jinja2.Environment) -> None:
    text = render_digest(sample_content(hits=(), period_start=None), env)

    assert "\nNothing new since the beginning.\n" in text


def test_footer_lists_period_ruleset_versions_and_generation_time(
    env: jinja2.Environment,
) -> None:
    text = render_digest(sample_content(), env)
    assert text.endswith(
        "\nPeriod: from 2023-08-21 08:00 (Europe/Minsk) to 2023-08-22 08:00 (Europe/Minsk)"
        " · rulesets 2023-08-20.1, 2023-08-21.1 · generated 2023-08-22 08:00 (Europe/Minsk)\n"
    )

    one = render_digest(sample_content(hits=SAMPLE_HITS[:1]), env)
    assert one.endswith(" · ruleset 2023-08-20.1 · generated 2023-08-22 08:00 (Europe/Minsk)\n")
    # The rules in use when rendering win over the versions on the hits.
    current = render_digest(sample_content(ruleset_version="2023-08-22.3"), env)
    assert " · ruleset 2023-08-22.3 · generated" in current


def test_user_template_wins(tmp_path: Path) -> None:
    (tmp_path / "digest.md.j2").write_text("Custom {{ name }}: {{ hit_count }} hits\n")

    text = render_digest(sample_content(), make_environment(tmp_path))

    assert text == "Custom morning: 10 hits\n"


def test_user_folder_without_the_template_falls_back_to_shipped(
    tmp_path: Path, env: jinja2.Environment
) -> None:
    (tmp_path / "other.md.j2").write_text("other\n")

    user_env = make_environment(tmp_path)

    assert render_digest(sample_content(), user_env) == render_digest(sample_content(), env)
    assert render_digest(sample_content(), user_env, template="other.md.j2") == "other\n"


def test_user_template_can_extend_the_shipped_one(tmp_path: Path, env: jinja2.Environment) -> None:
    # The user's digest.md.j2 shadows the shipped one, so it cannot extend it by
    # name; a differently named template can.
    (tmp_path / "short.md.j2").write_text("{% include 'digest.md.j2' %}")

    text = render_digest(sample_content(), make_environment(tmp_path), template="short.md.j2")

    assert text == render_digest(sample_content(), env)


def test_missing_user_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DigestError, match="templates folder does not exist") as info:
        make_environment(tmp_path / "nope")
    assert str(info.value.location) == str(tmp_path / "nope")


def test_unknown_template_is_an_error(env: jinja2.Environment) -> None:
    with pytest.raises(DigestError, match=r"digest template 'weekly\.md\.j2' not found"):
        render_digest(sample_content(), env, template="weekly.md.j2")


def test_template_errors_carry_the_template_line(tmp_path: Path) -> None:
    (tmp_path / "broken.md.j2").write_text("# {{ name }}\n{% for x in groups %}\n")
    (tmp_path / "typo.md.j2").write_text("# {{ name }}\n\n{{ nmae }}\n")
    (tmp_path / "unsafe.md.j2").write_text("{{ name.__class__.__mro__ }}\n")
    user_env = make_environment(tmp_path)

    with pytest.raises(DigestError) as broken:
        render_digest(sample_content(), user_env, template="broken.md.j2")
    with pytest.raises(DigestError, match="'nmae' is undefined") as typo:
        render_digest(sample_content(), user_env, template="typo.md.j2")
    with pytest.raises(DigestError, match="unsafe"):
        render_digest(sample_content(), user_env, template="unsafe.md.j2")

    assert str(broken.value).startswith(f"{tmp_path / 'broken.md.j2'}:2: ")
    assert str(typo.value).startswith(f"{tmp_path / 'typo.md.j2'}:3: ")


def test_unknown_timezone_is_an_error(env: jinja2.Environment) -> None:
    with pytest.raises(DigestError, match="unknown time zone 'Europe/Minks'"):
        render_digest(sample_content(timezone="Europe/Minks"), env)


def test_localtime_and_date_filters(env: jinja2.Environment) -> None:
    template = env.from_string("{{ t | localtime(tz) }} / {{ t | date(tz) }}")

    late = utc(2023, 8, 21, 23, 30)
    assert template.render(t=late, tz=MINSK) == "2023-08-22 02:30 (Europe/Minsk) / 2023-08-22"
    assert template.render(t=late, tz="UTC") == "2023-08-21 23:30 (UTC) / 2023-08-21"
    naive = datetime(2023, 8, 21, 11, 41)  # naive is UTC
    assert template.render(t=naive, tz=MINSK) == "2023-08-21 14:41 (Europe/Minsk) / 2023-08-21"


# --- delivery --------------------------------------------------------------------


def test_digest_filename_uses_the_digest_timezone() -> None:
    late = utc(2023, 8, 21, 23, 30)

    assert digest_filename("morning", late, MINSK) == "morning-2023-08-22.md"
    assert digest_filename("morning", late, "UTC") == "morning-2023-08-21.md"
    assert digest_filename("morning", late - timedelta(hours=3), MINSK) == "morning-2023-08-21.md"
    assert digest_filename("morning", late, MINSK, suffix=".html") == "morning-2023-08-22.html"


def test_digest_filename_keeps_names_inside_the_folder() -> None:
    late = utc(2023, 8, 21, 23, 30)

    assert digest_filename("EU / Asia desk", late, "UTC") == "EU-Asia-desk-2023-08-21.md"
    assert digest_filename("../../etc", late, "UTC") == "etc-2023-08-21.md"
    assert digest_filename("...", late, "UTC") == "digest-2023-08-21.md"


def test_write_atomically_writes_and_leaves_no_temp_file(tmp_path: Path) -> None:
    directory = tmp_path / "digests" / "morning"

    path = write_atomically(directory, "morning-2023-08-22.md", "# Привет — digest\n")

    assert path == directory / "morning-2023-08-22.md"
    assert path.read_bytes() == "# Привет — digest\n".encode()
    assert sorted(p.name for p in directory.iterdir()) == ["morning-2023-08-22.md"]


def test_write_atomically_never_overwrites(tmp_path: Path) -> None:
    paths = [write_atomically(tmp_path, "morning-2023-08-22.md", f"run {i}\n") for i in (1, 2, 3)]

    assert [p.name for p in paths] == [
        "morning-2023-08-22.md",
        "morning-2023-08-22-2.md",
        "morning-2023-08-22-3.md",
    ]
    assert [p.read_text() for p in paths] == ["run 1\n", "run 2\n", "run 3\n"]
    assert len(list(tmp_path.iterdir())) == 3


def test_write_atomically_without_hard_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(src: object, dst: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    (tmp_path / "morning-2023-08-22.md").write_text("first\n")

    path = write_atomically(tmp_path, "morning-2023-08-22.md", "second\n")

    assert path.name == "morning-2023-08-22-2.md"
    assert (tmp_path / "morning-2023-08-22.md").read_text() == "first\n"
    assert path.read_text() == "second\n"
    assert len(list(tmp_path.iterdir())) == 2


def test_write_atomically_reports_os_errors(tmp_path: Path) -> None:
    blocker = tmp_path / "digests"
    blocker.write_text("a file where the folder should be")

    with pytest.raises(DigestError, match=r"cannot write the digest 'd\.md'") as info:
        write_atomically(blocker, "d.md", "text")
    assert str(info.value.location) == str(blocker)


def test_write_atomically_cleans_up_when_writing_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)

    with pytest.raises(DigestError, match="No space left on device"):
        write_atomically(tmp_path, "d.md", "text")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["", ".", "..", "a/b.md", "../b.md"])
def test_write_atomically_wants_a_plain_name(tmp_path: Path, name: str) -> None:
    with pytest.raises(DigestError, match="not a plain file name"):
        write_atomically(tmp_path, name, "text")
