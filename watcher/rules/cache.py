"""A cache of compiled rule sets, so that unchanged rules load without parsing.

Parsing YAML and CSV is what makes a 100k-name watchlist slow to load, and
building the automaton comes second. A restart (or ``watcher match``) with
unchanged rules unpickles the :class:`Matcher` built last time instead.

An entry is keyed by a SHA-256 over the cache format, the watcher version and
a digest of its source code, the Python and pyahocorasick that wrote it, where
the rules folder is (rule locations name files relative to it) and the path and
bytes of every non-hidden file under the rules folder. Files read from outside
the folder (``entities_from: ../lists/sdn.csv``) cannot be part of the key,
since only loading the rules names them; the entry lists them with their
digests, and they are checked again before the entry is used.

A cache file that cannot be read, unpickled or trusted is never fatal: the
rules are loaded from source and the entry is written again.
"""

from __future__ import annotations

import copyreg
import dataclasses
import gc
import hashlib
import logging
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import IO

import watcher
from watcher import __version__
from watcher.errors import RuleSetError
from watcher.match import Matcher
from watcher.rules.loader import CheckReport, check_rules, display_path
from watcher.rules.model import RuleSet

log = logging.getLogger(__name__)

# Bump when the entry layout or anything pickled inside it changes incompatibly.
# 2: alert and realert on watchlists, entities, topics and rules.
CACHE_FORMAT = 2
KEEP_ENTRIES = 4  # a few rule-set versions, so that switching back and forth stays fast
ENTRY_PREFIX = "rules-"
ENTRY_SUFFIX = ".pickle"
_TEMP_PREFIX = ".rules-"
_TEMP_SUFFIX = ".tmp"
_STALE_TEMP_SECONDS = 3600  # a temp file this old was left by a writer that died


@dataclass(frozen=True, slots=True)
class _Source:
    """A file the loader read outside the key: checked again before an entry is used."""

    path: str  # absolute
    display: str  # as rule locations name it; it depends on the working folder
    sha256: str


@dataclass(frozen=True, slots=True)
class _Entry:
    format: int
    sources: tuple[_Source, ...]
    matcher: Matcher


def load_matcher(rules_dir: Path, cache_dir: Path | None) -> Matcher:
    """A ready matcher for ``rules_dir``, from ``cache_dir`` when the rules are unchanged.

    Raises :class:`RuleSetError` exactly as :func:`~watcher.rules.load_rules` does;
    rule sets with errors are never cached. ``cache_dir`` None turns the cache off.
    """
    if cache_dir is None:
        return Matcher(_load(rules_dir)[0])
    key = _key(rules_dir, cache_dir)
    entry_path = cache_dir / f"{ENTRY_PREFIX}{key[:32]}{ENTRY_SUFFIX}"
    cached = _read(entry_path)
    if cached is not None:
        log.debug("rules %s loaded from the cache %s", cached.version, entry_path)
        return cached
    ruleset, report = _load(rules_dir)
    matcher = Matcher(ruleset)
    sources = tuple(_source(path) for path in _sources_read(report))
    if _key(rules_dir, cache_dir) != key:
        log.debug("rules changed while loading; not caching version %s", ruleset.version)
        return matcher
    _write(cache_dir, entry_path, _Entry(CACHE_FORMAT, sources, matcher))
    return matcher


def _load(rules_dir: Path) -> tuple[RuleSet, CheckReport]:
    report = check_rules(rules_dir)
    if report.ruleset is None:
        raise RuleSetError(report.problems)
    return report.ruleset, report


# -- the key -------------------------------------------------------------------


def _key(rules_dir: Path, cache_dir: Path) -> str:
    digest = hashlib.sha256()
    for part in _environment():
        digest.update(part.encode() + b"\0")
    digest.update(display_path(rules_dir).encode() + b"\0")
    skip = cache_dir.resolve()
    for path in _folder_files(rules_dir, skip):
        name = path.relative_to(rules_dir).as_posix()
        digest.update(f"{name}\0{_file_sha256(path)}\0".encode())
    return digest.hexdigest()


