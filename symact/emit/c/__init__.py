"""The C99 backend: ``<library>.h`` and ``<library>.c``, libm only, includable from C++.

Printer: :mod:`.printer` (SymPy's C99CodePrinter, float functions for float);
runtime: the files of ``runtime/`` (real C), copied into ``<library>.c``, the
type-generic ones once per dtype under the macros of :data:`DTYPES`; loader:
:mod:`.loader` (compiles with the system C compiler, binds with ctypes).
"""

from __future__ import annotations

import re
from pathlib import Path

import sympy as sp

from symact.define.model import X
from symact.emit.backend import Backend, DType
from symact.emit.c.printer import CPrinter
from symact.emit.constants import load as load_constants
from symact.emit.literals import prepare
from symact.emit.printing import branches, safe_comment
from symact.emit.render import c_source

RUNTIME = Path(__file__).with_name("runtime")

#: The dtypes, with the settings the type-generic runtime files read (as SYMACT_<KEY>).
DTYPES = (
    DType("float64", "f64", "double", {
        # the libm suffix (exp, expf) and the largest finite value
        "LM_SUFFIX": "", "MAX": "DBL_MAX",
        # below this u, exp(u) is subnormal (ln DBL_MIN = -708.396): a*exp(u) is formed as
        # (a*exp(u/2))*exp(u/2) so the subnormal's rounding is not amplified by |a|
        "TAIL": "(-708.0)",
        # below this exp(-2|u|), 4*exp(-2|u|) would lose bits in the subnormals
        "SECH2_TAIL": "0x1p-1000",
        # above this |u|, u*u overflows: sqrt(u^2 + c) = |u|*sqrt(1 + (c/u)/u)
        "SQRT_BIG": "0x1p500",
        # terms of the series of expm1(u) - u*exp(u) on [-2, 0] (25!/2^25 > 2^60)
        "NSERIES": "25",
        # below this e, 1/(1 + e) = 1 - e to within e^2 (under 1/128 ULP)
        "SMALL": "0x1p-30",
        # exp(q) is 0 below QLO and inf above QHI
        "QLO": "(-1500.0)", "QHI": "710.0",
    }),
    DType("float32", "f32", "float", {
        "LM_SUFFIX": "f", "MAX": "FLT_MAX",
        "TAIL": "(-87.0F)", "SECH2_TAIL": "0x1p-120F", "SQRT_BIG": "0x1p60F", "NSERIES": "16",
        "SMALL": "0x1p-15F", "QLO": "(-200.0F)", "QHI": "89.0F",
    }),
)

#: Runtime files in the order the generated source holds them, and whether each is
#: written once for both dtypes (included once per dtype).
FILES = (
    ("common.h", False),
    ("doubleword.h", False),
    ("primitives.h", True),
    ("primitives_dw.h", False),
    ("precise.h", False),
    ("exact.h", False),
    ("vector_core.h", False),
    ("vector.h", True),
)
_VECTOR_FILES = ("vector_core.h", "vector.h")

_CONST = re.compile(r"\bsymact__c_(\w+?)(_LO)?\b")


def _prologue(d: DType) -> str:
    lines = [f"#define SYMACT_T {d.ctype}",
             f"#define SYMACT_FN(name) name##_{d.tag}",
             "#define SYMACT_LM(fn) fn" + ("##" + d.settings["LM_SUFFIX"] if d.settings["LM_SUFFIX"] else "")]
    lines += [f"#define SYMACT_{k} {v}" for k, v in d.settings.items() if k not in ("LM_SUFFIX", "MAX")]
    return "\n".join(lines)


def _epilogue(d: DType) -> str:
    names = ["SYMACT_T", "SYMACT_FN", "SYMACT_LM"] + \
        [f"SYMACT_{k}" for k in d.settings if k not in ("LM_SUFFIX", "MAX")]
    return "\n".join(f"#undef {n}" for n in names)


def _c_double(v: float) -> str:
    text = repr(float(v))
    return text if ("e" in text or "." in text or "inf" in text or "nan" in text) else text + ".0"


def constant_lines(used: set[str]) -> list[str]:
    """``static const double symact__c_NAME...`` for the data file's constants in ``used``."""
    out = []
    for name, entry in sorted(load_constants().items()):
        if name not in used:
            continue
        values = entry["values"]
        out.append(f"/* {entry['doc']} */")
        if len(values) == 1:
            out.append(f"static const double symact__c_{name} = {_c_double(values[0])};")
        elif isinstance(values[0], list):
            rows = ",\n".join(f"    {{{_c_double(v[0])}, {_c_double(v[1])}}}" for v in values)
            out.append(f"static const double symact__c_{name}[{len(values)}][2] = {{\n{rows}\n}};")
        else:
            items = ",\n".join(f"    {_c_double(v)}" for v in values)
            out.append(f"static const double symact__c_{name}[{len(values)}] = {{\n{items}\n}};")
        if "lo" in entry:
            out.append(f"static const double symact__c_{name}_LO = {_c_double(entry['lo'])};")
    return out


