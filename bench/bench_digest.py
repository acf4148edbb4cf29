"""Digest benchmark: story grouping and digest rendering over one busy day, no database.

Run ``python -m bench.bench_digest [--sizes 100,1000,3000] [--naive-max 3000]
[--no-profile] [--out bench/results]``.

The documents are generated news: events of one day, each reported by 3-6
outlets in similar words, and most events naming the same few popular
watched entities (Belarus, Li Shangfu, the Shanghai Cooperation Organisation),
which is the worst case for story grouping's candidate pairs. The repo's
rules (``rules/*.yaml``) are matched over them with :class:`watcher.match.Matcher`
and the hits wrapped as :class:`watcher.model.StoredHit`, as the store would
hand them back. For each size N it measures:

* grouping: :func:`watcher.stories.group_stories` on the hits (title and
  snippets, no full texts, as the daemon calls it): seconds, stories found,
  candidate pairs, and tracemalloc's peak in a separate, untimed pass;
* the baseline: the way the first version grouped, every pair checked with
  the same link test but the window first and both bags' norms computed
  again for each cosine, joined by union-find; it must give the same
  partition into stories;
* rendering: :func:`watcher.digest.render_digest` (Markdown) and
  :func:`watcher.digest.render_digest_email` (text + HTML) with
  ``make_environment(None)``, stories precomputed: seconds and output sizes;
* with ``--profile`` (on by default), cProfile of grouping and rendering at
  the largest size: the top functions by own time.

Results go to ``<out>/digest-<date>.md`` and ``.json`` and are printed.
Target: a daily digest of 1000 documents grouped and rendered in all three
formats in under 10 s.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import hashlib
import io
import json
import os
import platform
import pstats
import random
import sys
import time
import tracemalloc
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from itertools import combinations
from pathlib import Path
from typing import Any

from watcher.digest import make_environment, render_digest, render_digest_email
from watcher.match import Matcher
from watcher.model import DigestContent, Document, DocumentRef, StoredHit, Story
from watcher.rules import load_rules
from watcher.stories import (
    DEFAULT_MIN_SIMILARITY,
    DEFAULT_WINDOW,
    _cosine,
    _documents,
    group_stories,
)

REPO = Path(__file__).resolve().parent.parent
SEED = 20231024
DAY = datetime(2023, 8, 23, tzinfo=UTC)
TARGET_DOCUMENTS = 1000
TARGET_SECONDS = 10.0
MB = 1_000_000

Result = dict[str, Any]

# Watched names (as rules/*.yaml spell them) and how often an event names them:
# a few are in most of the day's news, the rest now and then.
POPULAR = (
    ("Belarus", 0.55),
    ("Li Shangfu", 0.45),
    ("Shanghai Cooperation Organisation", 0.45),
    ("Viktor Khrenin", 0.15),
    ("Sergei Shoigu", 0.15),
    ("Lloyd Austin", 0.10),
    ("SCO Defence Ministers' Meeting", 0.05),
    ("Office of Foreign Assets Control", 0.05),
    ("Wei Fenghe", 0.03),
    ("Regional Anti-Terrorist Structure", 0.03),
)
# Unwatched words: what tells one event from another.
TOPIC_WORDS = """
    airbase artillery battalion brigade cadets convoy corvette drills drones frigate garrison
    helicopters howitzers infantry missiles paratroopers radar reservists submarine tanks
    academy treaty memorandum communique protocol roadmap charter accord pact framework
    railway pipeline port bridge highway factory refinery smelter grain fertiliser potash
    timber cotton wheat tractors trucks turbines satellites cables vaccines loans bonds
    tariffs quotas customs visas pilgrims students tourists migrants refugees workers
    elections referendum parliamentary inauguration cabinet reshuffle dismissal corruption
    trial verdict appeal detention espionage hackers cyberattack blackout flooding wildfire
    earthquake drought harvest famine epidemic hospital laboratory reactor uranium
    telescope rocket launch spaceport shipyard dockyard warehouse depot arsenal stockpile
    ceasefire mediation envoy hostages prisoners exchange amnesty pardon embassy consulate
    boycott protest strike rally curfew checkpoint corridor enclave exclave buffer
    olympiad festival exhibition forum symposium conference anniversary parade ceremony
