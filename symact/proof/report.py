"""What ``symact show`` reports from the proof engine: properties and theorem statuses.

Theorems are general in the parameters (their statements keep parameter
symbols), so their statuses do not depend on ``--param`` values; properties are
derived for the given values.  For vector activations the concrete-n theorems
are run for n = 2, 3 here (``symact prove NAME`` runs n = 2..6).
"""

from __future__ import annotations

import re

from symact.proof import strategies
from symact.proof.properties import properties
from symact.proof.theorems import about

_SHOW_MAX_N = 3
_CONCRETE_N = re.compile(r"_n(\d+)$")


_DONE: dict = {}


def _run_once(theorem):
    """A theorem's result, computed once per process (theorems do not depend on --param)."""
    if theorem.name not in _DONE:
        _DONE[theorem.name] = strategies.run(theorem)
    return _DONE[theorem.name]


def show_info(entry, values) -> dict:
    """``{"properties": {...}, "theorems": [{"name", "status", "strategy"}, ...]}``."""
    chosen = [t for t in about(entry.name)
              if not (_CONCRETE_N.search(t.name) and int(_CONCRETE_N.search(t.name).group(1)) > _SHOW_MAX_N)]
    results = [_run_once(t) for t in chosen]
    return {
        "properties": properties(entry, values),
        "theorems": [{"name": r.name, "status": str(r.status), "strategy": r.strategy} for r in results],
    }
