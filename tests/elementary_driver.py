"""Array loops over the C elementary functions (runtime/elementary.h), compiled and
called through ctypes: what tests/test_runtime_elementary.py verifies and
benchmarks/elementary.py times (so the benchmark times the loops the tests verify).

``driver_source()`` is the runtime on its own (``BACKEND.standalone``) plus one loop per
function and dtype: ``loop_NAME_TAG(n, x, y)`` with y[i] = symact__elem_NAME_TAG(x[i]),
``loop_exp_dd_TAG(n, hi, lo, y)`` and ``loop_exp2dd_f64(n, hi, lo, y_hi, y_lo)``; TAG is
f64, f32, or f32x (double in and out, float's precision: what float kernels computed in
double call; ``Lib(...)(name, x, tag="f32x")``).
``build(cc, flags, path)`` compiles it into a shared library (strict warnings: any
warning fails); ``Lib(path)(name, x, *more)`` calls a loop on NumPy arrays.
"""

from __future__ import annotations

import ctypes
import subprocess

import numpy as np

from symact.emit.c import BACKEND

FUNCS = ("exp", "expm1", "log", "log1p", "erfc", "tanh")
#: f32x functions for a part of the range only, which their callers keep to: name, the C
#: function, the domain
F32X_PARTIAL = {"log1p_unit": ("symact__elem_log1p_unit_f32x", 0.0, 1.0),
                "expm1_mid": ("symact__el_expm1_mid_x", -40.0, 41.0)}
TYPES = {np.float64: ("double", "f64"), np.float32: ("float", "f32")}
#: the tags a loop exists for: each dtype's own, and f32x (double)
TAGS = (("double", "f64"), ("float", "f32"), ("double", "f32x"))
STRICT = ["-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror"]


def _loop(name, args, body) -> str:
    """void name(size_t n, pointer args...) looping body over i < n"""
    params = ", ".join(f"{ty} *restrict {a}" for ty, a in args)
    return f"void {name}(size_t n, {params})\n{{\n    size_t i;\n    for (i = 0; i < n; ++i){body}\n}}\n"


def driver_source() -> str:
    loops = []
    for t, tag in TAGS:
        for f in FUNCS:
            loops.append(_loop(f"loop_{f}_{tag}", [(f"const {t}", "x"), (t, "y")],
                               f"\n        y[i] = symact__elem_{f}_{tag}(x[i]);"))
        loops.append(_loop(f"loop_exp_dd_{tag}", [(f"const {t}", "x"), (f"const {t}", "l"), (t, "y")],
                           f"\n        y[i] = symact__elem_exp_dd_{tag}(x[i], l[i]);"))
    for f, (fn, _, _) in F32X_PARTIAL.items():
        loops.append(_loop(f"loop_{f}_f32x", [("const double", "x"), ("double", "y")], f"\n        y[i] = {fn}(x[i]);"))
    loops.append(_loop("loop_exp2dd_f64",
                       [("const double", "x"), ("const double", "l"), ("double", "y"), ("double", "z")],
                       " {\n        symact__dd r = symact__elem_exp2dd_f64(x[i], l[i]);\n"
                       "        y[i] = r.hi;\n        z[i] = r.lo;\n    }"))
    protos = [loop.split("\n")[0] + ";" for loop in loops]
    return BACKEND.standalone(["doubleword.h", "elementary.h"]) + "\n".join(protos) + "\n\n" + "\n".join(loops)


def build(cc, flags, out, source=None):
    """Compile the driver (or ``source``) with ``cc`` and ``flags`` into the shared library
    ``out`` (a Path); AssertionError with the compiler's output on any warning or error."""
    src = out.with_suffix(".c")
    src.write_text(source if source is not None else driver_source())
    proc = subprocess.run([*cc, *STRICT, *flags, "-fPIC", "-shared", "-o", str(out), str(src), "-lm"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[:4000]
    return out


class Lib:
    """ctypes calls of the driver's loops on NumPy arrays."""

    def __init__(self, path):
        self.dll = ctypes.CDLL(str(path))

    def __call__(self, name, x, *more, tag=None):
        x = np.ascontiguousarray(x)
        outs = [np.empty_like(x) for _ in range(2 if name == "exp2dd" else 1)]
        self.into(name, x, *more, *outs, tag=tag)
        return outs[0] if len(outs) == 1 else tuple(outs)

    def into(self, name, x, *arrays, tag=None):
        """The loop on contiguous arrays of x's dtype (inputs then outputs), no allocation;
        ``tag`` the loop's (default: x's dtype's; "f32x" takes double)."""
        tag = tag or TYPES[x.dtype.type][1]
        assert TYPES[x.dtype.type][0] == dict((g, c) for c, g in TAGS)[tag], (tag, x.dtype)
        getattr(self.dll, f"loop_{name}_{tag}")(ctypes.c_size_t(x.size),
                                                 *[a.ctypes.data_as(ctypes.c_void_p) for a in (x, *arrays)])
