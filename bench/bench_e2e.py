"""End-to-end ingestion benchmark: drop to stored hits, with the real daemon.

Run ``python -m bench.bench_e2e [--documents 3000] [--singles 60] [--out bench/results]``.

It measures, on SQLite in a temporary folder:

* bulk throughput: documents per second from dropping N news-sized files into
  the inbox of a running ``watcher run`` until all N are stored with their hits;
* the same N files processed in-process by :class:`watcher.processing.Processor`
  with no daemon, no file events and no settling (the baseline: what the
  pipeline itself costs), side by side;
* single-drop latency: one file at a time into an idle daemon, from the
  rename into the inbox until its row is in the database; p50 and p95.

Results go to ``<out>/e2e-<date>.md`` and ``.json`` and are printed. Targets
(issue 4): >= 300 documents/s in bulk, p95 < 1 s for single drops.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
WORDS = (
    "minister talks defence cooperation visit border security trade agreement officials "
    "delegation capital summit troops exercise statement spokesman region partners economy "
    "ministry reported meeting weapons forces military bilateral relations government week "
    "president parliament sanctions analysts observers press conference agency said"
).split()
NAMES = ("Li Shangfu", "Viktor Khrenin", "Lloyd Austin", "Sergei Shoigu", "the SCO")


def article(seed: int) -> str:
    """A news-sized (about 3 KB) article with a few watched names."""
    rng = random.Random(seed)
    paragraphs = []
    for _ in range(6):
        words = [rng.choice(WORDS) for _ in range(75)]
        for _ in range(rng.randint(0, 2)):
            words.insert(rng.randrange(len(words)), rng.choice(NAMES))
        paragraphs.append(" ".join(words).capitalize() + ".")
    return f"Report number {seed}\n\n" + "\n\n".join(paragraphs) + "\n"


def write_config(folder: Path) -> Path:
    (folder / "inbox").mkdir(parents=True)
    shutil.copytree(REPO / "rules", folder / "rules")
    config = folder / "watcher.toml"
    config.write_text(
        '[database]\nurl = "sqlite:///data/watcher.db"\n[log]\nlevel = "WARNING"\n',
        encoding="utf-8",
    )
    return config


def stored(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return int(conn.execute("SELECT count(*) FROM documents").fetchone()[0])
    except sqlite3.Error:
        return 0


def drop(inbox: Path, name: str, text: str) -> None:
    part = inbox / f"{name}.part"
    part.write_text(text, encoding="utf-8")
    part.rename(inbox / name)


def start_daemon(config: Path) -> subprocess.Popen[bytes]:
    script = Path(sys.executable).with_name("watcher")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "watcher"]
    log = (config.parent / "daemon.log").open("ab")
    process = subprocess.Popen(
        [*command, "run", "--config", str(config)], stdout=log, stderr=subprocess.STDOUT
    )
    db = config.parent / "data" / "watcher.db"
    deadline = time.monotonic() + 60
    while not db.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)  # let it finish its start-up scan
    return process


def stop_daemon(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)


def bulk(folder: Path, count: int) -> dict[str, float]:
    config = write_config(folder)
    db = config.parent / "data" / "watcher.db"
    texts = [article(i) for i in range(count)]
    process = start_daemon(config)
    try:
        started = time.perf_counter()
        for i, text in enumerate(texts):
            drop(config.parent / "inbox", f"doc-{i:05d}.txt", text)
        dropped = time.perf_counter() - started
        while stored(db) < count:
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
    finally:
        stop_daemon(process)
    return {
        "documents": count,
        "drop_s": dropped,
        "total_s": elapsed,
        "docs_per_s": count / elapsed,
    }


def baseline(folder: Path, count: int) -> dict[str, float]:
    from watcher.match import Matcher
    from watcher.processing import Processor
    from watcher.rules import load_rules
    from watcher.store import Store

    inbox = folder / "files"
    inbox.mkdir(parents=True)
    paths = []
    for i in range(count):
        path = inbox / f"doc-{i:05d}.txt"
        path.write_text(article(i), encoding="utf-8")
        paths.append(path)
    store = Store(f"sqlite:///{folder / 'baseline.db'}")
    store.upgrade()
    processor = Processor(store, Matcher(load_rules(REPO / "rules")))
    started = time.perf_counter()
    for path in paths:
        processor.process(path)
    elapsed = time.perf_counter() - started
    store.close()
    return {"documents": count, "total_s": elapsed, "docs_per_s": count / elapsed}


def latency(folder: Path, singles: int) -> dict[str, float]:
    config = write_config(folder)
    db = config.parent / "data" / "watcher.db"
    process = start_daemon(config)
    samples = []
    try:
        for i in range(singles):
            before = stored(db)
            started = time.perf_counter()
            drop(config.parent / "inbox", f"single-{i:03d}.txt", article(100_000 + i))
            while stored(db) <= before:
                time.sleep(0.002)
            samples.append(time.perf_counter() - started)
            time.sleep(0.05)
    finally:
        stop_daemon(process)
    samples.sort()
    return {
        "drops": singles,
        "p50_s": statistics.median(samples),
        "p95_s": statistics.quantiles(samples, n=20)[-1] if len(samples) > 1 else samples[0],
        "max_s": samples[-1],
    }


def machine() -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def table(results: dict[str, Any]) -> str:
    b, base, lat = results["bulk"], results["baseline"], results["latency"]
    return "\n".join(
        [
            f"# watcher end-to-end ingestion, {results['machine']['date']}",
            "",
            f"Machine: {results['machine']['platform']}, {results['machine']['cpus']} CPUs, "
            f"Python {results['machine']['python']}; SQLite; settle_seconds 1.0 (default).",
            "",
            "| measure | daemon (drop to stored) | baseline (in-process, no daemon) | target |",
            "|---|---|---|---|",
            f"| bulk, {b['documents']} documents | {b['docs_per_s']:.0f} docs/s "
            f"({b['total_s']:.1f} s) | {base['docs_per_s']:.0f} docs/s "
            f"({base['total_s']:.1f} s) | >= 300 docs/s |",
            f"| single drop latency p50 | {lat['p50_s'] * 1000:.0f} ms | - | - |",
            f"| single drop latency p95 | {lat['p95_s'] * 1000:.0f} ms | - | < 1000 ms |",
            f"| single drop latency max | {lat['max_s'] * 1000:.0f} ms | - | - |",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--documents", type=int, default=3000)
    parser.add_argument("--singles", type=int, default=60)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="watcher-bench-") as tmp:
        root = Path(tmp)
        results = {
            "machine": machine(),
            "bulk": bulk(root / "bulk", args.documents),
            "baseline": baseline(root / "baseline", args.documents),
            "latency": latency(root / "latency", args.singles),
        }
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"e2e-{dt.date.today().isoformat()}"
    stem.with_suffix(".json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    stem.with_suffix(".md").write_text(table(results), encoding="utf-8")
    print(table(results))


if __name__ == "__main__":
    main()
