"""The polynomial fits of the C elementary-function runtime (``runtime/elementary.h``).

:func:`compute` returns entries in the format of :mod:`.fit` (``{"doc", "values",
"lo"?}``), which :func:`symact.emit.constants.fit.compute` merges into the data file.
Every fit is Chebyshev interpolation at :data:`fit.DIGITS` digits
(:func:`fit.chebyshev_monomial`), written in the monomial basis of the variable the
runtime evaluates it in; the functions are evaluated from their series where a closed
form would cancel (near 0), so the nodes close to 0 are exact too.  ``_F32`` fits are
shorter: the float functions evaluate in double and round once, so they need about
2^-32 relative accuracy, not 2^-56.  ``python -m symact.emit.constants.elementary``
prints each fit's measured approximation error (float64 coefficients, exact arithmetic).

The fits, with r, s, z, w, a the runtime's variables:

- ``EL_EXPM1_Q``: Q(r) = (e^r - 1 - r - r^2/2)/r^3 on |r| <= 0.35 (|r| <= ln2/2 after
  the reduction x = k ln2 + r): e^r - 1 = r + r^2/2 + r^3 Q(r), the first two terms
  exact in double-word arithmetic.  ``EL_EXPM1_F32``: (e^r - 1 - r)/r^2 on the same range.
- ``EL_LOG_R``: R(z)/z with 2 atanh(s) = 2s + s R(z), z = s^2, s = f/(2 + f),
  1 + f in [sqrt(1/2), sqrt(2)), so z <= ((sqrt 2 - 1)/(sqrt 2 + 1))^2 (fdlibm's log;
  Abramowitz & Stegun 4.1.27).  ``EL_LOG_R_F32`` likewise.
- ``EL_ERF_SMALL``: erf(a)/a in w = a^2 on |a| <= 1/2 (erfc = 1 - erf there, no
  cancellation beyond a factor 1.1).  ``EL_ERF_SMALL_F32`` likewise.
- ``EL_ERFC_NEAR``, ``EL_ERFC_FAR``: J(a) = erfcx(a)(a + 1/2), erfcx(a) = e^(a^2) erfc(a),
  so erfc(a) = e^(-a^2) J(a)/(a + 1/2).  J varies by under 10% over [1/2, 27.3]
  (erfcx(a) ~ 1/(sqrt(pi) a)), so a small error in its polynomial part is a small
  error in erfc.  NEAR: on [1/2, 2] in a - ``EL_ERFC_NEAR_SHIFT``; FAR: on [2, 27.3]
  (erfc(27.3) < 2^-1075 rounds to 0) in ``EL_ERFC_FAR_SHIFT`` - 1/(a + 1/2), a Moebius
  variable that maps a = infinity to a finite point (as the GELU Mills-ratio fit of
  fit.py).  The ``_F32`` fits end at 10.1 (erfc(10.1) < 2^-150).  The ``_X`` fits serve
  the f32x erfc (float's precision over double's range, 2^-40 relative): the float
  fits' accuracy with the float64 fits' range.
"""

from __future__ import annotations

import mpmath as mp

from symact.emit.constants import fit

#: Reduced range of exp's argument r (|r| <= ln 2/2 = 0.3466 with rounding to spare).
EXP_R = 0.35
#: The erfc pieces: [ERFC_SMALL, ERFC_SPLIT] near, [ERFC_SPLIT, end] far.
ERFC_SMALL, ERFC_SPLIT, ERFC_END, ERFC_END_F32 = 0.5, 2.0, 27.3, 10.1
ERFC_NEAR_SHIFT = 1.25
#: The number of coefficients of each fit (chosen from the errors that ``main`` prints).
N = {"EL_EXPM1_Q": 11, "EL_EXPM1_F32": 8, "EL_LOG_R": 8, "EL_LOG_R_F32": 4,
     "EL_ERF_SMALL": 10, "EL_ERF_SMALL_F32": 6, "EL_ERFC_NEAR": 22, "EL_ERFC_FAR": 22,
     "EL_ERFC_NEAR_F32": 13, "EL_ERFC_FAR_F32": 13, "EL_ERF_SMALL_X": 7, "EL_ERFC_NEAR_X": 16,
     "EL_ERFC_FAR_X": 16}


