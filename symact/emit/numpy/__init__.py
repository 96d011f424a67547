"""The NumPy backend: one module, ``<library>_numpy.py``, that imports only NumPy.

Printer: :mod:`.printer` (SymPy's NumPyPrinter, constants as float64 literals);
runtime: the modules of :mod:`.runtime`, copied in; docstrings: :mod:`.docs`;
loader: :mod:`.loader`.  Kernels compute in float64 whatever the input dtype and
round once: NumPy's float32 exp and log are SIMD approximations of 2-3 ULP.
"""

from __future__ import annotations

from pathlib import Path

from symact.emit.backend import Backend, DType
from symact.emit.constants import load as load_constants
from symact.emit.literals import prepare
from symact.emit.numpy import docs
from symact.emit.numpy.printer import NumpyPrinter
from symact.emit.printing import branches, safe_comment
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


def _scalar(spec, form, printer) -> dict:
    expr = prepare(form.stable)
    lam = ", ".join(("x",) + spec.param_names)
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
        "branches": [{"cond": None if c is None else printer.doprint(c),
                      "expr": printer.doprint(e)} for c, e in branches(expr)],
        "checks": _checks(spec, printer),
    }


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
        files = [f for f in self.runtime_files(kernels)]
        return {
            "library": library,
            "public": [k.name for k in kernels],
            "constants": constant_lines(),
            "runtime": [{"name": f, "text": python_source(RUNTIME / f"{f}.py")} for f in files],
            "kernels": [_scalar(k, forms[k.name], printer) for k in kernels if not k.vector],
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
