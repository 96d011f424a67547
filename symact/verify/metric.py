"""The accuracy metric: error in ULPs of the target dtype (docs/contract.md, "Accuracy").

    ulp error = |computed - exact| / ulp(exact rounded to the dtype)

``ulp(r)`` is ``numpy.spacing(r)`` of the correctly rounded exact value ``r``: the
gap to the next float away from zero, so subnormal results are measured in the
subnormal spacing and a result that rounds to 0 in units of the smallest
subnormal.  The exact value is kept as ``(hi, spacing, frac)`` with ``hi`` the
exact value rounded to nearest-even in the dtype and ``frac = (exact - hi) /
spacing`` (|frac| <= 1/2 away from overflow), so the error of a computed ``c`` is
``|(c - hi) / spacing - frac|`` without carrying the mpmath value around.

Non-finite results where the exact value is finite, or finite where it is not,
are not given a ULP figure: they are counted apart (:data:`NONFINITE`).  An
exact value at or beyond max + ulp/2 rounds to infinity: a computed infinity of
that sign is then exact (0 ULP) and a finite result is a non-finite mismatch.
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np

#: Accuracy budget per kernel (forward and every derivative, both backends, both dtypes).
BUDGET_ULP = 4.0

#: ULP value used for a non-finite mismatch (kept finite so JSON can hold it).
NONFINITE = float("inf")

DTYPES = {"float32": np.float32, "float64": np.float64}


@dataclass(frozen=True)
class Format:
    """Binary floating-point format facts for one dtype."""

    name: str
    precision: int  # significand bits, hidden bit included (24 / 53)
    emin: int  # exponent of the smallest normal (-126 / -1022)
    emax: int  # largest finite < 2**emax (128 / 1024)

    @property
    def sub_exp(self) -> int:
        """Exponent of the smallest subnormal: 2**sub_exp (-149 / -1074)."""
        return self.emin - self.precision + 1

    @property
    def dtype(self):
        return DTYPES[self.name]

    @property
    def max(self) -> float:
        return float(np.finfo(self.dtype).max)

    @property
    def eps(self) -> float:
        """ulp(1), the unit absolute errors near roots are reported in."""
        return float(np.finfo(self.dtype).eps)


FORMATS = {"float32": Format("float32", 24, -126, 128), "float64": Format("float64", 53, -1022, 1024)}


def fmt(dtype) -> Format:
    """The :class:`Format` of a dtype given as name, numpy type or dtype."""
    return FORMATS[np.dtype(dtype).name]


def round_exact(value: mpmath.mpf, f: Format) -> tuple[float, float, float]:
    """``(hi, spacing, frac)`` for an exact real ``value`` in format ``f``.

    ``hi`` is ``value`` rounded to nearest, ties to even, with gradual underflow
    and overflow to +-inf; ``spacing = numpy.spacing(|hi|)`` (for an overflow:
    the spacing of the largest finite float, with ``hi`` = +-inf); ``frac =
    (value - hi) / spacing`` (0 for an overflow).
    """
    if not mpmath.isfinite(value):
        raise ValueError(f"round_exact needs a finite value, got {value}")
    if value == 0:
        return 0.0, float(np.spacing(f.dtype(0))), 0.0
    _, e = mpmath.frexp(value)  # value = m * 2**e, 1/2 <= |m| < 1
    q = max(int(e) - f.precision, f.sub_exp)  # quantum of value's binade
    n = int(mpmath.nint(mpmath.ldexp(value, -q)))  # nint ties to even
    if abs(n) * mpmath.mpf(2) ** q >= mpmath.mpf(2) ** f.emax:
        big = 2.0 ** (f.emax - f.precision)  # spacing of the largest finite float
        return (float("inf") if n > 0 else float("-inf")), big, 0.0
    hi = float(mpmath.ldexp(n, q))
    # numpy.spacing(|hi|); at a power of two just below 2**emax it is the binade's own
    spacing = float(mpmath.ldexp(1, max(int(mpmath.frexp(abs(hi))[1]) - f.precision, f.sub_exp))) if hi else 2.0 ** f.sub_exp
    frac = float((value - mpmath.mpf(hi)) / spacing)
    return hi, spacing, frac


def ulp_errors(computed, hi, spacing, frac) -> np.ndarray:
    """ULP errors of ``computed`` (any float dtype) against rounded exact values.

    Where the exact value rounds to +-inf, a computed infinity of that sign is 0
    ULP; any other non-finite mismatch is :data:`NONFINITE`.  ``hi``/``spacing``
    /``frac`` are float64 arrays from :func:`round_exact`.
    """
    c = np.asarray(computed, dtype=np.float64)
    hi = np.asarray(hi, dtype=np.float64)
    with np.errstate(all="ignore"):
        err = np.abs((c - hi) / spacing - frac)
    c_fin, e_fin = np.isfinite(c), np.isfinite(hi)
    out = np.where(c_fin & e_fin, err, NONFINITE)
    # an exact value that rounds to +-inf: only that infinity is right
    out = np.where(~c_fin & ~e_fin & (c == hi), 0.0, out)
    return out


def signed_ulp_errors(computed, hi, spacing, frac) -> np.ndarray:
    """(computed - exact) / spacing, signed away from zero (positive = too large in
    magnitude); nan where either side is not finite.  Its mean over many points is
    the systematic error (bias) a wrong constant leaves even within the budget."""
    c = np.asarray(computed, dtype=np.float64)
    hi = np.asarray(hi, dtype=np.float64)
    with np.errstate(all="ignore"):
        err = ((c - hi) / spacing - frac) * np.where(hi < 0, -1.0, 1.0)
    return np.where(np.isfinite(err), err, np.nan)


#: A region's mean signed error beyond this (over at least BIAS_MIN_POINTS points
#: where the exact value is nonzero) is a systematic error: a wrong constant or
#: formula.  Round-to-nearest is unbiased, and a constant rounded correctly
#: shifts results by at most 0.5 ulp of the constant, i.e. < 0.75 ULP on average.
BIAS_LIMIT_ULP = 1.0
BIAS_MIN_POINTS = 256


def abs_errors_in_eps(computed, exact_float, f: Format) -> np.ndarray:
    """|computed - exact| in units of ulp(1) = eps: the measure used near interior roots."""
    c = np.asarray(computed, dtype=np.float64)
    with np.errstate(all="ignore"):
        err = np.abs(c - np.asarray(exact_float, dtype=np.float64)) / f.eps
    return np.where(np.isfinite(err), err, NONFINITE)