def _series(term, x, first=0):
    """sum_{k >= first} term(k, x) until the terms fall below the working precision."""
    total, k = mp.mpf(0), first
    eps = mp.mpf(2) ** (-mp.mp.prec - 8)
    while True:
        t = term(k, x)
        total += t
        if abs(t) <= eps * abs(total) and k > first + 2:
            return total
        k += 1


def expm1_tail3(r):
    """(e^r - 1 - r - r^2/2)/r^3 = sum_{k>=3} r^(k-3)/k!."""
    return _series(lambda k, x: x ** (k - 3) / mp.factorial(k), mp.mpf(r), 3)


def expm1_tail2(r):
    """(e^r - 1 - r)/r^2 = sum_{k>=2} r^(k-2)/k!."""
    return _series(lambda k, x: x ** (k - 2) / mp.factorial(k), mp.mpf(r), 2)


def log_r(z):
    """R(z)/z, 2 atanh(s) = 2s + s R(z), z = s^2: sum_{n>=1} 2 z^(n-1)/(2n + 1)."""
    return _series(lambda n, x: 2 * x ** (n - 1) / (2 * n + 1), mp.mpf(z), 1)


def erf_over_a(w):
    """erf(a)/a, w = a^2: (2/sqrt(pi)) sum_n (-w)^n/(n! (2n + 1))."""
    return 2 / mp.sqrt(mp.pi) * _series(lambda n, x: (-x) ** n / (mp.factorial(n) * (2 * n + 1)), mp.mpf(w))


def erfc_j(a):
    """J(a) = e^(a^2) erfc(a) (a + 1/2)."""
    a = mp.mpf(a)
    return mp.exp(a * a) * mp.erfc(a) * (a + mp.mpf(1) / 2)


def log_z_max():
    """((sqrt 2 - 1)/(sqrt 2 + 1))^2, with 1% to spare for the rounding of s."""
    return ((mp.sqrt(2) - 1) / (mp.sqrt(2) + 1)) ** 2 * mp.mpf("1.01")


def far_shift(end) -> float:
    """The float64 centre of v = 1/(a + 1/2) over [ERFC_SPLIT, end]: t = shift - v."""
    return fit._f((1 / (mp.mpf(ERFC_SPLIT) + mp.mpf(1) / 2) + 1 / (mp.mpf(end) + mp.mpf(1) / 2)) / 2)


def _far_var(shift):
    half = mp.mpf(1) / 2
    return (lambda a: mp.mpf(shift) - 1 / (a + half)), (lambda t: 1 / (mp.mpf(shift) - t) - half)


def specs() -> dict:
    """``{name: (doc, f, lo, hi, var)}``: each fit's function, interval (in the function's
    argument) and the runtime's variable as ``(to_variable, from_variable)`` (None: the
    argument itself)."""
    near = (lambda a: a - mp.mpf(ERFC_NEAR_SHIFT)), (lambda t: t + mp.mpf(ERFC_NEAR_SHIFT))
    s64, s32 = far_shift(ERFC_END), far_shift(ERFC_END_F32)
    out = {
        "EL_EXPM1_Q": ("(e^r - 1 - r - r^2/2)/r^3 on |r| <= 0.35", expm1_tail3, -EXP_R, EXP_R, None),
        "EL_EXPM1_F32": ("(e^r - 1 - r)/r^2 on |r| <= 0.35 (float)", expm1_tail2, -EXP_R, EXP_R, None),
        "EL_LOG_R": ("R(z)/z, 2 atanh(s) = 2s + s R(z), z = s^2 <= 0.0297", log_r, 0, log_z_max(), None),
        "EL_LOG_R_F32": ("R(z)/z, 2 atanh(s) = 2s + s R(z), z = s^2 <= 0.0297 (float)", log_r, 0,
                         log_z_max(), None),
        "EL_ERF_SMALL": ("erf(a)/a in w = a^2 on |a| <= 1/2", erf_over_a, 0, mp.mpf(ERFC_SMALL) ** 2, None),
        "EL_ERF_SMALL_F32": ("erf(a)/a in w = a^2 on |a| <= 1/2 (float)", erf_over_a, 0,
                             mp.mpf(ERFC_SMALL) ** 2, None),
        "EL_ERFC_NEAR": (f"erfcx(a)(a + 1/2) on [{ERFC_SMALL}, {ERFC_SPLIT}] in a - {ERFC_NEAR_SHIFT}",
                         erfc_j, ERFC_SMALL, ERFC_SPLIT, near),
        "EL_ERFC_NEAR_F32": (f"erfcx(a)(a + 1/2) on [{ERFC_SMALL}, {ERFC_SPLIT}] in a - {ERFC_NEAR_SHIFT} "
                             "(float)", erfc_j, ERFC_SMALL, ERFC_SPLIT, near),
        "EL_ERFC_FAR": (f"erfcx(a)(a + 1/2) on [{ERFC_SPLIT}, {ERFC_END}] in EL_ERFC_FAR_SHIFT - 1/(a + 1/2)",
                        erfc_j, ERFC_SPLIT, ERFC_END, _far_var(s64)),
        "EL_ERFC_FAR_F32": (f"erfcx(a)(a + 1/2) on [{ERFC_SPLIT}, {ERFC_END_F32}] in "
                            "EL_ERFC_FAR_SHIFT_F32 - 1/(a + 1/2) (float)",
                            erfc_j, ERFC_SPLIT, ERFC_END_F32, _far_var(s32)),
        "EL_ERF_SMALL_X": ("erf(a)/a in w = a^2 on |a| <= 1/2 (f32x)", erf_over_a, 0,
                           mp.mpf(ERFC_SMALL) ** 2, None),
        "EL_ERFC_NEAR_X": (f"erfcx(a)(a + 1/2) on [{ERFC_SMALL}, {ERFC_SPLIT}] in a - {ERFC_NEAR_SHIFT} "
                           "(f32x)", erfc_j, ERFC_SMALL, ERFC_SPLIT, near),
        "EL_ERFC_FAR_X": (f"erfcx(a)(a + 1/2) on [{ERFC_SPLIT}, {ERFC_END}] in EL_ERFC_FAR_SHIFT - "
                          "1/(a + 1/2) (f32x)", erfc_j, ERFC_SPLIT, ERFC_END, _far_var(s64)),
    }
    return out