def _environment() -> tuple[str, ...]:
    """What a pickle depends on besides the rules: formats, versions, the machine."""
    try:
        aho = metadata.version("pyahocorasick")
    except metadata.PackageNotFoundError:
        aho = "unknown"
    return (
        f"format {CACHE_FORMAT}",
        f"watcher {__version__} {_code_fingerprint()}",
        f"python {sys.implementation.cache_tag} {sys.byteorder} {sys.maxsize}",
        f"pyahocorasick {aho}",
    )


@cache
def _code_fingerprint() -> str:
    """A digest of watcher's own source: a changed compiler must not reuse old entries.

    The version alone is not enough: between releases (or in a checkout) the code
    that builds the matcher, or the classes pickled with it, can change under it.
    """
    package = Path(watcher.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(f"{path.relative_to(package).as_posix()}\0{_file_sha256(path)}\0".encode())
    return digest.hexdigest()[:16]


def _folder_files(directory: Path, skip: Path) -> list[Path]:
    """Every non-hidden file under ``directory``, sorted; the cache folder is left out."""
    found: list[Path] = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(".") and (Path(root) / d).resolve() != skip
        )
        found.extend(Path(root) / name for name in sorted(files) if not name.startswith("."))
    return found


def _sources_read(report: CheckReport) -> list[Path]:
    """The files besides the rule files that the loader read (the CSV entity lists)."""
    return list(report.sources)


def _source(path: Path) -> _Source:
    return _Source(str(path.resolve()), display_path(path), _file_sha256(path))


def _file_sha256(path: Path) -> str:
    try:
        with path.open("rb") as stream:
            return hashlib.file_digest(stream, "sha256").hexdigest()
    except OSError:
        # The loader reports it if it matters; the key just must not match a readable file.
        return "unreadable"


def _still_valid(source: _Source) -> bool:
    path = Path(source.path)
    return display_path(path) == source.display and _file_sha256(path) == source.sha256


# -- reading and writing entries -----------------------------------------------


def _read(entry_path: Path) -> Matcher | None:
    """The cached matcher, or None when there is none or it cannot be used."""
    try:
        # pickle runs code named in the file: it is only ever read from the cache
        # folder of the operator's own configuration, written by watcher itself,
        # never from rule folders or anything an analyst or a document supplies.
        with entry_path.open("rb") as stream, _no_gc():
            entry = pickle.load(stream)
    except FileNotFoundError:
        return None
    except Exception as exc:  # a torn, truncated or foreign file: any error is possible
        log.warning("rules cache %s is unreadable (%s); rebuilding it", entry_path, _reason(exc))
        return None
    if (
        not isinstance(entry, _Entry)
        or entry.format != CACHE_FORMAT
        or not isinstance(entry.matcher, Matcher)
    ):
        log.warning("rules cache %s is not a compatible entry; rebuilding it", entry_path)
        return None
    if not all(_still_valid(source) for source in entry.sources):
        log.debug("a list outside the rules folder changed; rebuilding %s", entry_path)
        return None
    with suppress(OSError):
        os.utime(entry_path)  # recently used: pruned last
    return entry.matcher


# -- pickling frozen dataclasses fast --------------------------------------------
#
# A rule set of 100k names is about a million frozen, slotted dataclass objects
# (entities, phrases, locations, automaton targets). The __setstate__ that
# dataclasses gives those classes calls fields() for every object, which is two
# thirds of the time it takes to unpickle them. _restore sets the slots directly.


class _Pickler(pickle.Pickler):
    def __init__(self, stream: IO[bytes], protocol: int) -> None:
        super().__init__(stream, protocol=protocol)
        table = copyreg.dispatch_table.copy()
        table.update(dict.fromkeys(_frozen_dataclasses(), _reduce))
        self.dispatch_table = table


