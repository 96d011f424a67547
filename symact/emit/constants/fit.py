"""The script that computes every numeric constant of the runtimes: polynomial fits and tables.

Run ``python -m symact.emit.constants.fit`` to rewrite ``constants.json``
beside this file; ``symact generate --check`` fails when the file differs
from what :func:`compute` gives.  Both backends print their constants from
that one file, so a coefficient is never typed into a runtime source.

Every value is computed with mpmath at :data:`DIGITS` digits and rounded once
to float64 (round to nearest).  Where a runtime needs more than one float64
of a constant, it gets a pair (hi, lo): hi the rounded value, lo the rounded
rest.

Methods:

- **Chebyshev interpolation** (:func:`chebyshev_monomial`): the polynomial of
  degree n-1 through the n Chebyshev points of the first kind of [a, b],
  written in the monomial basis of the variable the runtime evaluates it in
  (``t - 1.375``, ``(t - 4)/(t + 4)``, ``u^2``, ...).  Interpolation at
  Chebyshev points is within a small factor of the best (minimax) polynomial
  of that degree (Trefethen, *Approximation Theory and Approximation
  Practice*, ch. 16); the degrees are chosen so that the interpolation error
  is far below the float64 rounding of the result.
- **Tables**: 2^(j/64) (Tang 1989, table-driven exp), reciprocals of
  factorials and of odd integers (Taylor and atanh series), Cody & Waite's
  splits of ln 2.
"""

from __future__ import annotations

import json

import mpmath as mp

from symact.emit.constants import PATH, elementary

#: Working precision of every computation.
DIGITS = 50




def _gelu_tanh_c():
    """The GELU (tanh form) cubic coefficient 0.044715 (Hendrycks & Gimpel 2016), exact at
    the working precision."""
    return mp.mpf(44715) / 1000000


def _f(v) -> float:
    """``v`` rounded once to float64."""
    return float(mp.mpf(v))


def _pair(v) -> list[float]:
    """``v`` as hi + lo: hi = fl(v), lo = fl(v - hi)."""
    hi = _f(v)
    return [hi, _f(mp.mpf(v) - mp.mpf(hi))]


def _truncate_bits(v, bits: int) -> float:
    """``v`` truncated to ``bits`` significant bits (exactly representable in float64)."""
    m, e = mp.frexp(mp.mpf(v))
    return float(mp.ldexp(mp.floor(mp.ldexp(m, bits)), e - bits))


def chebyshev_monomial(f, lo, hi, n) -> list:
    """Coefficients c_0..c_{n-1} (mpmath numbers) of the polynomial p(v) = sum c_j v^j of
    degree n-1 with p = f at the n Chebyshev points of the first kind on [lo, hi]."""
    lo, hi = mp.mpf(lo), mp.mpf(hi)
    nodes = [(lo + hi) / 2 + (hi - lo) / 2 * mp.cos(mp.pi * (2 * k + 1) / (2 * n)) for k in range(n)]
    vandermonde = mp.matrix([[v ** j for j in range(n)] for v in nodes])
    c = mp.lu_solve(vandermonde, mp.matrix([f(v) for v in nodes]))
    return [c[j] for j in range(n)]


def _fit(doc, f, a, b, n, var=None, inverse=None) -> dict:
    """f fitted on [a, b] by a polynomial of degree n-1 in v = var(x) (the variable the
    runtime evaluates it in; ``inverse`` maps v back to x), as float64 coefficients and
    the low part of the leading one."""
    var = var or (lambda x: x)
    inverse = inverse or (lambda v: v)
    c = chebyshev_monomial(lambda v: f(inverse(v)), var(mp.mpf(a)), var(mp.mpf(b)), n)
    return {"doc": doc, "values": [_f(v) for v in c], "lo": _f(c[0] - mp.mpf(_f(c[0])))}


# --- GELU, erf form ------------------------------------------------------------------

def _Phi(u):
    return mp.ncdf(u)


def _phi(u):
    return mp.npdf(u)


def _mills_g(t):
    """g(t) = t*(1 - Phi(t))/phi(t), t times the Mills ratio."""
    return t * mp.ncdf(-t) / mp.npdf(t)


def _phi_small(w):
    """(Phi(u) - 1/2)/u as a function of w = u^2."""
    if w == 0:
        return 1 / mp.sqrt(2 * mp.pi)
    u = mp.sqrt(w)
    return (_Phi(u) - mp.mpf(1) / 2) / u


