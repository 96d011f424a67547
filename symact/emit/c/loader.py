"""Compile the generated C and load it with ctypes, with symact_numpy's Python API.

``load(source_dir=None, kernels=None, library="symact") -> module-like object``:
``<library>.c``/``<library>.h`` from ``source_dir`` (default: the generated
sources shipped with symact) are compiled with the system C compiler (``$CC``
or ``cc``) with :func:`compile_flags` (``-O3 -fno-math-errno`` and the machine's
own instruction set, ``-march=native``, where the compiler takes it; never
``-ffast-math``, docs/numerics.md pitfall 15; ``$SYMACT_CFLAGS`` replaces the
optimisation flags) into a cache directory keyed by the sha256 of the sources,
the command and the compiler's target (``$XDG_CACHE_HOME/symact`` or
``~/.cache/symact``, which may be shared by machines of different CPUs).  Two processes building at once are safe: each compiles to
its own temporary file and renames it into place.

The object has the same functions and signatures as ``symact_numpy``, with the
same front end (the NumPy runtime's ``api`` and ``vector`` modules): scalar
``NAME(x, *, params, out=None)``, ``NAME_grad``, ``NAME_grad_<p>`` (dtypes,
broadcasting parameters checked entry by entry, ``out=``; float32 runs the
float32 C kernels, float64 and float16 the float64 ones), and the vector kernels
along an axis, a tuple of axes or all of them (moved last and made contiguous for
the row-major C kernels).
"""

from __future__ import annotations

import ctypes
import hashlib
import inspect
import os
import shlex
import shutil
import subprocess
import tempfile
import types
from pathlib import Path

import numpy as np
import sympy as sp

from symact.emit.numpy.runtime import api as _api
from symact.emit.numpy.runtime import vector as _vec
from symact.emit.resources import generated_dir

#: always: the language and a shared library
BASE_FLAGS = ("-std=c99", "-fPIC", "-shared")
#: the optimisation: the kernel loops vectorise at -O3; the generated code never reads
#: errno, and a sqrt that may set it is a call that stops vectorisation
OPT_FLAGS = ("-O3", "-fno-math-errno")

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