""".split()
FILLER = """
    officials statement ministry spokesman reporters talks meeting visit delegation week
    government agency press briefing sources added noted confirmed expected planned
    announced region partners cooperation security defence minister president countries
    leaders bilateral relations details local capital told morning evening afternoon
    plans issue issues matters question questions situation efforts steps measures progress
    support concern concerns interest interests position positions view views role level
    levels number part parts area areas side sides term terms time times way ways case
    cases point points result results change changes need needs work works group groups
    chief head deputy senior former current future recent major key important significant
    joint common mutual regional international national foreign domestic public official
""".split()
# Function words: dropped by story grouping, but they are most of a real sentence.
GLUE = "the of and to in on for with at by from as that this was were has have is are it".split()
SYLLABLES = """
    ka ro ve lin tra mar no sel dov gor bar ni za len tov kur mi sha pol ber
    dan gri mo sut vel pra kol zem ost tar
""".split()
OUTLETS = (
    "Xinhua",
    "BelTA",
    "Reuters",
    "TASS",
    "Global Times",
    "Associated Press",
    "RFE/RL",
    "Kyodo",
    "Interfax",
    "South China Morning Post",
)


# -- the day's news ---------------------------------------------------------------


def _proper_noun(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize()


def _event(rng: random.Random) -> dict[str, Any]:
    names = [name for name, share in POPULAR if rng.random() < share]
    if not names:
        names = [rng.choices([n for n, _ in POPULAR], weights=[s for _, s in POPULAR])[0]]
    return {
        "names": names,
        "place": _proper_noun(rng),
        "person": f"{_proper_noun(rng)} {_proper_noun(rng)}",
        # names only this event's reports use, and common words other events use too
        "words": [_proper_noun(rng) for _ in range(8)],
        "topic": rng.sample(TOPIC_WORDS, 3),
        "hour": rng.uniform(0, 20),
        "sanctions": rng.random() < 0.15,
    }


def _sentence(rng: random.Random, event: dict[str, Any], mention: str | None) -> str:
    picked = [rng.choice(event["words"]) for _ in range(rng.randint(2, 4))]
    picked += [rng.choice(event["topic"]) for _ in range(rng.randint(0, 1))]
    picked += [rng.choice(FILLER) for _ in range(rng.randint(2, 4))]
    picked += [rng.choice(GLUE) for _ in range(rng.randint(5, 9))]
    if rng.random() < 0.5:
        picked.append(rng.choice((event["place"], event["person"])))
    if event["sanctions"] and rng.random() < 0.2:
        picked.append("sanctions")
    rng.shuffle(picked)
    if mention is not None:
        picked.insert(rng.randrange(len(picked) + 1), mention)
    text = " ".join(picked)
    return text[0].upper() + text[1:] + "."


def _article(rng: random.Random, event: dict[str, Any]) -> tuple[str, str]:
    lead = rng.choice(event["names"])
    title = (
        f"{lead} {rng.choice(('visits', 'discusses', 'backs', 'criticises', 'reviews'))} "
        f"{rng.choice(event['topic'])} {rng.choice(event['words'])} in {event['place']}"
    )
    paragraphs = []
    for _ in range(rng.randint(3, 5)):
        sentences = []
        for _ in range(rng.randint(3, 5)):
            mention = rng.choice(event["names"]) if rng.random() < 0.45 else None
            sentences.append(_sentence(rng, event, mention))
        paragraphs.append(" ".join(sentences))
    return title, title + "\n\n" + "\n\n".join(paragraphs) + "\n"


def generate_hits(count: int, seed: int, matcher: Matcher) -> tuple[list[StoredHit], Result]:
    """``count`` documents of one day in clusters of 3-6 outlets, matched: their stored hits."""
    rng = random.Random(seed)
    hits: list[StoredHit] = []
    events = 0
    text_bytes = 0
    index = 0
    while index < count:
        event = _event(rng)
        events += 1
        for outlet in rng.sample(OUTLETS, min(rng.randint(3, 6), count - index)):
            title, text = _article(rng, event)
            sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
            published = DAY + timedelta(hours=event["hour"] + rng.uniform(0, 3))
            slug = outlet.lower().replace(" ", "-").replace("/", "-")
            document = Document(
                path=f"/srv/watcher/inbox/{slug}-{index:05d}.html",
                sha256=sha,
                text=text,
                format="html",
                title=title if rng.random() > 0.05 else None,
                source=outlet,
                published_at=published if rng.random() > 0.15 else None,
                url=f"https://{slug}.example/news/{index}",
            )
            ref = DocumentRef(
                path=document.path,
                sha256=sha,
                title=document.title,
                source=document.source,
                published_at=document.published_at,
                url=document.url,
                ingested_at=published + timedelta(minutes=rng.uniform(1, 30)),
            )
            for hit in matcher.match(document):
                hits.append(StoredHit(len(hits) + 1, hit, ref, matcher.version))
            text_bytes += len(text.encode("utf-8"))
            index += 1
    documents = len({s.document.sha256 for s in hits})
    return hits, {
        "events": events,
        "documents": documents,
        "documents_without_hits": count - documents,
        "hits": len(hits),
        "text_mb": round(text_bytes / MB, 3),
    }


# -- grouping: watcher's and the all-pairs baseline ---------------------------------


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, item: int) -> int:
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def naive_partition(hits: Sequence[StoredHit]) -> list[frozenset[str]]:
    """The first implementation's way: every pair, the window first, norms computed per pair.

    Same link test as :mod:`watcher.stories`, so the partition must be the same.
    """
    docs, _ = _documents(hits, None)
    union = _UnionFind(len(docs))
    for i, j in combinations(range(len(docs)), 2):
        first, second = docs[i], docs[j]
        if (
            first.apart(second) <= DEFAULT_WINDOW
            and len(first.entities & second.entities) >= 1
            and _cosine(first.bag, second.bag) >= DEFAULT_MIN_SIMILARITY
        ):
            union.union(i, j)
    groups: dict[int, set[str]] = {}
    for index, doc in enumerate(docs):
        groups.setdefault(union.find(index), set()).add(doc.ref.sha256)
    return [frozenset(g) for g in groups.values()]


def partition(stories: Sequence[Story]) -> set[frozenset[str]]:
    return {frozenset(ref.sha256 for ref in story.documents) for story in stories}


def candidate_pairs(hits: Sequence[StoredHit]) -> int:
    """How many pairs share at least one entity (the others never reach the cosine)."""
    docs, _ = _documents(hits, None)
    having: dict[str, list[int]] = {}
    for index, doc in enumerate(docs):
        for name in doc.entities:
            having.setdefault(name, []).append(index)
    return len({(a, b) for indexes in having.values() for a, b in combinations(indexes, 2)})


def _timed(function: Any, *args: Any) -> tuple[Any, float]:
    gc.collect()
    started = time.perf_counter()
    value = function(*args)
    return value, time.perf_counter() - started


def _traced_peak_mb(function: Any, *args: Any) -> float:
    """tracemalloc's peak while ``function`` runs; its own pass, since tracing slows it down."""
    gc.collect()
    tracemalloc.start()
    function(*args)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return round(peak / MB, 1)


