"""Every float32 input: a float32 kernel checked on all 2^32 bit patterns.

``exhaustive(kernel, module, backend)`` runs the kernel's float32 version on every finite
float32 (in chunks of bit patterns), and its float64 version on the same inputs as the
reference: the float64 kernel is within a few ULP of float64 (symact verify), which is
2^-27 ULP of float32, so rounding it to float32 gives the exact value's float32 rounding
except where the exact value lies within those few float64 ULP of a float32 rounding
boundary (a midpoint between two floats, or the largest float's); there, and wherever
the two disagree by more than an ULP, the mpmath oracle decides (:mod:`.oracle`).  The
error of the float32 result is measured against the float64 reference (or the oracle's
value) in float32 ULPs, as :mod:`.metric` does; non-finite mismatches are counted apart.

The special values (+-0, +-inf, nan) are checked by the standard measurement.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import mpmath
import numpy as np

from symact.verify import backends, oracle
from symact.verify.metric import FORMATS, round_exact, ulp_errors

F32, F64 = FORMATS["float32"], FORMATS["float64"]

#: Bit patterns per chunk.
CHUNK = 2 ** 24
#: A float64 reference within this many float64 ULP of a float32 rounding boundary is
#: decided by the oracle (the float64 kernels are within 4).
MARGIN = 8


@dataclass
class Exhaustive:
    function: str
    backend: str
    params: dict
    inputs: int = 0
    max_ulp: float = 0.0
    worst_x: float | None = None
    nonfinite: int = 0
    oracle_points: int = 0
    seconds: float = 0.0
    examples: list = field(default_factory=list)

    def text(self) -> str:
        where = f" at x={self.worst_x!r} ({np.float32(self.worst_x).view(np.uint32):#010x})" \
            if self.worst_x is not None else ""
        return (f"{self.function} [{self.backend}/float32] on all {self.inputs} finite inputs: max "
                f"{self.max_ulp:.3g} ULP{where}; {self.nonfinite} non-finite mismatches; "
                f"{self.oracle_points} points decided by the oracle; {self.seconds:.0f} s")


def _near_boundary(ref64: np.ndarray) -> np.ndarray:
    """Where rounding the float64 reference to float32 is not certain: within MARGIN
    float64 ULP of a midpoint between float32 neighbours."""
    r32 = ref64.astype(np.float32)
    up = np.nextafter(r32, np.float32(np.inf)).astype(np.float64)
    down = np.nextafter(r32, np.float32(-np.inf)).astype(np.float64)
    r = r32.astype(np.float64)
    mid = np.where(ref64 >= r, (r + up) / 2, (r + down) / 2)
    with np.errstate(all="ignore"):
        return np.abs(ref64 - mid) <= MARGIN * np.spacing(np.abs(ref64))


def exhaustive(kernel, module, backend: str, params: dict | None = None, *, chunk: int = CHUNK,
               progress=None, span: tuple[int, int] = (0, 2 ** 32)) -> Exhaustive:
    """Check ``kernel`` (a :class:`.kernels.Kernel`) of ``module`` on every finite float32
    (the bit patterns in ``span`` = [start, stop) when given)."""
    params = dict(params or {})
    out = Exhaustive(kernel.function, backend, params)
    expr = kernel.expr(params)
    fn = oracle.compile_scalar(expr)
    start = time.perf_counter()
    first, total = span
    for lo in range(first, total, chunk):
        bits = np.arange(lo, min(lo + chunk, total), dtype=np.uint64).astype(np.uint32)
        x32 = bits.view(np.float32)
        x32 = x32[np.isfinite(x32)]
        if not x32.size:
            continue
        y32, _, err = backends.call(module, kernel.function, x32, **params)
        y64, _, err64 = backends.call(module, kernel.function, x32.astype(np.float64), **params)
        if err or err64:
            raise RuntimeError(err or err64)
        ref = y64.astype(np.float64)
        hi = ref.astype(np.float32).astype(np.float64)
        with np.errstate(all="ignore"):
            spacing = np.spacing(np.abs(hi.astype(np.float32))).astype(np.float64)
            frac = (ref - hi) / spacing
        frac = np.where(np.isfinite(frac), frac, 0.0)
        errs = ulp_errors(y32, hi, spacing, frac)
        doubt = _near_boundary(ref) | (errs > 1) | ~np.isfinite(ref) | ~np.isfinite(hi)
        for i in np.flatnonzero(doubt):
            value, status = oracle.evaluate(fn, mpmath.mpf(float(x32[i])), F32)
            out.oracle_points += 1
            if status != oracle.OK:
                continue
            if mpmath.isinf(value):
                errs[i] = 0.0 if float(y32[i]) == float(value) else np.inf
                continue
            h, s, f = round_exact(value, F32)
            errs[i] = ulp_errors(np.array([y32[i]]), np.array([h]), s, f)[0]
        bad = ~np.isfinite(errs)
        out.nonfinite += int(bad.sum())
        out.examples = (out.examples + [float(v) for v in x32[bad]])[:3]
        errs = np.where(bad, 0.0, errs)
        out.inputs += int(x32.size)
        k = int(np.argmax(errs))
        if errs[k] > out.max_ulp:
            out.max_ulp, out.worst_x = float(errs[k]), float(x32[k])
        if progress:
            progress(f"exhaustive {kernel.function} [{backend}]: {lo + len(bits):#x} of {total:#x} bits, "
                     f"max {out.max_ulp:.3g} ULP ({time.perf_counter() - start:.0f} s)")
    out.seconds = time.perf_counter() - start
    return out