def _dgelu(u):
    """d/du u*Phi(u) = Phi(u) + u*phi(u)."""
    return _Phi(u) + u * _phi(u)


def _dphi_small(w):
    """(Phi(u) + u phi(u) - 1/2)/u as a function of w = u^2."""
    if w == 0:
        return 2 / mp.sqrt(2 * mp.pi)
    u = mp.sqrt(w)
    return (_dgelu(u) - mp.mpf(1) / 2) / u


# --- GELU, tanh form -------------------------------------------------------------------

def _k1():
    """2*sqrt(2/pi): v = u*(K1 + K3*u^2) is twice the tanh argument."""
    return 2 * mp.sqrt(2 / mp.pi)


def _dgelu_tanh(u):
    """d/du u*sigmoid(v), v = u*(K1 + K3 u^2), K3 = 0.044715*K1."""
    k1 = _k1()
    k3 = _gelu_tanh_c() * k1
    v = u * (k1 + k3 * u * u)
    s = 1 / (1 + mp.exp(-v))
    return s + u * (k1 + 3 * k3 * u * u) * s * (1 - s)


def _root_window(doc, fprime, guess, left, right):
    """f'(u) = (u - r)*h(u) near the root r of f': h fitted left and right of it, each in
    u + shift (the window ends and shifts are the float64 numbers the runtime uses)."""
    r = mp.findroot(fprime, guess)

    def h(u):
        return fprime(u) / (u - r)

    (la, lb, ln, lc), (ra, rb, rn, rc) = left, right
    return r, {
        "root": {"doc": f"root of {doc} as hi + lo", "values": _pair(r)},
        "left": _fit(f"h(u) = ({doc})/(u - root) on [{la}, {lb}] in u + {lc}",
                     h, mp.mpf(la), mp.mpf(lb), ln, lambda u: u + mp.mpf(lc), lambda v: v - mp.mpf(lc)),
        "right": _fit(f"h(u) = ({doc})/(u - root) on [{ra}, {rb}] in u + {rc}",
                      h, mp.mpf(ra), mp.mpf(rb), rn, lambda u: u + mp.mpf(rc), lambda v: v - mp.mpf(rc)),
    }


