"""The C99 backend: ``<library>.h`` and ``<library>.c``, libm only, includable from C++.

Printer: :mod:`.printer` (SymPy's C99CodePrinter, float functions for float);
runtime: the files of ``runtime/`` (real C), copied into ``<library>.c``, the
type-generic ones once per dtype under the macros of :data:`DTYPES` (the primitives once
per precision, double and :data:`F32X`); loader:
:mod:`.loader` (compiles with the system C compiler, binds with ctypes).
"""

from __future__ import annotations

import re
from pathlib import Path

import sympy as sp

from symact.emit.backend import Backend, DType
from symact.emit.c.printer import CPrinter
from symact.emit.constants import load as load_constants
from symact.emit.literals import prepare
from symact.emit.printing import branches, safe_comment
from symact.emit.render import c_source
from symact.stabilise import primitives as P

RUNTIME = Path(__file__).with_name("runtime")

#: The dtypes, with the settings a type-generic runtime file reads (as SYMACT_<KEY>): the
#: libm suffix of the type (exp, expf), its largest finite value, and the exponentials
#: the vector kernels' fast path sums (a double-word for double; a double for float,
#: whose results round once to float) and whether the type is float (whose softmax and
#: log_softmax take plain double arithmetic, vector.h).
DTYPES = (
    DType("float64", "f64", "double", {"LM_SUFFIX": "", "MAX": "DBL_MAX",
                                       "VF_TERM": "symact__vf_term", "VF_FLOAT": "0"}),
    DType("float32", "f32", "float", {"LM_SUFFIX": "f", "MAX": "FLT_MAX",
                                      "VF_TERM": "symact__vf_term_plain",
                                      "VF_FLOAT": "1"}),
)

#: Runtime files in the order the generated source holds them, and how often each is
#: included: once (None), once per dtype ("dtypes": written once for both, under the
#: macros of :func:`_prologue`), or once per precision the kernels compute in
#: ("precisions": double, and double to float's precision, F32X).  The numerics are in
#: double; vector.h's entry points read and write either type.
FILES = (
    ("common.h", None),
    ("doubleword.h", None),
    ("elementary.h", None),
    ("primitives.h", "precisions"),
    ("precise.h", None),
    ("exact.h", None),
    ("vector_core.h", None),
    ("vector_exact.h", "dtypes"),
    ("vector_fast.h", None),
    ("vector.h", "dtypes"),
    # compiled only with SYMACT_XLA_FFI (symact.c_library(xla_ffi=True)): symact_jax's calls
    ("xla_ffi.h", None),
)
_VECTOR_FILES = ("vector_core.h", "vector_exact.h", "vector_fast.h", "vector.h")

_CONST = re.compile(r"\bsymact__c_(\w+?)(?:_HI|_LO)?\b")


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
            # a table of (hi, lo) pairs as two tables: a vectorised loop reads a column
            # with one gather, where gcc does not vectorise a loop over rows of pairs
            for part, col in (("HI", 0), ("LO", 1)):
                items = ",\n".join(f"    {_c_double(v[col])}" for v in values)
                out.append(f"static const double symact__c_{name}_{part}[{len(values)}] = {{\n{items}\n}};")
        else:
            items = ",\n".join(f"    {_c_double(v)}" for v in values)
            out.append(f"static const double symact__c_{name}[{len(values)}] = {{\n{items}\n}};")
        if "lo" in entry:
            out.append(f"static const double symact__c_{name}_LO = {_c_double(entry['lo'])};")
    return out


_ALGEBRAIC = (sp.Abs, sp.sign, sp.Piecewise, sp.Min, sp.Max, sp.Heaviside)

#: Float kernels with a transcendental function compute in double, calling the
#: primitives' ``_f32x`` versions: accurate to float's precision in double (cheaper where
#: a primitive has such a version, the double one itself elsewhere).  The runtime files
#: included for it see SYMACT_FLOAT_PRECISION defined.  Their limits at +-inf, where the
#: form gives nan there, are its values at +-FLT_MAX, the largest finite input of a float
#: kernel: at +-DBL_MAX the f32x primitives would leave float's range, which their
#: factors are assumed to keep (elementary.h).
F32X = DType("float64", "f32x", "double", dict(DTYPES[0].settings, FLOAT_PRECISION="1", MAX="FLT_MAX"))


