"""The matcher benchmark: load, compile, memory and throughput at 1k, 10k and 100k names.

Run ``python -m bench.bench_match [--sizes 1000,10000,100000] [--mb 4] [--out bench/results]``.

For each size it writes a generated watchlist (a small YAML rule file with
``entities_from:`` a CSV, the way big lists arrive) and, in a fresh worker
process pinned to one CPU, measures:

* cold load: ``load_rules`` (YAML + CSV) and ``Matcher`` (automaton), no cache;
* cached load: ``load_matcher`` with a cache folder, second call in the same
  process, and a first call in another fresh process (what a restart sees);
* peak memory: tracemalloc's peak during load + compile, and the process's
  peak RSS (``getrusage``) after it;
* throughput over the same news-like articles: watcher's ``Matcher.match_text``
  (normalisation included), a bare pyahocorasick scan over the same aliases
  lower-cased with a word-boundary check (the reference), and one compiled
  ``re`` per alias (the naive baseline; only up to ``--naive-max`` entities,
  timed on a slice of the text when the whole would take too long).

The results go to ``<out>/match-<date>.md`` and ``.json`` and are printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Sequence
from contextlib import suppress
from importlib import metadata
from pathlib import Path
from typing import Any

import ahocorasick

import watcher
from bench.corpus import Name, generate_articles, generate_names, names_csv
from bench.match_report import TARGETS, render_markdown
from watcher.match import Matcher
from watcher.rules import load_rules
from watcher.rules.cache import load_matcher

SEED = 20240501
TEXT_NAMES = 1000  # the text mentions names of the first (smallest) list, so every size has hits
MB = 1_000_000  # throughput is in megabytes (10^6 bytes) of UTF-8 text per second


Result = dict[str, Any]


# -- the parent: data, workers, report -----------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments().parse_args(argv)
    if args.worker:
        result = _worker(Path(args.worker), Path(args.text), Path(args.cache), args)
        print(json.dumps(result))
        return 0
    if args.cached_worker:
        print(json.dumps(_cached_worker(Path(args.cached_worker), Path(args.cache))))
        return 0
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    out = Path(args.out)
    with tempfile.TemporaryDirectory(prefix="watcher-bench-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        names = generate_names(max(sizes), SEED)
        listed = {n.name.casefold() for n in names}
        unlisted = [n for n in generate_names(4000, SEED + 1) if n.name.casefold() not in listed]
        articles = generate_articles(
            args.mb, SEED + 2, names[: min(TEXT_NAMES, len(names))], unlisted
        )
        text_path = root / "articles.json"
        text_path.write_text(json.dumps(articles, ensure_ascii=False), encoding="utf-8")
        _log(
            f"generated {len(names)} names and {len(articles)} articles "
            f"in {time.perf_counter() - started:.1f} s"
        )
        results: list[Result] = []
        source_before = _source_digest()
        for size in sizes:
            rules = _write_watchlist(root / f"rules-{size}", names[:size])
            cache = root / f"cache-{size}"
            _log(f"size {size}: measuring in a worker process ...")
            result = _run_worker(
                [
                    "--worker",
                    str(rules),
                    "--text",
                    str(text_path),
                    "--cache",
                    str(cache),
                    "--naive-max",
                    str(args.naive_max),
                    "--naive-budget",
                    str(args.naive_budget),
                ]
            )
            result["cached_load_fresh"] = _run_worker(
                ["--cached-worker", str(rules), "--cache", str(cache)]
            )
            result["size"] = size
            results.append(result)
            _log(_summary_line(result))
    machine = _machine()
    machine["source"] = source_before
    machine["source_changed_during_run"] = _source_digest() != source_before
    report = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine,
        "text": {"mb": results[0]["text_mb"], "articles": results[0]["articles"]}
        if results
        else {},
        "targets": TARGETS,
        "results": results,
    }
    markdown = render_markdown(report)
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"match-{dt.date.today().isoformat()}"
    stem.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    stem.with_suffix(".md").write_text(markdown, encoding="utf-8")
    print(markdown)
    _log(f"wrote {stem}.md and {stem}.json")
    return 0


def _arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bench_match", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--sizes", default="1000,10000,100000", help="entity counts, comma-separated"
    )
    parser.add_argument("--mb", type=float, default=4.0, help="megabytes of generated text")
    parser.add_argument("--out", default="bench/results", help="folder for the results")
    parser.add_argument(
        "--naive-max", type=int, default=10_000, help="largest list the naive regex loop runs on"
    )
    parser.add_argument(
        "--naive-budget",
        type=float,
        default=30.0,
        help="seconds the naive loop may take; it runs on a slice of the text",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--cached-worker", help=argparse.SUPPRESS)
    parser.add_argument("--text", help=argparse.SUPPRESS)
    parser.add_argument("--cache", help=argparse.SUPPRESS)
    return parser


def _write_watchlist(folder: Path, names: Sequence[Name]) -> Path:
    folder.mkdir(parents=True)
    (folder / "names.csv").write_bytes(names_csv(names))
    (folder / "bench.yaml").write_text(
        f"watchlist: bench-{len(names)}\n"
        f"title: Generated list of {len(names)} names\n"
        "severity: high\n"
        "entities_from: names.csv\n",
        encoding="utf-8",
    )
    return folder


def _run_worker(arguments: list[str]) -> Result:
    command = [sys.executable, "-m", "bench.bench_match", *arguments]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"worker failed: {' '.join(arguments)}")
    result: Result = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _machine() -> dict[str, Any]:
    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "unknown"

    def git(*arguments: str) -> str:
        done = subprocess.run(["git", *arguments], capture_output=True, text=True, check=False)
        return done.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD")
    if commit and git("status", "--porcelain", "--", "watcher"):
        commit += " (with uncommitted changes under watcher/)"
    return {
        "platform": platform.platform(),
        "processor": _cpu_model(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "watcher": version("watcher"),
        "pyahocorasick": version("pyahocorasick"),
        "pyyaml_libyaml": _has_libyaml(),
        "commit": commit or "unknown",
    }


def _source_digest() -> str:
    """A digest of watcher's source as it is now: the code the next worker will import."""
    package = Path(watcher.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _has_libyaml() -> bool:
    import yaml

    return bool(getattr(yaml, "__with_libyaml__", False))


# -- the worker: one size, one fresh process -------------------------------------


def _pin_to_one_cpu() -> None:
    if hasattr(os, "sched_setaffinity") and hasattr(os, "sched_getaffinity"):
        allowed = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {allowed[-1]})