def _frozen_dataclasses() -> list[type]:
    """watcher's frozen slotted dataclasses that use the stock (slow) __setstate__."""
    found = []
    for name, module in list(sys.modules.items()):
        if name != "watcher" and not name.startswith("watcher."):
            continue
        for value in list(vars(module).values()):
            if isinstance(value, type) and value.__module__ == name and _slots(value):
                found.append(value)
    return found


@cache
def _slots(cls: type) -> tuple[str, ...]:
    """The fields of a frozen slotted dataclass with the stock __setstate__, else ()."""
    setstate = cls.__dict__.get("__setstate__")
    if (
        not dataclasses.is_dataclass(cls)
        or "__slots__" not in cls.__dict__
        or getattr(setstate, "__name__", None) != "_dataclass_setstate"
        or "__reduce__" in cls.__dict__
        or "__reduce_ex__" in cls.__dict__
    ):
        return ()
    return tuple(field.name for field in dataclasses.fields(cls))


@cache
def _setters(cls: type) -> tuple[Callable[[object, object], None], ...]:
    # The slots' own descriptors: they set a value even on a frozen instance.
    return tuple(getattr(cls, name).__set__ for name in _slots(cls))


def _reduce(obj: object) -> tuple[Callable[..., object], tuple[object, ...]]:
    # One flat tuple: the unpickler keeps every argument tuple until the load ends.
    cls: type = type(obj)
    return _restore, (cls, *[getattr(obj, name) for name in _slots(cls)])


def _restore(cls: type, *values: object) -> object:
    obj: object = object.__new__(cls)
    for setter, value in zip(_setters(cls), values, strict=True):
        setter(obj, value)
    return obj


@contextmanager
def _no_gc() -> Iterator[None]:
    """(Un)pickling makes or walks millions of objects and no garbage: collecting is waste."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _write(cache_dir: Path, entry_path: Path, entry: _Entry) -> None:
    """Store ``entry`` atomically (readers see the old file or the new one), then prune."""
    temp: str | None = None
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        # mkstemp creates the file for its owner only (0600): a file that pickle will
        # execute is not one other users should be able to read or alter.
        fd, temp = tempfile.mkstemp(prefix=_TEMP_PREFIX, suffix=_TEMP_SUFFIX, dir=cache_dir)
        with os.fdopen(fd, "wb") as stream, _no_gc():
            _Pickler(stream, protocol=pickle.HIGHEST_PROTOCOL).dump(entry)
        os.replace(temp, entry_path)
        temp = None
    except Exception as exc:  # the cache only saves time: never fail a load over it
        log.warning("cannot write the rules cache in %s: %s", cache_dir, _reason(exc))
        return
    finally:
        if temp is not None:
            with suppress(OSError):
                os.unlink(temp)
    log.debug("rules %s cached in %s", entry.matcher.version, entry_path)
    _prune(cache_dir, keep=entry_path)


def _prune(cache_dir: Path, keep: Path) -> None:
    """Delete all but the ``KEEP_ENTRIES`` most recently used entries, and dead temp files."""
    entries: list[tuple[float, Path]] = []
    now = time.time()
    with suppress(OSError):
        for path in cache_dir.iterdir():
            try:
                modified = path.stat().st_mtime
            except OSError:
                continue
            name = path.name
            if name.startswith(ENTRY_PREFIX) and name.endswith(ENTRY_SUFFIX) and path != keep:
                entries.append((modified, path))
            elif (
                name.startswith(_TEMP_PREFIX)
                and name.endswith(_TEMP_SUFFIX)
                and now - modified > _STALE_TEMP_SECONDS
            ):
                with suppress(OSError):
                    path.unlink()
    entries.sort(reverse=True)
    for _, path in entries[KEEP_ENTRIES - 1 :]:
        with suppress(OSError):
            path.unlink()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
