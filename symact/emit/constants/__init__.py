"""The runtimes' numeric constants: one data file, computed by a committed script.

``constants.json`` holds every polynomial coefficient and table the NumPy and
C runtimes use; :mod:`.fit` computes it (``python -m
symact.emit.constants.fit`` rewrites it).  Each backend prints its constants
section from :func:`load`, and ``symact generate --check`` reports the file
as stale when it differs from what the script computes (:func:`stale`).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

#: The data file, beside this package's modules.
PATH = Path(__file__).with_name("constants.json")


@lru_cache(maxsize=1)
def load() -> dict:
    """``{name: {"doc": str, "values": [...], "lo"?: float}}`` as committed."""
    return json.loads(PATH.read_text(encoding="utf-8"))


def stale() -> tuple[str, str] | None:
    """``None`` when the data file is what the script computes; else ``(committed, fresh)``
    texts (for a diff)."""
    from symact.emit.constants.fit import compute, dumps

    fresh = dumps(compute())
    committed = PATH.read_text(encoding="utf-8") if PATH.is_file() else ""
    return None if fresh == committed else (committed, fresh)
