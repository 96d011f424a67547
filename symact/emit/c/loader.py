"""Compile the generated C and load it with ctypes, with symact_numpy's Python API.

``load(source_dir=None, kernels=None, library="symact") -> module-like object``:
``<library>.c``/``<library>.h`` from ``source_dir`` (default: the generated
sources shipped with symact) are compiled with the system C compiler (``$CC``
or ``cc``; ``-O2 -std=c99 -fPIC -shared``, never ``-ffast-math``,
docs/numerics.md pitfall 15) into a cache directory keyed by
the sha256 of the sources and the command (``$XDG_CACHE_HOME/symact`` or
``~/.cache/symact``).  Two processes building at once are safe: each compiles to
its own temporary file and renames it into place.

The object has the same functions and signatures as ``symact_numpy``: scalar
``NAME(x, *, params)``, ``NAME_grad``, ``NAME_grad_<p>`` (float32 stays float32,
anything else becomes float64; 0-d in, 0-d out; ValueError naming the
constraint), and the vector kernels along an axis (moved to the end and made
contiguous for the row-major C kernels).
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shlex
import shutil
import subprocess
import tempfile
import types
from pathlib import Path

import numpy as np

from symact.emit.resources import generated_dir

FLAGS = ("-O2", "-std=c99", "-fPIC", "-shared")

_EINVAL = 22


class BuildError(RuntimeError):
    """The C compiler failed (its output is in the message)."""


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "symact"


def _compiler() -> list[str]:
    return shlex.split(os.environ.get("CC", "cc"))


def compiler_found() -> bool:
    """Whether ``$CC`` (or ``cc``) is on PATH."""
    cc = _compiler()
    return bool(cc) and shutil.which(cc[0]) is not None


def build(source_dir=None, library: str = "symact") -> Path:
    """The path of the shared library for ``source_dir``'s sources, compiling if needed."""
    src = Path(source_dir) if source_dir is not None else generated_dir()
    c_file, h_file = src / f"{library}.c", src / f"{library}.h"
    cmd = _compiler() + list(FLAGS)
    h = hashlib.sha256()
    for part in (c_file.read_bytes(), h_file.read_bytes(), " ".join(cmd).encode()):
        h.update(part)
        h.update(b"\0")
    out_dir = cache_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    lib = out_dir / f"{library}-{h.hexdigest()[:32]}.so"
    if lib.is_file():
        return lib
    fd, tmp = tempfile.mkstemp(prefix=lib.name + ".", suffix=".tmp", dir=out_dir)
    os.close(fd)
    try:
        proc = subprocess.run(cmd + ["-I", str(src), "-o", tmp, str(c_file), "-lm"],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise BuildError(f"{' '.join(cmd)} failed:\n{proc.stderr}")
        os.replace(tmp, lib)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return lib


def _asfloat(x):
    a = np.asarray(x)
    if a.dtype == np.float32 or a.dtype == np.float64:
        return a
    if a.dtype.kind in "biuf":
        return a.astype(np.float64)
    raise TypeError(f"expected real numbers, got an array of dtype {a.dtype}")


_CT = {np.float64: (ctypes.c_double, "f64"), np.float32: (ctypes.c_float, "f32")}


def _scalar_kernel(lib, name: str, params: list[str], defaults: dict, constraints: list[str]):
    fns = {}
    for dt, (ct, tag) in _CT.items():
        fn = getattr(lib, f"symact_{name}_{tag}")
        fn.restype = ctypes.c_int
        fn.argtypes = [ctypes.c_size_t, ctypes.c_void_p, ctypes.c_void_p] + [ct] * len(params)
        fns[dt] = fn

    def kernel(x, **kw):
        unknown = set(kw) - set(params)
        if unknown:
            raise TypeError(f"{name}() got an unexpected keyword argument {sorted(unknown)[0]!r}")
        values = []
        for p in params:
            v = kw.get(p, defaults[p])
            try:
                v = float(v)
            except (TypeError, ValueError):
                raise ValueError(f"{name}: parameter {p} must be a real number, got {v!r}") from None
            if not np.isfinite(v):
                raise ValueError(f"{name}: parameter {p} must be finite, got {v!r}")
            values.append(v)
        a = _asfloat(x)
        xs = np.ascontiguousarray(a).reshape(-1)
        y = np.empty_like(xs)
        rc = fns[a.dtype.type](xs.size, xs.ctypes.data, y.ctypes.data, *values)
        if rc == _EINVAL:
            shown = ", ".join(f"{p}={v!r}" for p, v in zip(params, values))
            raise ValueError(f"{name}: parameter constraint {' and '.join(constraints)} "
                             f"is violated ({shown})")
        if rc != 0:
            raise RuntimeError(f"symact_{name} returned {rc}")
        return y.reshape(a.shape)

    kernel.__name__ = name
    kernel.__qualname__ = name
    kernel.__doc__ = f"{name}(x, *, {', '.join(f'{p}={defaults[p]!r}' for p in params)}) via the C kernel"
    return kernel


def _rows(x, axis):
    a = _asfloat(x)
    if a.ndim == 0:
        raise ValueError("vector activations need at least one axis")
    moved = np.moveaxis(a, axis, -1)
    c = np.ascontiguousarray(moved)
    cols = c.shape[-1]
    rows = c.size // cols if cols else int(np.prod(c.shape[:-1]))
    return a, c, rows, cols


def _vector_kernel(lib, name: str, with_g: bool, reduces: bool):
    fns = {}
    for dt, (_, tag) in _CT.items():
        fn = getattr(lib, f"symact_{name}_{tag}")
        fn.restype = ctypes.c_int
        fn.argtypes = [ctypes.c_size_t, ctypes.c_size_t] + [ctypes.c_void_p] * (3 if with_g else 2)
        fns[dt] = fn

    def call(a, c, rows, cols, axis, extra):
        out_shape = c.shape[:-1] if reduces else c.shape
        y = np.empty(out_shape, dtype=c.dtype)
        ptrs = [c.ctypes.data] + [e.ctypes.data for e in extra] + [y.ctypes.data]
        rc = fns[c.dtype.type](rows, cols, *ptrs)
        if rc != 0:
            raise RuntimeError(f"symact_{name} returned {rc}")
        return y if reduces else np.moveaxis(y, -1, axis)

    if with_g:
        def kernel(x, g, axis=-1):
            a, c, rows, cols = _rows(x, axis)
            gg = np.ascontiguousarray(np.moveaxis(np.asarray(g, dtype=c.dtype), axis, -1))
            if gg.shape != c.shape:
                raise ValueError(f"{name}: g has shape {np.shape(g)}, x has {a.shape}")
            return call(a, c, rows, cols, axis, [gg])
    else:
        def kernel(x, axis=-1):
            a, c, rows, cols = _rows(x, axis)
            return call(a, c, rows, cols, axis, [])
    kernel.__name__ = name
    kernel.__qualname__ = name
    return kernel


def load(source_dir=None, kernels=None, library: str = "symact"):
    """The compiled kernels of ``source_dir`` (default: shipped generated sources), one
    Python function per :class:`~symact.derive.kernels.KernelSpec` of ``kernels``
    (default: the catalogue's)."""
    if kernels is None:
        from symact.define.catalogue import ENTRIES
        from symact.derive.kernels import kernel_specs
        kernels = kernel_specs(ENTRIES)
    src = Path(source_dir) if source_dir is not None else generated_dir()
    lib = ctypes.CDLL(str(build(src, library)))
    mod = types.SimpleNamespace(__file__=str(src / f"{library}.c"), library=lib)
    for spec in kernels:
        if spec.vector:
            fn = _vector_kernel(lib, spec.name, spec.takes_g, spec.reduces)
        else:
            fn = _scalar_kernel(lib, spec.name, list(spec.param_names), spec.defaults,
                                [str(c) for c in spec.constraints])
        setattr(mod, spec.name, fn)
    mod.__all__ = [spec.name for spec in kernels]
    return mod
