"""The NumPy backend: one module, ``<library>_numpy.py``, that imports only NumPy.

Printer: :mod:`.printer` (SymPy's NumPyPrinter, constants as ``_T(...)``);
runtime: the modules of :mod:`.runtime`, copied in; loader: :mod:`.loader`.
Kernels compute in float64 whatever the input dtype and round once: NumPy's
float32 exp and log are SIMD approximations of 2-3 ULP.
"""

from __future__ import annotations

from pathlib import Path

from symact.emit.backend import Backend, DType
from symact.emit.constants import load as load_constants
from symact.emit.literals import prepare
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


def _constraints(spec) -> list[dict]:
    out = []
    for c in spec.constraints:
        names = sorted(s.name for s in c.free_symbols)
        out.append({"test": str(c), "text": str(c),
                    "shown": ", ".join(f"{n}=%r" for n in names),
                    "fmt_args": ", ".join(names) + ","})
    return out


class NumpyBackend(Backend):
    name = "numpy"
    # The module computes in float64 for both; the dtype only decides the rounding.
    dtypes = (DType("float64", "f64", "numpy.float64"), DType("float32", "f32", "numpy.float32"))

    def outputs(self, library: str) -> dict[str, str]:
        return {f"{library}_numpy.py": "numpy/symact_numpy.py.j2"}

    def context(self, kernels, forms, library: str) -> dict:
        printer = NumpyPrinter()
        scalar = []
        for spec in kernels:
            if spec.vector:
                continue
            form = forms[spec.name]
            expr = prepare(form.stable)
            scalar.append({
                "name": spec.name,
                "summary": safe_comment(spec.description),
                "params": [{"name": p.name, "default": repr(p.default)} for p in spec.params],
                "definition": safe_comment(str(form.definition)),
                "stable": safe_comment(str(form.stable)),
                "branches": [{"cond": None if c is None else printer.doprint(c),
                              "expr": printer.doprint(e)} for c, e in branches(expr)],
                "constraints": _constraints(spec),
            })
        files = [f for f in self.runtime_files(kernels)]
        return {
            "library": library,
            "public": [k.name for k in kernels],
            "constants": constant_lines(),
            "runtime": [{"name": f, "text": python_source(RUNTIME / f"{f}.py")} for f in files],
            "kernels": scalar,
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