# -- rendering ---------------------------------------------------------------------


def digest_content(
    hits: Sequence[StoredHit], stories: Sequence[Story], matcher: Matcher, titles: dict[str, str]
) -> DigestContent:
    first_ids: dict[tuple[str, str], int] = {}
    for stored in hits:
        first_ids.setdefault((stored.hit.watchlist, stored.hit.name), stored.id)
    return DigestContent(
        name="daily",
        period_start=DAY,
        period_end=DAY + timedelta(days=1),
        timezone="Europe/Minsk",
        hits=tuple(hits),
        watchlist_titles=titles,
        generated_at=DAY + timedelta(days=1, minutes=5),
        stories=tuple(stories),
        # a few names are new today
        first_seen=frozenset(list(first_ids)[::4]),
        ruleset_version=matcher.version,
    )


def render_all(content: DigestContent) -> tuple[str, str, str]:
    env = make_environment(None)
    markdown = render_digest(content, env)
    email = render_digest_email(content, env)
    return markdown, email.text, email.html


def measure_render(content: DigestContent) -> Result:
    env = make_environment(None)
    render_digest(content, env)  # compile and cache the templates: not what a day costs
    render_digest_email(content, env)
    markdown, md_s = _timed(render_digest, content, env)
    email, email_s = _timed(render_digest_email, content, env)
    return {
        "markdown_s": round(md_s, 3),
        "email_s": round(email_s, 3),
        "s": round(md_s + email_s, 3),
        "markdown_kb": round(len(markdown.encode("utf-8")) / 1000, 1),
        "text_kb": round(len(email.text.encode("utf-8")) / 1000, 1),
        "html_kb": round(len(email.html.encode("utf-8")) / 1000, 1),
        "subject": email.subject,
        "traced_peak_mb": _traced_peak_mb(render_all, content),
    }