def _proc_status_mb(field: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1000  # kB
    except (OSError, ValueError):
        pass
    return None


def _peak_rss_mb() -> float:
    """The process's peak resident memory since start (or since :func:`_reset_peak_rss`).

    /proc's VmHWM where there is one: getrusage's ru_maxrss survives exec, so in a
    worker it would report the (bigger) parent it was forked from.
    """
    peak = _proc_status_mb("VmHWM")
    if peak is not None:
        return peak
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss / (MB if sys.platform == "darwin" else 1000)  # bytes on macOS, else kB


def _rss_now_mb() -> float:
    now = _proc_status_mb("VmRSS")
    return now if now is not None else _peak_rss_mb()


def _reset_peak_rss() -> None:
    """Start VmHWM again from the current size (Linux), so a peak belongs to what follows."""
    with suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _worker(rules: Path, text_path: Path, cache: Path, args: argparse.Namespace) -> Result:
    _pin_to_one_cpu()
    articles: list[str] = json.loads(text_path.read_text(encoding="utf-8"))
    text_bytes = sum(len(a.encode("utf-8")) for a in articles)
    result: Result = {"articles": len(articles), "text_mb": round(text_bytes / MB, 3)}
    gc.collect()
    _reset_peak_rss()
    result["rss_before_mb"] = round(_rss_now_mb(), 1)

    started = time.perf_counter()
    ruleset = load_rules(rules)
    parsed = time.perf_counter()
    matcher = Matcher(ruleset)
    compiled = time.perf_counter()
    result["rss_peak_mb"] = round(_peak_rss_mb(), 1)
    result["load_s"] = round(parsed - started, 3)
    result["compile_s"] = round(compiled - parsed, 3)
    result["cold_s"] = round(compiled - started, 3)
    result["entities"] = sum(len(w.entities) for w in ruleset.watchlists)
    aliases = sorted({a.text for w in ruleset.watchlists for e in w.entities for a in e.aliases})
    result["aliases"] = len(aliases)
    result["warnings"] = len(ruleset.warnings)

    # watcher, normalisation included, one document at a time as the daemon does
    started = time.perf_counter()
    hits = sum(len(matcher.match_text(article)) for article in articles)
    elapsed = time.perf_counter() - started
    result["watcher"] = {"s": round(elapsed, 3), "mb_s": _rate(text_bytes, elapsed), "hits": hits}
    result["reference"] = _reference(aliases, articles, text_bytes)
    result["naive"] = _naive(aliases, articles, result["entities"], args)
    result["cache"] = _cache(rules, cache, matcher, articles)
    del matcher, ruleset
    gc.collect()

    # tracemalloc slows allocation down a lot: its own pass, not timed
    tracemalloc.start()
    traced = Matcher(load_rules(rules))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del traced
    result["traced_peak_mb"] = round(peak / MB, 1)
    return result


def _reference(aliases: Sequence[str], articles: Sequence[str], text_bytes: int) -> Result:
    """Bare pyahocorasick over the lower-cased aliases, boundary checked."""
    started = time.perf_counter()
    automaton = ahocorasick.Automaton()
    for alias in aliases:
        key = alias.lower()
        automaton.add_word(key, len(key))
    automaton.make_automaton()
    built = time.perf_counter() - started
    started = time.perf_counter()
    found = sum(_aho_scan(automaton, article) for article in articles)
    elapsed = time.perf_counter() - started
    return {
        "build_s": round(built, 3),
        "s": round(elapsed, 3),
        "mb_s": _rate(text_bytes, elapsed),
        "matches": found,
    }


def _cache(rules: Path, cache: Path, matcher: Matcher, articles: Sequence[str]) -> Result:
    """A miss that writes the entry, then a hit (the second call)."""
    started = time.perf_counter()
    load_matcher(rules, cache)
    miss = time.perf_counter() - started
    started = time.perf_counter()
    cached = load_matcher(rules, cache)
    hit = time.perf_counter() - started
    entry_bytes = sum(p.stat().st_size for p in cache.glob("*.pickle"))
    same = cached.version == matcher.version and all(
        cached.match_text(a) == matcher.match_text(a) for a in articles[:50]
    )
    return {
        "miss_s": round(miss, 3),
        "hit_s": round(hit, 3),
        "entry_mb": round(entry_bytes / MB, 1),
        "same_hits": same,
    }


def _cached_worker(rules: Path, cache: Path) -> Result:
    _pin_to_one_cpu()
    before = _rss_now_mb()
    started = time.perf_counter()
    load_matcher(rules, cache)
    elapsed = time.perf_counter() - started
    return {
        "s": round(elapsed, 3),
        "rss_before_mb": round(before, 1),
        "rss_peak_mb": round(_peak_rss_mb(), 1),
    }


def _aho_scan(automaton: Any, text: str) -> int:
    lowered = text.lower()
    size = len(lowered)
    count = 0
    for end, length in automaton.iter(lowered):
        start = end - length + 1
        if start > 0 and lowered[start - 1].isalnum():
            continue
        if end + 1 < size and lowered[end + 1].isalnum():
            continue
        count += 1
    return count


def _naive(
    aliases: Sequence[str], articles: Sequence[str], entities: int, args: argparse.Namespace
) -> Result:
    """One compiled regular expression per alias, each run over every article."""
    if entities > args.naive_max:
        return {"skipped": f"more than {args.naive_max} entities"}
    started = time.perf_counter()
    patterns = [re.compile(rf"\b{re.escape(a)}\b", re.IGNORECASE) for a in aliases]
    built = time.perf_counter() - started

    def run(texts: Sequence[str]) -> tuple[int, float]:
        begin = time.perf_counter()
        count = 0
        for text in texts:
            for pattern in patterns:
                for _ in pattern.finditer(text):
                    count += 1
        return count, time.perf_counter() - begin

    # Probe on one article, then take as many articles as fit in the budget.
    _, probe = run(articles[:1])
    probe_bytes = len(articles[0].encode("utf-8"))
    per_byte = probe / max(probe_bytes, 1)
    budget_bytes = args.naive_budget / max(per_byte, 1e-12)
    chosen: list[str] = []
    size = 0
    for article in articles:
        length = len(article.encode("utf-8"))
        if chosen and size + length > budget_bytes:
            break
        chosen.append(article)
        size += length
    matches, elapsed = run(chosen)
    return {
        "build_s": round(built, 3),
        "s": round(elapsed, 3),
        "mb_s": _rate(size, elapsed),
        "matches": matches,
        "slice_mb": round(size / MB, 3),
        "sliced": len(chosen) < len(articles),
    }


def _rate(size: int, seconds: float) -> float:
    return round(size / MB / seconds, 4) if seconds > 0 else float("inf")


def _summary_line(r: Result) -> str:
    return (
        f"  {r['entities']} entities, {r['aliases']} aliases: cold {r['cold_s']} s, "
        f"cached {r['cache']['hit_s']} s, watcher {r['watcher']['mb_s']} MB/s, "
        f"reference {r['reference']['mb_s']} MB/s, naive {r['naive'].get('mb_s', '-')} MB/s"
    )


if __name__ == "__main__":
    raise SystemExit(main())
