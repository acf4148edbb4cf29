"""Regular expressions in rules, compiled with RE2 (linear time, no backtracking).

An analyst's pattern can never hang the daemon: RE2 refuses constructs that
need backtracking (look-around, back-references) at load time instead.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import re2

# RE2's own memory budget for one compiled pattern (bytes): generous for
# real patterns, a bound for accidental monsters such as a{1000}{1000}.
_MAX_MEM = 64 << 20


class PatternError(ValueError):
    """RE2 cannot run the pattern; the message says why."""


@lru_cache(maxsize=4096)
def compile_pattern(source: str, case_sensitive: bool) -> Any:
    """Compile ``source`` with RE2, or raise :class:`PatternError` with RE2's reason."""
    options = re2.Options()
    options.case_sensitive = case_sensitive
    options.log_errors = False
    options.max_mem = _MAX_MEM
    try:
        return re2.compile(source, options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else str(exc)
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise PatternError(str(reason)) from None