# -- one size ----------------------------------------------------------------------


def measure(
    size: int, matcher: Matcher, titles: dict[str, str], args: argparse.Namespace
) -> Result:
    hits, corpus = generate_hits(size, SEED + size, matcher)
    result: Result = {"size": size, **corpus}
    stories, group_s = _timed(group_stories, hits)
    result["group"] = {
        "s": round(group_s, 3),
        "stories": len(stories),
        "multi_document_stories": sum(1 for s in stories if len(s.documents) > 1),
        "largest_story": max((len(s.documents) for s in stories), default=0),
        "candidate_pairs": candidate_pairs(hits),
        "all_pairs": corpus["documents"] * (corpus["documents"] - 1) // 2,
        "traced_peak_mb": _traced_peak_mb(group_stories, hits),
    }
    if size <= args.naive_max:
        naive, naive_s = _timed(naive_partition, hits)
        same = set(naive) == partition(stories)
        result["naive"] = {
            "s": round(naive_s, 3),
            "stories": len(naive),
            "same_partition": same,
            "traced_peak_mb": _traced_peak_mb(naive_partition, hits),
        }
        assert same, f"size {size}: all-pairs and group_stories partition differently"
    else:
        result["naive"] = {"skipped": f"more than --naive-max {args.naive_max} documents"}
    content = digest_content(hits, stories, matcher, titles)
    result["render"] = measure_render(content)
    result["total_s"] = round(group_s + result["render"]["s"], 3)
    if args.profile and size == max(args.size_list):
        result["profile"] = {
            "group": _profile(group_stories, hits),
            "render": _profile(render_all, content),
        }
    return result


def _profile(function: Any, *args: Any, top: int = 5) -> list[Result]:
    profiler = cProfile.Profile()
    profiler.runcall(function, *args)
    stats = pstats.Stats(profiler, stream=io.StringIO())
    rows = []
    for (filename, line, name), (_, calls, own, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append(
            {
                "function": f"{_short(filename)}:{line}({name})",
                "calls": calls,
                "tottime_s": round(own, 3),
                "cumtime_s": round(cumulative, 3),
            }
        )
    rows.sort(key=lambda r: -r["tottime_s"])
    return rows[:top]


def _short(filename: str) -> str:
    for marker in ("/watcher/", "/jinja2/", "/markupsafe/", "/bench/"):
        if marker in filename:
            return marker.strip("/") + "/" + filename.rsplit(marker, 1)[1]
    return filename.rsplit("/", 1)[-1]


# -- report ------------------------------------------------------------------------


def _machine() -> Result:
    processor = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                processor = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "platform": platform.platform(),
        "processor": processor,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }


def render_markdown(report: Result) -> str:
    machine = report["machine"]
    lines = [
        f"# watcher digest: story grouping and rendering, {report['date']}",
        "",
        f"Machine: {machine['platform']}, {machine['processor']}, {machine['cpus']} CPUs, "
        f"Python {machine['python']}. In-process, no database; generated news of one day "
        "(events of 3-6 outlets, most naming Belarus, Li Shangfu or the SCO), matched "
        "with the repo rules; grouping on titles and snippets, as the daemon does.",
        "",
        "| documents | events | hits | candidate / all pairs | group_stories | stories "
        "(multi-doc, largest) | peak mem | all-pairs baseline | same stories | speed-up "
        "| render md | render email | md / text / html KB | group + render |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in report["results"]:
        g, n, rd = r["group"], r["naive"], r["render"]
        if "s" in n:
            naive = f"{n['s']:.2f} s ({n['traced_peak_mb']} MB)"
            same = "yes" if n["same_partition"] else "NO"
            speedup = f"{n['s'] / g['s']:.1f}x" if g["s"] else "-"
        else:
            naive, same, speedup = "skipped", "-", "-"
        lines.append(
            f"| {r['documents']} | {r['events']} | {r['hits']} | "
            f"{g['candidate_pairs']:,} / {g['all_pairs']:,} | {g['s']:.2f} s | "
            f"{g['stories']} ({g['multi_document_stories']}, {g['largest_story']}) | "
            f"{g['traced_peak_mb']} MB | {naive} | {same} | {speedup} | "
            f"{rd['markdown_s']:.2f} s | {rd['email_s']:.2f} s | "
            f"{rd['markdown_kb']:.0f} / {rd['text_kb']:.0f} / {rd['html_kb']:.0f} | "
            f"{r['total_s']:.2f} s |"
        )
    lines += ["", _target_line(report), ""]
    lines.append(
        "Peak memory is tracemalloc's peak during the call (a separate pass). Speed-up is "
        "all-pairs time over group_stories time; render times exclude compiling the templates "
        "(first render), and render email is text + HTML, each building the digest view again."
    )
    for r in report["results"]:
        for part, rows in r.get("profile", {}).items():
            lines += [
                "",
                f"cProfile, {part} at {r['documents']} documents, top {len(rows)} by own time:",
                "",
                "| function | calls | own s | cumulative s |",
                "|---|---|---|---|",
                *(
                    f"| `{row['function']}` | {row['calls']:,} | {row['tottime_s']:.2f} | "
                    f"{row['cumtime_s']:.2f} |"
                    for row in rows
                ),
            ]
    return "\n".join(lines) + "\n"


def _target_line(report: Result) -> str:
    target = (
        f"Target: {TARGET_DOCUMENTS} documents grouped and rendered in all three formats "
        f"in under {TARGET_SECONDS:.0f} s"
    )
    at = [r for r in report["results"] if r["size"] == TARGET_DOCUMENTS]
    if not at:
        return f"{target}: not measured (no size {TARGET_DOCUMENTS} in this run)."
    total = at[0]["total_s"]
    verdict = "met" if total < TARGET_SECONDS else "NOT met"
    return f"{target}: {verdict} ({total:.2f} s)."


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bench_digest", description=__doc__.split("\n")[0] if __doc__ else None
    )
    parser.add_argument("--sizes", default="100,1000,3000", help="document counts, comma-separated")
    parser.add_argument(
        "--naive-max", type=int, default=3000, help="largest size the all-pairs baseline runs on"
    )
    parser.add_argument(
        "--no-profile",
        dest="profile",
        action="store_false",
        help="skip cProfile at the largest size",
    )
    parser.add_argument(
        "--out", default=str(REPO / "bench" / "results"), help="folder for the results"
    )
    args = parser.parse_args(argv)
    args.size_list = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    ruleset = load_rules(REPO / "rules")
    matcher = Matcher(ruleset)
    titles = dict(ruleset.titles)
    results = []
    for size in args.size_list:
        print(f"size {size} ...", file=sys.stderr, flush=True)
        result = measure(size, matcher, titles, args)
        results.append(result)
        naive = result["naive"].get("s", "skipped")
        print(
            f"  group {result['group']['s']} s, {result['group']['stories']} stories, "
            f"all-pairs {naive} s, render {result['render']['s']} s",
            file=sys.stderr,
            flush=True,
        )
    report = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": _machine(),
        "target": {"documents": TARGET_DOCUMENTS, "seconds": TARGET_SECONDS},
        "naive_max": args.naive_max,
        "results": results,
    }
    markdown = render_markdown(report)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"digest-{dt.date.today().isoformat()}"
    stem.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    stem.with_suffix(".md").write_text(markdown, encoding="utf-8")
    print(markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
