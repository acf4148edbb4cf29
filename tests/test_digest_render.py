"""Story digests and alerts in Markdown, plain text and HTML: goldens, stories, injection.

The seed tests render the five real seed articles (../shared; skipped without
it) matched with the repo rules; the sample tests use hand-written data so
that CI without ../shared still covers every template.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import jinja2
import pytest

from tests.test_digest import (
    HOSTILE,
    LI,
    MARKDOWN,
    MINSK,
    MINSK_VISIT,
    SAMPLE_HITS,
    TITLES,
    UPDATE_GOLDEN,
    assert_golden,
    defence,
    sample_content,
    stored,
    utc,
)
from tests.test_stories import UNRELATED, seed_hits
from tests.test_stories import stored as stored_document
from watcher.digest import (
    RenderedAlert,
    RenderedEmail,
    digest_view,
    make_environment,
    render_alert,
    render_digest,
    render_digest_email,
)
from watcher.extract import extract
from watcher.match import Matcher
from watcher.model import AlertContent, DigestContent, Document, DocumentRef, StoredHit, Story
from watcher.rules import load_rules
from watcher.stories import group_stories

REPO_RULES = Path(__file__).resolve().parent.parent / "rules"
GENERATED = utc(2023, 8, 22, 5, 0)


@pytest.fixture
def env() -> jinja2.Environment:
    return make_environment(None)


def assert_goldens(**texts: str) -> None:
    """Check (or, when updating, write) several golden files before any skip."""
    for name, text in texts.items():
        try:
            assert_golden(
                name.replace("_md", ".md").replace("_txt", ".txt").replace("_html", ".html"), text
            )
        except pytest.skip.Exception:
            continue
    if os.environ.get(UPDATE_GOLDEN) == "1":
        pytest.skip("rewrote the golden files")


def all_formats(content: DigestContent, env: jinja2.Environment) -> tuple[str, RenderedEmail]:
    return render_digest(content, env), render_digest_email(content, env)


# --- hand-written sample: one story from two outlets, one new name, a filter ---------

BELTA = DocumentRef(
    path="inbox/belta/li-shangfu-minsk.txt",
    sha256="e5" * 32,
    title="Chinese defence minister arrives in Minsk",
    source="BelTA",
    published_at=utc(2023, 8, 21, 9, 30),
    url="https://belta.example/news/li-minsk",
    ingested_at=utc(2023, 8, 21, 9, 35),
)
BELTA_HIT = defence(
    BELTA,
    LI,
    "Chinese Defence Minister Li Shangfu arrived in Minsk for talks with Viktor Khrenin.",
    "Li Shangfu",
    30,
)
MINSK_STORY = Story(
    documents=(BELTA, MINSK_VISIT),
    entities=(LI, "Viktor Khrenin"),
    title="Khrenin and Li Shangfu discuss military cooperation",
)


def story_content(**changes: object) -> DigestContent:
    hits = (*SAMPLE_HITS, BELTA_HIT)
    others = [s for s in group_stories(hits) if MINSK_VISIT not in s.documents]
    others = [s for s in others if BELTA not in s.documents]
    content = sample_content(
        hits=hits,
        stories=(MINSK_STORY, *others),
        first_seen=frozenset({("defence-ministers", "Viktor Khrenin")}),
        filter_note="watchlists: defence-ministers, sanctions; min severity: medium",
        ruleset_version="2023-08-21.1",
    )
    return replace(content, **changes)  # type: ignore[arg-type]


def test_golden_sample_story_digest(env: jinja2.Environment) -> None:
    markdown, email = all_formats(story_content(), env)
    assert_goldens(
        digest_stories_md=markdown, digest_stories_txt=email.text, digest_stories_html=email.html
    )


def test_golden_sample_empty_digest(env: jinja2.Environment) -> None:
    markdown, email = all_formats(story_content(hits=(), stories=()), env)
    for text in (markdown, email.text, email.html):
        assert "Nothing new since 2023-08-21 08:00 (Europe/Minsk)." in text
        assert "silence" not in text
    assert email.subject == "watcher morning digest 2023-08-22: nothing new"
    assert_goldens(digest_empty_txt=email.text, digest_empty_html=email.html)


def test_two_outlets_make_one_item_in_every_format(env: jinja2.Environment) -> None:
    markdown, email = all_formats(story_content(), env)
    heading = "Khrenin and Li Shangfu discuss military cooperation"

    assert markdown.count(f"## {heading}\n") == 1
    assert "First reported by **BelTA**, published 2023-08-21 12:30 (Europe/Minsk)" in markdown
    assert "Also reported by:\n\n- **Minsk Daily**, published 2023-08-21 14:41" in markdown
    assert "Also reported by Minsk Daily, published 2023-08-21 14:41" in email.text
    assert email.html.count(f'<h2 style="font-size:18px;margin:4px 0;">{heading}</h2>') == 1
    assert email.subject == "watcher morning digest 2023-08-22: 3 stories, 4 documents"
    for text in (markdown, email.text, email.html):
        assert "watcher silence story:e5e5e5e5e5e5 --for 12h" in text
        assert "Filter: watchlists: defence-ministers, sanctions; min severity: medium" in text
        assert "ruleset 2023-08-21.1" in text or "Ruleset: 2023-08-21.1" in text


def test_first_seen_marks_the_name_new_once(env: jinja2.Environment) -> None:
    view = digest_view(story_content())
    new = [(s.key, n.name) for s in view.stories for w in s.watchlists for n in w.names if n.new]
    # Khrenin appears in two stories; his earliest hit (the Minsk visit) is the new one.
    assert new == [("e5e5e5e5e5e5", "Viktor Khrenin")]
    markdown, email = all_formats(story_content(), env)
    assert "- Defence ministers: Li Shangfu, Viktor Khrenin (**new**)\n" in markdown
    assert "(first time ever: Viktor Khrenin)" in email.text
    assert 'Viktor Khrenin <strong style="color:#b00;">new</strong>' in email.html
    assert "- Defence ministers (defence-ministers): 3 stories, 4 documents, 7 hits, 1 new" in (
        markdown
    )


def test_most_severe_then_largest_story_first() -> None:
    view = digest_view(story_content())
    assert view.stories[0].key == "e5e5e5e5e5e5"  # two documents
    assert [len(s.outlets) for s in view.stories] == [2, 1, 1]


def test_hits_outside_the_given_stories_are_still_shown() -> None:
    view = digest_view(story_content(stories=(MINSK_STORY,)))
    assert sum(len(s.outlets) for s in view.stories) == 4
    assert view.hit_count == len(SAMPLE_HITS) + 1


def test_evidence_prefers_other_documents() -> None:
    (story,) = [s for s in digest_view(story_content()).stories if s.key == "e5e5e5e5e5e5"]
    assert [e.outlet.source for e in story.evidence] == ["BelTA", "Minsk Daily"]


def test_story_key_is_the_earliest_documents_sha256() -> None:
    assert MINSK_STORY.key == BELTA.sha256[:12] == "e5e5e5e5e5e5"


def test_subject_has_no_control_characters(env: jinja2.Environment) -> None:
    email = render_digest_email(story_content(name="morning\r\nBcc: x@example.org\u202e"), env)
    assert (
        email.subject
        == "watcher morning Bcc: x@example.org digest 2023-08-22: 3 stories, 4 documents"
    )


# --- injection ------------------------------------------------------------------------

EVIL = "<img src=x onerror=alert(1)> [link](javascript:alert(1))"


def hostile_hit() -> StoredHit:
    document = replace(HOSTILE, title=EVIL, source="<b>Evil</b> [x](javascript:alert(1))")
    snippet = f"Officials said {EVIL} with Li Shangfu <script>alert(2)</script>"
    return stored(document, "defence-ministers", LI, snippet, LI, at=0)


def assert_inert_html(html: str) -> None:
    assert "<img" not in html
    assert "<script" not in html
    assert "<b>" not in html
    assert 'href="javascript:' not in html.lower()
    assert "onerror" not in html.replace("&lt;img src=x onerror=alert(1)&gt;", "")


def test_hostile_document_is_inert_in_every_format(env: jinja2.Environment) -> None:
    markdown, email = all_formats(sample_content(hits=(hostile_hit(),)), env)

    assert_inert_html(email.html)
    assert "&lt;img src=x onerror=alert(1)&gt;" in email.html
    assert "<mark>Li Shangfu</mark>" in email.html
    assert_inert_html(MARKDOWN.render(markdown))
    assert "href" not in MARKDOWN.render(markdown)
    assert "\x1b" not in email.text


def test_control_characters_do_not_reach_plain_text(env: jinja2.Environment) -> None:
    hit = hostile_hit()
    document = replace(hit.document, title="Title\x1b[31m red\x07", source="Wire\r\nX")
    email = render_digest_email(sample_content(hits=(replace(hit, document=document),)), env)
    assert "\x1b" not in email.text
    assert "\x07" not in email.text
    assert "Wire X" in email.text


@pytest.mark.parametrize("name", ["digest.html.j2", "digest.html.jinja", "digest.htm", "mail.txt"])
def test_user_html_templates_are_autoescaped_whatever_their_name(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text(
        "{% for s in stories %}{{ s.title }}|{{ s.first.source }}{% endfor %}\n"
    )
    email = render_digest_email(
        sample_content(hits=(hostile_hit(),)), make_environment(tmp_path), html_template=name
    )
    assert "&lt;img src=x onerror=alert(1)&gt;" in email.html
    assert "&lt;b&gt;Evil&lt;/b&gt;" in email.html
    assert_inert_html(email.html)


def test_plain_text_is_never_html_escaped(env: jinja2.Environment) -> None:
    email = render_digest_email(sample_content(), env)
    assert "Sanctions & export controls" in email.text
    assert "&amp;" not in email.text


# --- alerts ---------------------------------------------------------------------------


def alert_content(**changes: object) -> AlertContent:
    content = AlertContent(
        document=MINSK_VISIT,
        hits=tuple(s for s in SAMPLE_HITS if s.document == MINSK_VISIT),
        story=MINSK_STORY,
        reason="watchlist defence-ministers has alert: immediate",
        timezone=MINSK,
        generated_at=utc(2023, 8, 21, 11, 50),
        watchlist_titles=TITLES,
        ruleset_version="2023-08-21.1",
    )
    return replace(content, **changes)  # type: ignore[arg-type]


def assert_alert_golden(name: str, alert: RenderedAlert) -> None:
    assert_goldens(
        **{f"{name}_md": alert.markdown, f"{name}_txt": alert.text, f"{name}_html": alert.html}
    )


def test_golden_alert(env: jinja2.Environment) -> None:
    assert_alert_golden("alert", render_alert(alert_content(), env))


def test_alert_says_what_why_and_how_to_mute(env: jinja2.Environment) -> None:
    alert = render_alert(alert_content(), env)
    assert alert.subject == (
        "watcher alert: Li Shangfu, Viktor Khrenin — "
        "Khrenin and Li Shangfu discuss military cooperation (Minsk Daily)"
    )
    for text in (alert.markdown, alert.text):
        assert 'watcher silence "Li Shangfu" --for 12h' in text
        assert 'watcher silence "Viktor Khrenin" --for 12h' in text
        assert "watcher silence story:e5e5e5e5e5e5 --for 12h" in text
        assert "watchlist defence-ministers has alert: immediate" in text
        assert "BelTA" in text  # the story's other report
    assert "watcher silence &#34;Li Shangfu&#34; --for 12h" in alert.html
    # One snippet holds the other: it is shown once, with the first-found name marked.
    assert "<mark>Viktor Khrenin</mark>" in alert.html
    assert "**Viktor Khrenin**" in alert.markdown
    assert "«Viktor Khrenin»" in alert.text


def test_alert_without_a_story_mutes_the_document_as_one(env: jinja2.Environment) -> None:
    alert = render_alert(alert_content(story=None), env)
    assert f"watcher silence story:{MINSK_VISIT.sha256[:12]} --for 12h" in alert.text
    assert "Also reported by" not in alert.text


def test_hostile_alert_is_inert(env: jinja2.Environment) -> None:
    hit = hostile_hit()
    odd = replace(hit, hit=replace(hit.hit, name='Li "$(rm -rf ~)" `x`'))
    alert = render_alert(alert_content(document=hit.document, hits=(hit, odd), story=None), env)
    assert_inert_html(alert.html)
    assert_inert_html(MARKDOWN.render(alert.markdown))
    assert "href" not in MARKDOWN.render(alert.markdown)
    # The mute command quotes the name for the shell.
    assert 'watcher silence "Li \\"\\$(rm -rf ~)\\" \\`x\\`" --for 12h' in alert.text
    assert "\n" not in alert.subject
    assert "\r" not in alert.subject


# --- the five seed articles -----------------------------------------------------------


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_rules(REPO_RULES))


def relative(hits: list[StoredHit], root: Path) -> list[StoredHit]:
    """Paths relative to the seed folder, so the goldens do not depend on the checkout."""
    out = []
    for s in hits:
        path = Path(s.document.path)
        shown = str(path.relative_to(root.parent)) if path.is_relative_to(root) else path.name
        out.append(replace(s, document=replace(s.document, path=shown)))
    return out


def seed_content(hits: list[StoredHit]) -> DigestContent:
    return DigestContent(
        name="daily",
        period_start=datetime(2023, 8, 17, 4, tzinfo=UTC),
        period_end=datetime(2023, 8, 22, 4, tzinfo=UTC),
        timezone=MINSK,
        hits=tuple(hits),
        watchlist_titles={"defence-ministers": "Defence ministers", "sco": "SCO"},
        generated_at=datetime(2023, 8, 22, 4, 0, 5, tzinfo=UTC),
        stories=tuple(group_stories(hits)),
        ruleset_version="seed-test",
    )


def test_seed_articles_render_as_one_story_with_five_sources(
    matcher: Matcher, seeds: list[Document], seeds_dir: Path, env: jinja2.Environment
) -> None:
    hits = relative(seed_hits(matcher, seeds), seeds_dir)
    content = seed_content(hits)
    (story,) = content.stories
    markdown, email = all_formats(content, env)

    assert markdown.count("\n## ") == 1
    assert markdown.count("Also reported by:") == 1
    assert f"\n## {story.title}" not in markdown or len(story.documents) == 5
    sources = [s.source for s in digest_view(content).stories[0].outlets]
    assert len(sources) == 5
    rendered_html = MARKDOWN.render(markdown)
    assert rendered_html.count("<h2>") == 1
    # The first report, then four more.
    assert markdown.split("Also reported by:")[1].split("Watched:")[0].count("\n- ") == 4
    assert email.text.count("Also reported by ") == 4
    assert email.html.count("<h2 ") == 1
    assert email.html.split("Also reported by:")[1].split("</ul>")[0].count("<li>") == 4
    assert "1 story, 5 documents" in email.subject
    view = digest_view(content)
    for summary in view.watchlists:
        line = (
            f"{summary.title} ({summary.watchlist}): 1 story, "
            f"{summary.document_count} documents, {summary.hit_count} hits"
        )
        assert line in markdown
        assert line in email.html
        assert line in " ".join(email.text.split())
    assert_goldens(
        digest_seeds_md=markdown, digest_seeds_txt=email.text, digest_seeds_html=email.html
    )


def test_unrelated_article_naming_the_minister_is_a_story_of_its_own(
    matcher: Matcher,
    seeds: list[Document],
    seeds_dir: Path,
    tmp_path: Path,
    env: jinja2.Environment,
) -> None:
    path = tmp_path / "li-shangfu-removed.txt"
    path.write_text(UNRELATED, encoding="utf-8")
    unrelated = extract(path, path.read_bytes())
    extra = stored_document(matcher, unrelated, datetime(2023, 8, 19, 12, tzinfo=UTC), 1000)
    hits = relative([*seed_hits(matcher, seeds), *extra], seeds_dir)
    content = seed_content(hits)

    markdown, email = all_formats(content, env)

    assert [len(s.outlets) for s in digest_view(content).stories] == [5, 1]
    assert markdown.count("\n## ") == 2
    assert f"\n## {unrelated.title}\n" in markdown
    assert "2 stories, 6 documents" in email.subject
    assert email.html.count("<h2 ") == 2


def test_digest_hashes_are_stable() -> None:
    # The story key is what users type: it must be the sha256 prefix, nothing else.
    sha = hashlib.sha256(b"x").hexdigest()
    ref = replace(BELTA, sha256=sha)
    assert Story((ref,), (), "t").key == sha[:12]
