"""The matcher benchmark's report: a Markdown table, one column per list size."""

from __future__ import annotations

from typing import Any

Result = dict[str, Any]

TARGETS = {
    "match_mb_s": 20.0,
    "cached_load_s": 2.0,
    "cold_load_s": 15.0,
    "peak_mb": 500.0,
    "naive_ratio": 100.0,
}


def _fmt(value: float, digits: int = 2) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 1:
        return f"{value:.{digits}f}"
    return f"{value:.{max(digits, 3)}g}"


def render_markdown(report: dict[str, Any]) -> str:
    """The results as a Markdown table: one column per list size."""
    results: list[Result] = report["results"]
    machine = report["machine"]
    header = ["", *(f"{r['size']:,} names" for r in results), "target (100k)"]
    rows: list[list[str]] = []

    def row(label: str, values: list[str], target: str = "") -> None:
        rows.append([label, *values, target])

    row("aliases (incl. names)", [f"{r['aliases']:,}" for r in results])
    row("warnings: alias shared by two entities", [f"{r['warnings']:,}" for r in results])
    row("cold load: YAML + CSV (s)", [_fmt(r["load_s"]) for r in results])
    row("cold load: compile matcher (s)", [_fmt(r["compile_s"]) for r in results])
    row("**cold load, total (s)**", [_fmt(r["cold_s"]) for r in results], "< 15")
    row("**cached load, 2nd call (s)**", [_fmt(r["cache"]["hit_s"]) for r in results], "< 2")
    row("cached load, fresh process (s)", [_fmt(r["cached_load_fresh"]["s"]) for r in results])
    row("cache miss incl. write (s)", [_fmt(r["cache"]["miss_s"]) for r in results])
    row("cache entry (MB)", [_fmt(r["cache"]["entry_mb"], 1) for r in results])
    row(
        "**peak memory, tracemalloc (MB)**",
        [_fmt(r["traced_peak_mb"], 0) for r in results],
        "< 500",
    )
    row(
        "**peak RSS during load + compile (MB)**",
        [_fmt(r["rss_peak_mb"], 0) for r in results],
        "< 500",
    )
    row("RSS before load (MB)", [_fmt(r["rss_before_mb"], 0) for r in results])
    row(
        "peak RSS, cached load in a fresh process (MB)",
        [_fmt(r["cached_load_fresh"]["rss_peak_mb"], 0) for r in results],
    )
    row("**watcher match_text (MB/s)**", [_fmt(r["watcher"]["mb_s"]) for r in results], ">= 20")
    row("bare pyahocorasick + boundary (MB/s)", [_fmt(r["reference"]["mb_s"]) for r in results])
    row("naive re per alias (MB/s)", [_naive_cell(r["naive"]) for r in results])
    row(
        "**watcher / naive**",
        [
            f"{r['watcher']['mb_s'] / r['naive']['mb_s']:,.0f}x" if "mb_s" in r["naive"] else "-"
            for r in results
        ],
        ">= 100x at 10k",
    )
    row(
        "watcher / reference",
        [f"{r['watcher']['mb_s'] / r['reference']['mb_s']:.2f}" for r in results],
    )
    row("hits: watcher", [f"{r['watcher']['hits']:,}" for r in results])
    row("raw matches: reference", [f"{r['reference']['matches']:,}" for r in results])
    row(
        "cached matcher gives identical hits",
        ["yes" if r["cache"]["same_hits"] else "**NO**" for r in results],
    )

    lines = [
        f"# Matcher benchmark, {report['date'][:10]}",
        "",
        f"Machine: {machine['platform']}; {machine['processor']}; {machine['cpus']} CPU(s); "
        f"{machine['implementation']} {machine['python']}; "
        f"pyahocorasick {machine['pyahocorasick']}; "
        f"PyYAML with libyaml: {machine['pyyaml_libyaml']}; watcher {machine['watcher']} "
        f"at {machine['commit']}, source digest {machine['source']}. "
        "Each size is measured in a fresh process pinned to one CPU.",
        "",
        f"Text: {report['text'].get('mb', 0)} MB of generated news-like articles "
        f"({report['text'].get('articles', 0)} of them, matched one at a time); "
        "MB = 10^6 bytes of UTF-8.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|",
    ]
    lines.extend("| " + " | ".join(r) + " |" for r in rows)
    lines.extend(["", *_notes(results, machine), ""])
    return "\n".join(lines)


