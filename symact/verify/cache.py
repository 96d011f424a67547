"""On-disk and in-memory cache of oracle results, keyed by a hash of their inputs.

The directory is ``$SYMACT_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/symact/oracle``
(``~/.cache/symact/oracle``): outside the repository and safe to delete at any
time (the next run recomputes).  Keys hash everything a result depends on (the
oracle version, the expression's ``srepr``, the dtype and the exact bytes of the
points), so a changed definition or grid never reads a stale entry.  Writes go
through a temporary file and ``os.replace``, so a killed run leaves no torn file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import numpy as np

_MEMORY: dict[str, dict] = {}


def directory() -> Path:
    env = os.environ.get("SYMACT_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "symact" / "oracle"


def key(*parts) -> str:
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, np.ndarray):
            h.update(part.dtype.str.encode())
            h.update(np.ascontiguousarray(part).tobytes())
        else:
            h.update(repr(part).encode())
        h.update(b"\x00")
    return h.hexdigest()[:32]


def has(k: str) -> bool:
    """True when ``k`` is cached (in memory or on disk), without loading it."""
    return k in _MEMORY or (directory() / f"{k}.npz").exists()


def load(k: str, fresh: bool = False) -> dict | None:
    """The arrays stored under ``k`` (None if absent); ``fresh``: read the disk again."""
    if k in _MEMORY and not fresh:
        return _MEMORY[k]
    path = directory() / f"{k}.npz"
    try:
        with np.load(path, allow_pickle=False) as data:
            out = {name: data[name] for name in data.files}
    except (OSError, ValueError, KeyError):
        return None
    _MEMORY[k] = out
    return out


def store(k: str, arrays: dict) -> None:
    _MEMORY[k] = arrays
    d = directory()
    try:
        d.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=d, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, d / f"{k}.npz")
    except OSError:
        pass  # an unwritable cache only costs time


def clear_memory() -> None:
    _MEMORY.clear()