def compute() -> dict:
    """Every constant, by name: ``{"doc": ..., "values": [...], "lo": ...?}``."""
    with mp.workdps(DIGITS):
        out = {}
        out["GELU_G_NEAR"] = _fit("g(t) = t*(1 - Phi(t))/phi(t) on [0.75, 2] in t - 1.375",
                                  _mills_g, 0.75, 2, 18, lambda t: t - mp.mpf("1.375"),
                                  lambda v: v + mp.mpf("1.375"))
        out["GELU_G_FAR"] = _fit("g(t) = t*(1 - Phi(t))/phi(t) on [2, 40] in (t - 4)/(t + 4)",
                                 _mills_g, 2, 40, 20, lambda t: (t - 4) / (t + 4),
                                 lambda v: 4 * (1 + v) / (1 - v))
        out["GELU_PHI_SMALL"] = _fit("(Phi(u) - 1/2)/u on |u| <= 0.75 in w = u^2",
                                     _phi_small, 0, 0.5625, 12)
        out["GELU_DPHI_SMALL"] = _fit("(Phi(u) + u*phi(u) - 1/2)/u on |u| <= 0.75 in w = u^2",
                                      _dphi_small, 0, 0.5625, 12)
        _, gelu = _root_window("Phi(u) + u*phi(u)", _dgelu, -0.75,
                               (-1.3, -0.75, 15, 1.025), (-0.75, -0.3, 14, 0.525))
        _, tanh = _root_window("d/du gelu_tanh(u)", _dgelu_tanh, -0.75,
                               (-1.3, -0.75, 15, 1.025), (-0.75, -0.3, 14, 0.525))
        out["GELU_ROOT"] = gelu["root"]
        out["GELU_ROOT_LEFT"] = gelu["left"]
        out["GELU_ROOT_RIGHT"] = gelu["right"]
        out["GELU_TANH_ROOT"] = tanh["root"]
        out["GELU_TANH_ROOT_LEFT"] = tanh["left"]
        out["GELU_TANH_ROOT_RIGHT"] = tanh["right"]
        k1 = _k1()
        k3 = _gelu_tanh_c() * k1
        out["GELU_K1"] = {"doc": "2*sqrt(2/pi) as hi + lo", "values": _pair(k1)}
        out["GELU_K3"] = {"doc": "0.044715*2*sqrt(2/pi) as hi + lo", "values": _pair(k3)}
        out["GELU_K3X3"] = {"doc": "3*0.044715*2*sqrt(2/pi) as hi + lo", "values": _pair(3 * k3)}
        out["INV_SQRT_2PI"] = {"doc": "1/sqrt(2*pi), the normal density at 0", "values": [_f(1 / mp.sqrt(2 * mp.pi))]}
        out["LN_SQRT_2PI"] = {"doc": "ln(sqrt(2*pi)) as hi + lo", "values": _pair(mp.log(mp.sqrt(2 * mp.pi)))}
        # --- exp and log ----------------------------------------------------------------
        ln2 = mp.log(2)
        ln2_hi = _truncate_bits(ln2, 32)
        out["LN2"] = {"doc": "ln 2 as hi + lo", "values": _pair(ln2)}
        out["LN2_SPLIT"] = {"doc": "ln 2 = hi + lo with hi of 32 significant bits, so k*hi is "
                                   "exact for |k| < 2^21 (Cody & Waite 1980)",
                            "values": [ln2_hi, _f(ln2 - ln2_hi)]}
        out["LN4"] = {"doc": "ln 4 as hi + lo", "values": _pair(mp.log(4))}
        out["EXPM1_SUB_UEXP_SERIES"] = {
            "doc": "2/(j + 2)!, j = 0..23: (expm1(u) - u exp(u)) = -exp(u) (v^2/2) sum_j c_j v^j, v = -u",
            "values": [_f(2 / mp.factorial(j + 2)) for j in range(24)]}
        out["SQRT_HALF"] = {"doc": "sqrt(1/2): log arguments are reduced to [sqrt(1/2), sqrt(2))",
                            "values": [_f(mp.sqrt(mp.mpf(1) / 2))]}
        out["INV_LN2"] = {"doc": "1/ln 2", "values": [_f(1 / ln2)]}
        a = _truncate_bits(ln2 / 64, 32)
        b = _f(ln2 / 64 - a)
        out["LN2_64_SPLIT"] = {"doc": "ln(2)/64 in three parts, the first of 32 significant bits "
                                      "(n*part exact for |n| < 2^21; Cody & Waite 1980)",
                               "values": [a, b, _f(ln2 / 64 - a - b)]}
        out["INV_LN2_64"] = {"doc": "64/ln 2", "values": [_f(64 / ln2)]}
        out["EXP2_64"] = {"doc": "2^(j/64), j = 0..63, as hi + lo (Tang 1989)",
                          "values": [_pair(mp.mpf(2) ** (mp.mpf(j) / 64)) for j in range(64)]}
        out["INV_FACT"] = {"doc": "1/k!, k = 2..15", "values": [_f(1 / mp.factorial(k)) for k in range(2, 16)]}
        out["INV_FACT_DD"] = {"doc": "1/k!, k = 2..12, as hi + lo",
                              "values": [_pair(1 / mp.factorial(k)) for k in range(2, 13)]}
        out["INV_ODD_DD"] = {"doc": "1/(2i + 3), i = 0..21, as hi + lo (atanh series)",
                             "values": [_pair(mp.mpf(1) / (2 * i + 3)) for i in range(22)]}
        out.update(elementary.compute())
    return out


def dumps(data: dict) -> str:
    """The data file's text (JSON): sorted names, one value (or hi, lo pair) per line, floats
    by their shortest repr, which reads back as the same float64."""
    blocks = []
    for name in sorted(data):
        entry = data[name]
        lines = [f'  "doc": {json.dumps(entry["doc"])}']
        if "lo" in entry:
            lines.append(f'  "lo": {json.dumps(entry["lo"])}')
        values = ",\n".join(f"   {json.dumps(v)}" for v in entry["values"])
        lines.append(f'  "values": [\n{values}\n  ]')
        blocks.append(f' {json.dumps(name)}: {{\n' + ",\n".join(lines) + "\n }")
    return "{\n" + ",\n".join(blocks) + "\n}\n"


def main() -> None:
    PATH.write_text(dumps(compute()), encoding="utf-8")
    print(f"wrote {PATH}")


if __name__ == "__main__":
    main()