#: The fits whose leading coefficient the runtime uses as hi + lo (the others: hi only).
WITH_LO = {"EL_ERF_SMALL", "EL_ERFC_NEAR", "EL_ERFC_FAR"}


def _entry(name, doc, f, lo, hi, var) -> dict:
    entry = fit._fit(doc, f, lo, hi, N[name], *(var or ()))
    if name not in WITH_LO:
        del entry["lo"]
    return entry


def compute() -> dict:
    """The elementary runtime's constants, by name, in :mod:`.fit`'s format."""
    with mp.workdps(fit.DIGITS):
        out = {name: _entry(name, *spec) for name, spec in specs().items()}
        out["EL_ERFC_NEAR_SHIFT"] = {"doc": "erfc: the near fit's variable is a - this",
                                     "values": [ERFC_NEAR_SHIFT]}
        out["EL_ERFC_FAR_SHIFT"] = {"doc": "erfc: the far fit's variable is this - 1/(a + 1/2)",
                                    "values": [far_shift(ERFC_END)]}
        out["EL_ERFC_FAR_SHIFT_F32"] = {"doc": "erfc (float): the far fit's variable is this - 1/(a + 1/2)",
                                        "values": [far_shift(ERFC_END_F32)]}
    return out


def max_relative_error(name: str, points: int = 400) -> float:
    """log2 of the largest |p/f - 1| of the committed fit ``name`` (float64 coefficients, the
    leading one's low part included, evaluated exactly) at ``points`` points of its interval
    that are not interpolation nodes."""
    from symact.emit.constants import load

    doc, f, lo, hi, var = specs()[name]
    entry = load()[name]
    to_v = var[0] if var is not None else (lambda x: x)
    with mp.workdps(fit.DIGITS):
        c = [mp.mpf(v) for v in entry["values"]]
        c[0] += mp.mpf(entry.get("lo", 0.0))
        worst = mp.mpf(0)
        for i in range(points + 1):
            x = mp.mpf(lo) + (mp.mpf(hi) - mp.mpf(lo)) * (mp.mpf(i) + mp.mpf(1) / 3) / (points + 1)
            p = mp.polyval(c[::-1], to_v(x))
            worst = max(worst, abs(p / f(x) - 1))
        return float(mp.log(worst, 2))


def main() -> None:
    for name in sorted(specs()):
        print(f"{name:20s} {N[name]:3d} coefficients  max |p/f - 1| = 2^{max_relative_error(name):.1f}")


if __name__ == "__main__":
    main()