def _signature(spec, d: DType) -> str:
    t = d.ctype
    if spec.vector:
        if spec.takes_g:
            args = f"size_t rows, size_t cols, const {t} *x, const {t} *g, {t} *dx"
        else:
            args = f"size_t rows, size_t cols, const {t} *x, {t} *y"
    else:
        args = f"size_t n, const {t} *x, {t} *y" + "".join(f", {t} {p.name}" for p in spec.params)
    return f"int symact_{spec.name}_{d.tag}({args})"


#: Prints float kernels' stable forms in double: rounded arguments need no pairs there (a
#: product of two floats is exact in double), double-word windows keep them (a
#: cancellation at 0 is deeper than double's 29 extra bits).
_IN_DOUBLE = CPrinter("float64", exact=False)


def in_double(expr, spec, ctype: str) -> str:
    """``expr`` evaluated in double from the ``ctype`` input and parameters, rounded once to
    ``ctype``: float arithmetic and libm's float functions would round every step in
    float (silu' 4.9 ULP at x = -0.8436), and products such as beta*x are exact in double
    (pitfall 17 has nothing to amplify)."""
    names = {X: sp.Symbol("((double)x)")}
    for p in spec.params:
        names[sp.Symbol(p.name, real=True)] = sp.Symbol(f"((double){p.name})")
    return f"({ctype})({_IN_DOUBLE.doprint(expr.xreplace(names))})"


class CBackend(Backend):
    name = "c"
    dtypes = DTYPES

    def outputs(self, library: str) -> dict[str, str]:
        return {f"{library}.h": "c/symact.h.j2", f"{library}.c": "c/symact.c.j2"}

    def runtime(self, kernels, only=None) -> list[dict]:
        """The runtime sections for ``kernels`` (or exactly the files in ``only``)."""
        vector = any(k.vector for k in kernels)
        sections = []
        for name, generic in FILES:
            if only is not None and name not in only:
                continue
            if only is None and name in _VECTOR_FILES and not vector:
                continue
            text = c_source(RUNTIME / name)
            for d in (self.dtypes if generic else (None,)):
                sections.append({
                    "file": name + (f" ({d.ctype})" if d else ""),
                    "prologue": _prologue(d) if d else "",
                    "text": text,
                    "epilogue": _epilogue(d) if d else "",
                })
        return sections

    def context(self, kernels, forms, library: str) -> dict:
        printers = {d.name: CPrinter(d.name) for d in self.dtypes}
        scalar = []
        for spec in kernels:
            if spec.vector:
                continue
            expr = prepare(forms[spec.name].stable)
            scalar.append({
                "name": spec.name,
                "summary": safe_comment(spec.description),
                "params": [{"name": p.name} for p in spec.params],
                "dtypes": [{
                    "T": d.ctype, "tag": d.tag, "S": d.settings["LM_SUFFIX"], "MAX": d.settings["MAX"],
                    "expr": (printers[d.name].doprint(expr) if d.name == "float64"
                             else in_double(expr, spec, d.ctype)),
                    "constraints": [printers[d.name].doprint(c) for c in spec.constraints],
                    "signature": _signature(spec, d),
                } for d in self.dtypes],
            })
        runtime = self.runtime(kernels)
        used = {m.group(1) for s in runtime for m in _CONST.finditer(s["text"])}
        declarations = [{"summary": safe_comment(spec.description),
                         "signatures": [_signature(spec, d) for d in self.dtypes]} for spec in kernels]
        return {
            "library": library,
            "header": f"{library}.h",
            "guard": f"{library.upper()}_H",
            "constants": constant_lines(used),
            "runtime": runtime,
            "kernels": scalar,
            "declarations": declarations,
            "has_vector": any(k.vector for k in kernels),
        }

    def standalone(self, files) -> str:
        """One C source with the runtime ``files`` (names from :data:`FILES`) and the
        constants they use, for testing parts of the runtime on their own."""
        sections = self.runtime((), only={"common.h", *files})
        used = {m.group(1) for s in sections for m in _CONST.finditer(s["text"])}
        parts = ["#include <float.h>", "#include <math.h>", "#include <stddef.h>",
                 "#include <stdint.h>", "#include <string.h>", "#define SYMACT_EINVAL 22",
                 *constant_lines(used)]
        for sec in sections:
            parts += [sec["prologue"], sec["text"], sec["epilogue"]]
        return "\n".join(p for p in parts if p) + "\n"

    def load(self, out_dir=None, kernels=None, library: str = "symact"):
        from symact.emit.c.loader import load
        return load(out_dir, kernels, library)

    def unavailable(self) -> str | None:
        from symact.emit.c.loader import compiler_found
        return None if compiler_found() else "no C compiler found ($CC or cc)"


BACKEND = CBackend()