def _naive_cell(naive: Result) -> str:
    if "mb_s" not in naive:
        return f"skipped ({naive['skipped']})"
    text = _fmt(naive["mb_s"])
    if naive["sliced"]:
        text += f" (on {naive['slice_mb']} MB)"
    return text


def _notes(results: list[Result], machine: dict[str, Any]) -> list[str]:
    notes = [
        "Notes:",
        "",
        "- Lists are generated (seeded): people in a dozen languages with diacritics, "
        "Cyrillic, Chinese and Hangul forms, transliteration variants, initials and "
        "patronymics; companies from descriptors, places, sectors and legal suffixes, with "
        "acronyms and Russian/Chinese names in their own script. 1 to 3 aliases each. "
        "They arrive as `entities_from: names.csv` beside a three-line YAML rule file.",
        "- The text mentions names of the 1,000-name list (every size contains it) and names "
        "that are on no list, in any of their aliases, some in all-capital headlines.",
        "- Cold load is `Matcher(load_rules(dir))`; cached load is "
        "`watcher.rules.cache.load_matcher(dir, cache_dir)` on an existing entry (it "
        "still hashes every file of the rules folder).",
        "- The reference scans `text.lower()` with one pyahocorasick automaton of the "
        "lower-cased aliases and checks `isalnum()` on both sides of each match: no "
        "normalisation, no case policy, no overlap resolution, no hit objects.",
        "- The naive loop is `re.compile(r'\\b' + re.escape(alias) + r'\\b', re.IGNORECASE)` per "
        "alias, `finditer` over each article.",
    ]
    if machine.get("source_changed_during_run"):
        notes.append(
            "- **watcher's source changed during the run: the sizes may have measured "
            "different code.**"
        )
    for r in results:
        naive = r["naive"]
        if "skipped" in naive:
            notes.append(f"- {r['size']:,} names: the naive loop is skipped ({naive['skipped']}).")
        elif naive["sliced"]:
            notes.append(
                f"- {r['size']:,} names: the naive loop ran on the first {naive['slice_mb']} MB "
                f"of the text ({naive['s']} s) and its rate is scaled from that slice."
            )
    last = results[-1] if results else None
    if last is not None:
        notes.append("")
        notes.append(f"Targets at {last['size']:,} names:")
        notes.append("")
        fresh = last["cached_load_fresh"]
        checks = [
            (
                "matching >= 20 MB/s",
                last["watcher"]["mb_s"] >= TARGETS["match_mb_s"],
                f"{last['watcher']['mb_s']} MB/s",
            ),
            (
                "cached load < 2 s (second call in the process)",
                last["cache"]["hit_s"] < TARGETS["cached_load_s"],
                f"{last['cache']['hit_s']} s",
            ),
            (
                "cached load < 2 s (fresh process, as after a restart)",
                fresh["s"] < TARGETS["cached_load_s"],
                f"{fresh['s']} s",
            ),
            ("cold load < 15 s", last["cold_s"] < TARGETS["cold_load_s"], f"{last['cold_s']} s"),
            (
                "peak memory < 500 MB (RSS, cold load + compile)",
                last["rss_peak_mb"] < TARGETS["peak_mb"],
                f"{last['rss_peak_mb']} MB RSS, {last['traced_peak_mb']} MB traced",
            ),
            (
                "peak memory < 500 MB (RSS, cached load in a fresh process)",
                fresh["rss_peak_mb"] < TARGETS["peak_mb"],
                f"{fresh['rss_peak_mb']} MB RSS",
            ),
        ]
        at_10k = next((r for r in results if r["size"] == 10_000 and "mb_s" in r["naive"]), None)
        if at_10k is not None:
            ratio = at_10k["watcher"]["mb_s"] / at_10k["naive"]["mb_s"]
            checks.append(
                ("10k: >= 100x the naive loop", ratio >= TARGETS["naive_ratio"], f"{ratio:,.0f}x")
            )
        notes.extend(
            f"- {what}: {'met' if ok else '**not met**'} ({value})" for what, ok, value in checks
        )
    return notes
