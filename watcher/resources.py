"""Where the files shipped with watcher (migrations, default templates) live.

In a source checkout they sit at the top of the repository (``alembic/``,
``templates/``); a built wheel carries them inside the package as
``watcher/_alembic`` and ``watcher/_templates``.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def shipped_dir(name: str) -> Path:
    """Return the folder of shipped resource ``name`` ("alembic" or "templates")."""
    for candidate in (_PACKAGE / f"_{name}", _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"watcher is installed without its {name!r} folder")