def _target(cc, flags) -> str:
    """The compiler's predefined macros under ``flags`` (they name the instruction set),
    or "" where it cannot be asked."""
    try:
        proc = subprocess.run([*cc, *flags, "-E", "-dM", "-x", "c", os.devnull],
                              capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return ""
    return proc.stdout if proc.returncode == 0 else ""


def native_flags(cc=None) -> list[str]:
    """``-march=native`` where the compiler takes it (the kernels then use the machine's
    vector width and FMA), plus ``-mprefer-vector-width=512`` on AVX-512 machines (gcc
    prefers 256-bit vectors there by default; the elementary functions run about 25%
    faster in 512); [] where the compiler refuses ``-march=native``."""
    cc = cc or _compiler()
    macros = _target(cc, ["-march=native"])
    if not macros:
        return []
    out = ["-march=native"]
    if "__AVX512F__" in macros and _target(cc, ["-march=native", "-mprefer-vector-width=512"]):
        out.append("-mprefer-vector-width=512")
    return out


def compile_flags(cc=None) -> list[str]:
    """The flags :func:`build` compiles with: ``$SYMACT_CFLAGS`` (split as a shell would)
    when set, else :data:`OPT_FLAGS` and :func:`native_flags`; then :data:`BASE_FLAGS`."""
    env = os.environ.get("SYMACT_CFLAGS")
    opt = shlex.split(env) if env is not None else [*OPT_FLAGS, *native_flags(cc)]
    return [*opt, *BASE_FLAGS]


def xla_ffi_flags() -> list[str]:
    """The flags that compile the XLA FFI handlers into the library (runtime/xla_ffi.h):
    XLA's C API header from the installed jaxlib, which needs C11 (it repeats typedefs)."""
    try:
        import jax.ffi
    except ImportError as e:
        raise BuildError(f"the XLA FFI handlers need jax installed (pip install '.[jax]'): {e}") from None
    return ["-std=c11", "-DSYMACT_XLA_FFI", "-I", jax.ffi.include_dir()]


def build(source_dir=None, library: str = "symact", flags=None, *, xla_ffi: bool = False) -> Path:
    """The path of the shared library for ``source_dir``'s sources, compiling if needed
    (with ``flags``, default :func:`compile_flags`); ``xla_ffi``: with the handlers
    symact_jax's ``use_c_library`` registers (:func:`xla_ffi_flags`)."""
    src = Path(source_dir) if source_dir is not None else generated_dir()
    c_file, h_file = src / f"{library}.c", src / f"{library}.h"
    cc = _compiler()
    cmd = cc + (list(flags) if flags is not None else compile_flags(cc)) + (xla_ffi_flags() if xla_ffi else [])
    h = hashlib.sha256()
    for part in (c_file.read_bytes(), h_file.read_bytes(), " ".join(cmd).encode(), _target(cc, cmd[len(cc):]).encode()):
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


_CT = {np.dtype(np.float64): (ctypes.c_double, "f64"), np.dtype(np.float32): (ctypes.c_float, "f32")}


def _work(dtype):
    """The C kernels' dtype for a result dtype: the float32 kernels for float32, the
    float64 ones otherwise (float16 is computed in float64 and rounded once)."""
    return np.dtype(np.float32) if dtype == np.float32 else np.dtype(np.float64)


def _bind(lib, name: str, argtypes) -> dict:
    fns = {}
    for dt, (ct, tag) in _CT.items():
        fn = getattr(lib, f"symact_{name}_{tag}")
        fn.restype = ctypes.c_int
        fn.argtypes = argtypes(ct)
        fns[dt] = fn
    return fns


def _call(name, fn, x, values):
    y = np.empty_like(x)
    rc = fn(x.size, x.ctypes.data, y.ctypes.data, *values)
    if rc == _EINVAL:  # the parameters were checked before: not reached for valid input
        raise ValueError(f"{name}: parameter constraint violated ({values!r})")
    if rc != 0:
        raise RuntimeError(f"symact_{name} returned {rc}")
    return y


def _c_block(name, fns, xb, params):
    """The C kernel on one block; array parameters: one call per distinct value (tuple)."""
    xb = np.ascontiguousarray(xb)
    fn = fns[xb.dtype]
    if not any(isinstance(p, np.ndarray) for p in params):
        return _call(name, fn, xb, params)
    cols = np.stack([np.broadcast_to(p, xb.shape) for p in params])
    uniq, inv = np.unique(cols, axis=1, return_inverse=True)
    inv = inv.reshape(-1)
    order = np.argsort(inv, kind="stable")
    bounds = np.searchsorted(inv[order], np.arange(uniq.shape[1] + 1))
    y = np.empty_like(xb)
    for j in range(uniq.shape[1]):
        idx = order[bounds[j]:bounds[j + 1]]
        y[idx] = _call(name, fn, np.ascontiguousarray(xb[idx]), [float(v) for v in uniq[:, j]])
    return y


def _signature(params: list[str], defaults: dict) -> inspect.Signature:
    kw = inspect.Parameter.KEYWORD_ONLY
    return inspect.Signature(
        [inspect.Parameter("x", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [inspect.Parameter(p, kw, default=defaults[p]) for p in params]
        + [inspect.Parameter("out", kw, default=None)])


def _scalar_kernel(lib, name: str, params: list[str], defaults: dict, constraints: list):
    """``NAME(x, *, params, out=None)``: symact_numpy's front end (dtypes, broadcasting
    parameters checked entry by entry, out=) around the C kernel of the block's dtype."""
    fns = _bind(lib, name, lambda ct: [ctypes.c_size_t, ctypes.c_void_p, ctypes.c_void_p] + [ct] * len(params))
    symbols = [sp.Symbol(p, real=True) for p in params]
    checks = tuple((str(c), sp.lambdify(symbols, c, modules="numpy")) for c in constraints)
    sig = _signature(params, defaults)

    def kernel(x, *, out=None, **kw):
        unknown = set(kw) - set(params)
        if unknown:
            raise TypeError(f"{name}() got an unexpected keyword argument {sorted(unknown)[0]!r}")
        given = [(p, kw.get(p, defaults[p])) for p in params]
        a, dtype, values, dest, has_out = _api._prepare(name, x, out, given, checks)
        _api._elementwise(lambda xb, *pb: _c_block(name, fns, xb, pb), a, values, dest, _work(dtype), dtype)
        return dest if has_out or dest.ndim else dest[()]

    kernel.__name__ = kernel.__qualname__ = name
    kernel.__signature__ = sig
    kernel.__doc__ = f"{name}{sig} via the C kernel (see symact_numpy.{name})"
    return kernel


def _rows_core(name, fns, extra: int, reduces: bool):
    """The C kernel on contiguous rows (r, n) of its dtype (and as many cotangent rows)."""
    def core(rows, *others):
        r, n = rows.shape
        y = np.empty(r if reduces else (r, n), dtype=rows.dtype)
        ptrs = [rows.ctypes.data] + [np.ascontiguousarray(o, dtype=rows.dtype).ctypes.data for o in others]
        rc = fns[rows.dtype](r, n, *ptrs, y.ctypes.data)
        if rc != 0:
            raise RuntimeError(f"symact_{name} returned {rc}")
        return y
    return core


def _vector_kernel(lib, name: str, with_g: bool, reduces: bool):
    """The vector kernel with symact_numpy's front end (axis forms, keepdims, out=, and
    logsumexp's b= and return_sign: weighted rows use the NumPy runtime, the C kernels
    take no weights)."""
    fns = _bind(lib, name, lambda ct: [ctypes.c_size_t, ctypes.c_size_t] + [ctypes.c_void_p] * (3 if with_g else 2))
    core = _rows_core(name, fns, int(with_g), reduces)
    if reduces:
        def kernel(x, axis=-1, *, b=None, keepdims=False, return_sign=False, out=None):
            return _vec._vec_lse(name, x, axis, b, keepdims, return_sign, out, core, _work)
    elif with_g:
        def kernel(x, g, axis=-1, *, out=None):
            return _vec._vec_rowwise_g(name, core, x, g, axis, out, _work)
    else:
        def kernel(x, axis=-1, *, out=None):
            return _vec._vec_rowwise(name, core, x, axis, out, _work)
    kernel.__name__ = kernel.__qualname__ = name
    kernel.__doc__ = f"{name}{inspect.signature(kernel)} via the C kernel (see symact_numpy.{name})"
    return kernel


def load(source_dir=None, kernels=None, library: str = "symact", flags=None):
    """The compiled kernels of ``source_dir`` (default: shipped generated sources), one
    Python function per :class:`~symact.derive.kernels.KernelSpec` of ``kernels``
    (default: the catalogue's), built with ``flags`` (default :func:`compile_flags`)."""
    if kernels is None:
        from symact.define.catalogue import ENTRIES
        from symact.derive.kernels import kernel_specs
        kernels = kernel_specs(ENTRIES)
    src = Path(source_dir) if source_dir is not None else generated_dir()
    lib = ctypes.CDLL(str(build(src, library, flags)))
    mod = types.SimpleNamespace(__file__=str(src / f"{library}.c"), library=lib)
    for spec in kernels:
        if spec.vector:
            fn = _vector_kernel(lib, spec.name, spec.takes_g, spec.reduces)
        else:
            fn = _scalar_kernel(lib, spec.name, list(spec.param_names), spec.defaults,
                                list(spec.constraints))
        setattr(mod, spec.name, fn)
    mod.__all__ = [spec.name for spec in kernels]
    return mod
