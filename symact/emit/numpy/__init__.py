"""The NumPy backend: one module, ``<library>_numpy.py``, that imports only NumPy.

Printer: :mod:`.printer` (SymPy's NumPyPrinter, constants as float64 literals);
runtime: the modules of :mod:`.runtime`, copied in; docstrings: :mod:`.docs`;
loader: :mod:`.loader`.  Kernels compute in float64 whatever the input dtype and
round once: NumPy's float32 exp and log are SIMD approximations of 2-3 ULP.
"""

from __future__ import annotations

from pathlib import Path

import sympy as sp

from symact.define.model import X
from symact.emit.backend import Backend, DType
from symact.emit.constants import load as load_constants
from symact.emit.literals import prepare
from symact.emit.numpy import docs
from symact.emit.numpy.printer import NumpyPrinter
from symact.emit.printing import branches, cheap, safe_comment
from symact.emit.render import python_source

RUNTIME = Path(__file__).with_name("runtime")


def constant_lines() -> list[str]:
    """``_NAME = ...`` for every constant of the data file, as the runtime names them."""
    out = []
    for name, entry in sorted(load_constants().items()):
        values = entry["values"]
        if len(values) == 1:
            text = repr(values[0])
        elif isinstance(values[0], list):
            text = "(\n" + "".join(f"    ({v[0]!r}, {v[1]!r}),\n" for v in values) + ")"
        else:
            text = "(" + ", ".join(repr(v) for v in values) + ",)"
        out.append(f"# {entry['doc']}\n_{name} = {text}")
        if "lo" in entry:
            out.append(f"_{name}_LO = {entry['lo']!r}")
    return out


def _checks(spec, printer) -> list[dict]:
    """The parameter constraints as ``(text, test)``: the test printed for arrays (the
    kernels check each entry of a parameter that is an array)."""
    args = ", ".join(spec.param_names)
    return [{"text": str(c), "test": f"lambda {args}: {printer.doprint(c)}"} for c in spec.constraints]


def _signature(spec) -> str:
    if spec.vector:
        if spec.reduces:
            return "x, axis=-1, *, b=None, keepdims=False, return_sign=False, out=None"
        return ("x, g, " if spec.takes_g else "x, ") + "axis=-1, *, out=None"
    return "x, *, " + "".join(f"{p.name}={p.default!r}, " for p in spec.params) + "out=None"


def _vector_call(spec) -> str:
    """The runtime front end that implements a vector kernel (runtime/vector.py)."""
    core = f"_vec_core_{spec.name}"
    if spec.reduces:
        return f'_vec_lse("{spec.name}", x, axis, b, keepdims, return_sign, out, {core})'
    if spec.takes_g:
        return f'_vec_rowwise_g("{spec.name}", {core}, x, g, axis, out)'
    return f'_vec_rowwise("{spec.name}", {core}, x, axis, out)'


def _bound(cond):
    """``(op, t)`` when ``cond`` is x OP t with t free of x (``alpha > -x`` is x > -alpha:
    negation is exact, so the float comparisons agree), else None."""
    if not isinstance(cond, (sp.StrictGreaterThan, sp.GreaterThan, sp.StrictLessThan, sp.LessThan)):
        return None
    d = sp.expand(cond.lhs - cond.rhs)
    s = d.coeff(X)
    r = sp.expand(d - s * X)
    if s not in (1, -1) or r.has(X):
        return None
    up = isinstance(cond, (sp.StrictGreaterThan, sp.GreaterThan)) == (s == 1)
    return (">" if up else "<"), -r / s


def _clamp(branches, printer, ordered=frozenset()):
    """A Piecewise that only clamps x, printed as NumPy's maximum and minimum (into
    ``out``; not numpy.clip, which keeps the sign of -0.0 where the form gives +0.0):
    (x, x > t), (t, True) is maximum(x, t); (x, x < t), (t, True) is minimum(x, t);
    (lo, x <= lo), (hi, x >= hi), (x, True) is minimum(maximum(x, lo), hi) when
    lo <= hi (the numbers say so, or ``ordered`` holds (lo, hi): a constraint the kernel
    checks before it runs).  At x == t both sides give t (NumPy returns the second of
    equal arguments); nan propagates and +-inf give the bounds, the limits.  Exact in
    any dtype (the nearest float to a bound leaves no float between them), so these
    run in the input's dtype.  None for any other Piecewise."""
    if len(branches) == 2 and branches[0][1] == X and branches[1][0] is None:
        b = _bound(branches[0][0])
        if b and sp.simplify(b[1] - branches[1][1]) == 0:
            fn = "maximum" if b[0] == ">" else "minimum"
            return f"numpy.{fn}(x, {printer.doprint(b[1])}, out=out)"
    if len(branches) == 3 and branches[2] == (None, X):
        (c0, e0), (c1, e1) = branches[0], branches[1]
        b0, b1 = _bound(c0), _bound(c1)
        if b0 and b1 and b0[0] != b1[0] and sp.simplify(b0[1] - e0) == 0 and sp.simplify(b1[1] - e1) == 0:
            lo, hi = (e0, e1) if b0[0] == "<" else (e1, e0)
            if sp.simplify(hi - lo).is_nonnegative or (lo, hi) in ordered:
                lo, hi = printer.doprint(lo), printer.doprint(hi)
                return f"numpy.minimum(numpy.maximum(x, {lo}, out=out), {hi}, out=out)"
    return None


