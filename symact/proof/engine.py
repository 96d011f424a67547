"""Run the theorems of :mod:`symact.proof.theorems` and collect their results.

``run_theorems(names=None)``: all theorems, or those named, or those about the
named activations (``symact prove elu``).  Unknown names raise KeyError.
"""

from __future__ import annotations

from symact.proof import strategies
from symact.proof import theorems


def select(names=None) -> list:
    """The theorems matching ``names`` (theorem or activation names), in catalogue order."""
    everything = theorems.THEOREMS
    if not names:
        return list(everything)
    chosen = []
    for name in names:
        matches = [t for t in everything if t.name == name or name in t.activations]
        if not matches:
            raise KeyError(f"no theorem or activation with theorems called {name!r}")
        chosen.extend(t for t in matches if t not in chosen)
    return [t for t in everything if t in chosen]


def run_theorems(names=None) -> list:
    """One :class:`~symact.proof.result.Result` (with ``.name``) per selected theorem."""
    return [strategies.run(t) for t in select(names)]