def compute_dtype(expr, d: DType) -> DType:
    """The dtype a kernel of dtype ``d`` computes in: its own for a stable form of
    arithmetic alone; double (:data:`F32X`) for float32 as soon as a transcendental
    function or a primitive appears, since the double evaluation rounded once is within
    half an ULP of float, which float arithmetic over exp and log cannot promise, and
    costs no more in vectorised code than the float evaluation's extra work would."""
    if d.name == "float64" or is_arithmetic(expr):
        return d
    return F32X


def is_arithmetic(expr) -> bool:
    """Whether a stable form is arithmetic alone: +, -, *, /, integer powers, abs, sign,
    min, max and piecewise selections, no transcendental function or primitive."""
    return not any((isinstance(node, sp.Function) and not isinstance(node, _ALGEBRAIC)) or
                   (isinstance(node, sp.Pow) and not node.exp.is_Integer)
                   for node in sp.preorder_traversal(expr))


def _f32x_aliases(exprs, sections) -> list[str]:
    """``#define symact__<impl>_f32x symact__<impl>_f64`` for each primitive the float
    kernels computed in double call that has no float-precision version of its own
    (written out, or a ``SYMACT_FN(name)`` of a file included for F32X)."""
    from symact.stabilise.primitives import Primitive
    impls = sorted({f.impl for e in exprs for f in e.atoms(Primitive)} - {"shift"})
    text = "".join(s["text"] for s in sections)
    text += "".join(re.sub(r"SYMACT_FN\((\w+)\)", r"\1_f32x", s["text"]) for s in sections
                    if s["prologue"] == _prologue(F32X))
    return [f"#define symact__{i}_f32x symact__{i}_f64" for i in impls
            if f"symact__{i}_f32x(" not in text]


def _dtype_names(d: DType) -> dict:
    """The spellings a template needs to compute in ``d``: type, tag, libm suffix, the
    largest finite value, infinity."""
    return {"CT": d.ctype, "ctag": d.tag, "S": d.settings["LM_SUFFIX"], "MAX": d.settings["MAX"],
            "HUGE": "HUGE_VAL" if d.name == "float64" else "HUGE_VALF",
            "SEL": "symact__sel" if d.name == "float64" else "symact__sel_f32"}


def _windows(expr):
    """``(outside, condition)`` for a stable form with double-word windows (top-level
    Piecewise branches ``dw_eval(B)``, symact/stabilise/windows.py): the form without
    those branches (equal to it outside the windows) and the disjunction of their
    conditions (true on every input a window takes; nan and +-inf lie outside); None
    without windows."""
    if isinstance(expr, P.at_infinity):
        inner = _windows(expr.args[0])
        return None if inner is None else (expr.func(inner[0], *expr.args[1:]), inner[1])
    if not isinstance(expr, sp.Piecewise) or not any(isinstance(e, P.dw_eval) for e, _ in expr.args):
        return None
    rest = [(e, c) for e, c in expr.args if not isinstance(e, P.dw_eval)]
    outside = sp.Piecewise(*rest, evaluate=False) if len(rest) > 1 or rest[0][1] is not sp.true else rest[0][0]
    return outside, sp.Or(*[c for e, c in expr.args if isinstance(e, P.dw_eval)])


def _variant(printer, d: DType, expr) -> dict:
    lets, text = printer.doprint_shared(expr)
    # IO: the type the kernel loop reads and writes (float for a float kernel computed in
    # double: each entry is widened and rounded in the loop, so no buffer pass is needed)
    # (IOS: libm's suffix for it; MAX is the IO type's largest finite value in every case)
    out = dict(_dtype_names(d), IO="float" if d is F32X else d.ctype, expr=text,
               lets=[{"name": n, "expr": e} for n, e in lets])
    out["IOS"] = "f" if out["IO"] == "float" else ""
    split = _windows(expr) if printer.windows else None
    # a form of arithmetic alone is bound by memory, not by its operations: its loop
    # folds nan and +-inf in by selects in its one pass (a second, flagging pass over each
    # block costs it a third of its time), where a transcendental form's loop flags them
    # first (two selects per entry cost 10-20% of a float sigmoid)
    out["one_pass"] = split is None and is_arithmetic(expr)
    if split is not None:
        # the loop evaluates the form outside the windows everywhere (vectorised) and the
        # whole form, pairs and all, only on the entries a window takes, gathered a block
        # at a time: a double-word window costs ten to thirty times the plain form
        fast_lets, fast = printer.doprint_shared(split[0])
        out["fast"] = {"expr": fast, "lets": [{"name": n, "expr": e} for n, e in fast_lets]}
        out["window"] = printer.doprint(split[1])
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


