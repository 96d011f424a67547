"""Error against x, binned: what the accuracy plots draw.

A measurement's grid has thousands of points; a plot needs the worst error in
each stretch of the x axis.  The axis of a dtype has two scales, because the
grid (docs/contract.md, "Accuracy") is dense on the core and log-spaced beyond:

- linear on the core [-40, 40], in :data:`CORE_BINS` equal bins (the region
  where most kernels change behaviour);
- doubly logarithmic beyond, from 40 to the dtype's largest finite value on each
  side, in :data:`TAIL_BINS` equal bins: the coordinate is log(1 + log10(|x|/40)),
  so the decades just past the core (where exp overflows, at |x| = 88.7 in float32
  and 709.8 in float64, and where textbook formulas fail) get several bins while
  the hundreds of decades out to 1e308 share the rest.

:func:`position` maps x to [-2, 2] (the core to [-1, 1], each tail to a unit
beyond it), :func:`edges` gives the bin edges in that coordinate, and a
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
TAIL_BINS = 20
NBINS = CORE_BINS + 2 * TAIL_BINS


def _span(dtype) -> float:
    """The tail coordinate's value at the dtype's largest finite value."""
    return math.log10(1.0 + math.log10(float(np.finfo(dtype).max) / CORE))


def position(x, dtype) -> np.ndarray:
    """x in the plot coordinate: x/40 on the core, sign(x)(1 + t) beyond, with
    t = log10(1 + log10(|x|/40)) / log10(1 + log10(max/40)) (1 at the largest finite value)."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(all="ignore"):
        mag = np.abs(x)
        t = np.log10(1.0 + np.log10(np.maximum(mag, CORE) / CORE)) / _span(dtype)
        tail = np.sign(x) * (1.0 + t)
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
    return math.copysign(CORE * 10.0 ** (10.0 ** ((abs(p) - 1.0) * _span(dtype)) - 1.0), p)


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
