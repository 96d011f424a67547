"""Error against x, binned: what the accuracy plots draw.

A measurement's grid has thousands of points; a plot needs the worst error in
each stretch of the x axis.  The axis of a dtype has two scales, because the
grid (docs/contract.md, "Accuracy") is dense on the core and log-spaced beyond:

- linear on the core [-40, 40], in :data:`CORE_BINS` equal bins (the region
  where most kernels change behaviour);
- logarithmic in |x| from 40 to the dtype's largest finite value on each side,
  in :data:`TAIL_BINS` equal bins of log10|x| (the tails, where textbook formulas
  overflow or cancel).

:func:`position` maps x to [-2, 2] (the core to [-1, 1], each tail to a unit
beyond it), :func:`bins` gives every bin's [lo, hi) in that coordinate, and a
:class:`Profile` keeps, per bin, the largest ULP error and how many points in it
were non-finite mismatches.  Vector kernels are binned by the value of the row
entry an error belongs to.
"""

from __future__ import annotations

import math

import numpy as np

from symact.verify.metric import NONFINITE

#: The core's half-width: linear inside, logarithmic outside.
CORE = 40.0
CORE_BINS = 40
TAIL_BINS = 12
NBINS = CORE_BINS + 2 * TAIL_BINS


def _log_span(dtype) -> tuple[float, float]:
    """log10 of the core's edge and of the dtype's largest finite value."""
    return math.log10(CORE), math.log10(float(np.finfo(dtype).max))


def position(x, dtype) -> np.ndarray:
    """x in the plot coordinate: x/40 on the core, sign(x)(1 + t) beyond, with t the
    fraction of the way from log10 40 to log10 max (1 at the largest finite value)."""
    x = np.asarray(x, dtype=np.float64)
    lo, hi = _log_span(dtype)
    with np.errstate(all="ignore"):
        mag = np.abs(x)
        tail = np.sign(x) * (1.0 + (np.log10(np.maximum(mag, CORE)) - lo) / (hi - lo))
    return np.where(mag <= CORE, x / CORE, np.clip(tail, -2.0, 2.0))


def edges() -> np.ndarray:
    """The NBINS + 1 bin edges in the plot coordinate, from -2 to 2."""
    tail = np.linspace(0.0, 1.0, TAIL_BINS + 1)
    core = np.linspace(-1.0, 1.0, CORE_BINS + 1)
    return np.concatenate([-2.0 + tail[:-1], core, 1.0 + tail[1:]])


def x_at(p: float, dtype) -> float:
    """The inverse of :func:`position`: the x at plot coordinate ``p``."""
    if abs(p) <= 1.0:
        return p * CORE
    lo, hi = _log_span(dtype)
    return math.copysign(10.0 ** (lo + (abs(p) - 1.0) * (hi - lo)), p)


class Profile:
    """Per bin of the plot axis: the largest finite ULP error and the count of
    non-finite mismatches (``None`` max where the bin had no point)."""

    def __init__(self):
        self.max = np.full(NBINS, -1.0)
        self.nonfinite = np.zeros(NBINS, dtype=np.int64)

    def add(self, xs, errs, dtype) -> None:
        xs = np.asarray(xs, dtype=np.float64).reshape(-1)
        errs = np.asarray(errs, dtype=np.float64).reshape(-1)
        keep = np.isfinite(xs)
        xs, errs = xs[keep], errs[keep]
        if xs.size == 0:
            return
        idx = np.clip(np.searchsorted(edges(), position(xs, dtype), side="right") - 1, 0, NBINS - 1)
        bad = errs == NONFINITE
        np.add.at(self.nonfinite, idx[bad], 1)
        np.maximum.at(self.max, idx[~bad], errs[~bad])
        # a bin holding only non-finite mismatches still had points
        self.max[np.unique(idx[bad])] = np.maximum(self.max[np.unique(idx[bad])], 0.0)

    def values(self) -> list:
        """Per bin: ``None`` (no point), the max ULP, or ``"nonfinite"`` when a
        point there was a non-finite mismatch."""
        out = []
        for m, n in zip(self.max, self.nonfinite):
            out.append("nonfinite" if n else (None if m < 0 else float(m)))
        return out