class CBackend(Backend):
    name = "c"
    dtypes = DTYPES

    def outputs(self, library: str) -> dict[str, str]:
        # <library>.cmake defines the CMake target (include() it, or add_subdirectory() the
        # catalogue's folder, whose CMakeLists.txt includes it): names that never collide
        # with another library's, so `symact new` output can sit beside the catalogue's
        out = {f"{library}.h": "c/symact.h.j2", f"{library}.c": "c/symact.c.j2",
               f"{library}.cmake": "c/library.cmake.j2"}
        if library == "symact":
            out["CMakeLists.txt"] = "c/CMakeLists.txt.j2"
        return out

    def runtime(self, kernels, only=None) -> list[dict]:
        """The runtime sections for ``kernels`` (or exactly the files in ``only``)."""
        vector = any(k.vector for k in kernels)
        sections = []
        for name, copies in FILES:
            if only is not None and name not in only:
                continue
            if only is None and name in _VECTOR_FILES and not vector:
                continue
            text = c_source(RUNTIME / name)
            for d in {None: (None,), "dtypes": self.dtypes, "precisions": (DTYPES[0], F32X)}[copies]:
                sections.append({
                    "file": name + (f" ({d.ctype})" if d else ""),
                    "prologue": _prologue(d) if d else "",
                    "text": text,
                    "epilogue": _epilogue(d) if d else "",
                })
        return sections

    def context(self, kernels, forms, library: str) -> dict:
        # float kernels computed in double need no pairs for rounded arguments (a product of
        # two floats is exact in double); double-word windows stay (a cancellation at 0 is
        # deeper than double's 29 extra bits)
        printers = {d.tag: CPrinter(d.name, prim_tag=d.tag, exact=False if d is F32X else None)
                    for d in (*self.dtypes, F32X)}
        scalar, f32x = [], []
        for spec in kernels:
            if spec.vector:
                continue
            form = forms[spec.name]
            expr = prepare(form.stable)
            # float kernels computed in double take the form whose windows are float's
            floated = expr if form.stable_float is None else prepare(form.stable_float)
            compute = {d.name: compute_dtype(expr, d) for d in self.dtypes}
            variants = [d for d in (*self.dtypes, F32X) if d in compute.values()]
            if F32X in variants:
                f32x.append(floated)
            scalar.append({
                "name": spec.name,
                "summary": safe_comment(spec.description),
                "params": [{"name": p.name} for p in spec.params],
                # the stable form, printed once per dtype it is computed in
                # (calls that occur more than once evaluated once, into locals)
                "variants": [_variant(printers[d.tag], d, floated if d is F32X else expr) for d in variants],
                # the entry points, one per dtype: read T, compute in CT, write T
                "dtypes": [dict(_dtype_names(compute[d.name]), T=d.ctype, tag=d.tag,
                                constraints=[printers[d.tag].doprint(c) for c in spec.constraints],
                                signature=_signature(spec, d)) for d in self.dtypes],
            })
        runtime = self.runtime(kernels)
        used = {m.group(1) for s in runtime for m in _CONST.finditer(s["text"])}
        aliases = _f32x_aliases(f32x, runtime)
        from symact import __version__
        from symact.emit.c import docs
        from symact.verify import record
        recorded = record.load()
        declarations = [{"summary": safe_comment(spec.description),
                         "doc": docs.lines(library, spec, None if spec.vector else forms[spec.name],
                                           recorded, self.dtypes),
                         "signatures": [_signature(spec, d) for d in self.dtypes]} for spec in kernels]
        return {
            "version": __version__,
            "version_macro": f"{library.upper()}_VERSION",
            "version_parts": [int(re.match(r"\d*", v).group() or 0) for v in (__version__.split(".") + ["0"] * 3)[:3]],
            "defaults": docs.defaults(library, kernels),
            "library": library,
            "header": f"{library}.h",
            "guard": f"{library.upper()}_H",
            "constants": constant_lines(used),
            "runtime": runtime,
            "kernels": scalar,
            "f32x_aliases": aliases,
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