#: SymPy functions that are one NumPy ufunc whose IEEE special values are the limits
#: (nan gives nan; tanh(+-inf) = +-1, exp(-inf) = 0, ...).
_UFUNCS = {sp.tanh: "tanh", sp.exp: "exp", sp.Abs: "abs"}


def _direct(branches, printer, ordered) -> dict | None:
    """A kernel that is one or two ufunc passes straight into the output, or None.

    ``{"code": ..., "wide": ...}``: a clamp (:func:`_clamp`), exact in the input's dtype
    (``wide`` False), or one NumPy function of x whose special values are the
    contract's (:data:`_UFUNCS`), computed in float64 (``wide`` True) like every kernel.
    """
    code = _clamp(branches, printer, ordered)
    if code:
        return {"code": code, "wide": False}
    if len(branches) == 1 and type(branches[0][1]) in _UFUNCS and branches[0][1].args == (X,):
        return {"code": f"numpy.{_UFUNCS[type(branches[0][1])]}(x, out=out)", "wide": True}
    return None


def _ordered(constraints) -> frozenset:
    """The pairs (lo, hi) of symbols that ``constraints`` order (hi > lo, hi >= lo)."""
    out = set()
    for c in constraints:
        if all(isinstance(a, sp.Symbol) for a in c.args):
            if isinstance(c, (sp.StrictGreaterThan, sp.GreaterThan)):
                out.add((c.rhs, c.lhs))
            elif isinstance(c, (sp.StrictLessThan, sp.LessThan)):
                out.add((c.lhs, c.rhs))
    return frozenset(out)


def _scalar(spec, form, printer, float_printer) -> dict:
    expr = prepare(form.stable)
    lam = ", ".join(("x",) + spec.param_names)
    bs = branches(expr)
    printed = _printed_branches(bs, printer)
    floated = _printed_branches(branches(prepare(form.stable if form.stable_float is None else form.stable_float)),
                                float_printer)
    params = ", ".join(f'("{n}", {n})' for n in spec.param_names)
    return {
        "name": spec.name,
        "title": docs.title(spec),
        "signature": _signature(spec),
        "lambda": lam,
        "param_tuple": "(" + "".join(f"{n}, " for n in spec.param_names).rstrip(" ") + ")",
        "call_params": f"({params},)" if spec.param_names else "()",
        "params": docs.param_docs(spec),
        "definition": docs.formula(form.definition),
        "stable": safe_comment(str(form.stable)),
        "reference": safe_comment(spec.reference),
        "example": docs.scalar_example(spec, form.definition),
        "direct": _direct(bs, printer, _ordered(spec.constraints)),
        "branches": printed,
        # float16/float32 inputs (computed in float64) take the form whose windows are
        # float's (only around the roots) printed without pairs for rounded arguments (a
        # product of two floats is exact in float64), as the C float kernels are
        "float_branches": None if floated == printed else floated,
        "checks": _checks(spec, printer),
    }


def _printed_branches(bs, printer) -> list[dict]:
    return [{"cond": None if c is None else printer.doprint(c), "expr": printer.doprint(e),
             "cheap": cheap(e)} for c, e in bs]


def _vector(spec) -> dict:
    return {
        "name": spec.name,
        "title": docs.title(spec),
        "signature": _signature(spec),
        "call": _vector_call(spec),
        "reduces": spec.reduces,
        "takes_g": spec.takes_g,
        "definition": docs.formula(spec.definition) if spec.definition is not None else "",
        "reference": safe_comment(spec.reference),
        "example": docs.vector_example(spec),
    }


class NumpyBackend(Backend):
    name = "numpy"
    # The module computes in float64 for both; the dtype only decides the rounding.
    dtypes = (DType("float64", "f64", "numpy.float64"), DType("float32", "f32", "numpy.float32"))

    def outputs(self, library: str) -> dict[str, str]:
        return {f"{library}_numpy.py": "numpy/symact_numpy.py.j2"}

    def context(self, kernels, forms, library: str) -> dict:
        printer = NumpyPrinter()
        float_printer = NumpyPrinter()
        float_printer.exact = False
        files = [f for f in self.runtime_files(kernels)]
        return {
            "library": library,
            "public": [k.name for k in kernels],
            "constants": constant_lines(),
            "runtime": [{"name": f, "text": python_source(RUNTIME / f"{f}.py")} for f in files],
            "kernels": [_scalar(k, forms[k.name], printer, float_printer) for k in kernels if not k.vector],
            "vector": [_vector(k) for k in kernels if k.vector],
        }

    @staticmethod
    def runtime_files(kernels) -> list[str]:
        from symact.emit.numpy.runtime import FILES
        vector = any(k.vector for k in kernels)
        return [f for f in FILES if f != "vector" or vector]

    def load(self, out_dir=None, kernels=None, library: str = "symact"):
        from symact.emit.numpy.loader import load
        return load(out_dir, library)


BACKEND = NumpyBackend()
