"""The compiled C kernels under the JAX layer: XLA custom calls on the CPU.

XLA fuses the kernels printed in jax.numpy, but they compute in float64 with
double-word parts where the values need them: under jit they take a median of 5.5
times JAX's own function (up to 120 times; docs/speed_frameworks.md).  ``use_c_library(path)``
binds the shared library compiled from this module's generated C with its XLA FFI
handlers (``symact.c_library(xla_ffi=True)`` compiles it and returns its path) and
registers them with ``jax.ffi``; from then on, while JAX's default backend is the CPU,
a kernel of float32 or float64 values whose parameters are scalars runs the C kernel of
its dtype as one custom call of the graph (``jax.ffi.ffi_call``: XLA's buffers, no
copies), eagerly and under jit, vmap and grad (a parameter batched by vmap is taken one
batch entry at a time).  The handlers clear XLA's flushing of subnormals for the call
(runtime/xla_ffi.h), so the results are the C library's, bit for bit.  The derivatives
are the C derivative kernels times the tangents, so ``jax.grad`` of an activation works,
but not a second derivative (a custom call has none: switch the library off for those).
Everything else (other backends, array parameters) takes the printed kernels, which
give the same values within the verify budget (both are measured by ``symact verify``).
``use_c_library(None)`` switches it off.
"""

import jax
import jax.numpy as jnp

from symact.emit.tensor.runtime.api import _c_open

#: the bound library (None: off), the kernels' addresses by C name, and the library
#: whose handlers are registered (kept loaded: XLA calls into it)
_C_LIB = {"lib": None, "fns": {}, "handlers": None}
_C_TAGS = {"float32": "f32", "float64": "f64"}


def use_c_library(path):
    """Run CPU float32 and float64 kernels through the C library at ``path`` (the shared
    library compiled from this module's generated C with its XLA FFI handlers:
    ``symact.c_library(xla_ffi=True)``); ``None`` switches back to the kernels printed in
    jax.numpy.  OSError if the file cannot be loaded; ValueError if it lacks one of this
    module's kernels (a library generated from other definitions) or the handlers."""
    if path is None:
        _C_LIB["lib"], _C_LIB["fns"] = None, {}
        return
    lib = _c_open(path, ("xla_scalar", "xla_rows"), " (compile it with symact.c_library(xla_ffi=True))")
    if _C_LIB["handlers"] is None:
        # the handlers are generic (each call passes its kernel's address), so one
        # registration serves every library bound later
        for target in ("xla_scalar", "xla_rows"):
            jax.ffi.register_ffi_target(f"symact_{target}", jax.ffi.pycapsule(getattr(lib, f"symact_{target}")),
                                        platform="cpu")
        _C_LIB["handlers"] = lib
    _C_LIB["lib"], _C_LIB["fns"] = lib, {}


def _c_usable(x, *others):
    """Whether x (and ``others``, scalars) may take the C library."""
    return (_C_LIB["lib"] is not None and str(x.dtype) in _C_TAGS and jax.default_backend() == "cpu"
            and all(jnp.ndim(p) == 0 for p in others))


def _c_address(name, dtype):
    """symact_<name>_<tag>'s address as two 32-bit words, the handlers' first operand (the
    address's bytes as the host stores it, which the handler copies back)."""
    words = _C_LIB["fns"].get((name, dtype))
    if words is None:
        import ctypes
        import struct
        address = ctypes.cast(getattr(_C_LIB["lib"], f"symact_{name}_{_C_TAGS[dtype]}"), ctypes.c_void_p).value
        words = _C_LIB["fns"][(name, dtype)] = struct.unpack("=2I", struct.pack("=Q", address))
    return jnp.asarray(words, dtype=jnp.uint32)


def _c_scalar(kernel, x, params):
    """kernel(x, *params) by the C library, an array of x's dtype; None where it does not
    apply."""
    if not _c_usable(x, *params):
        return None
    call = jax.ffi.ffi_call("symact_xla_scalar", jax.ShapeDtypeStruct(jnp.shape(x), x.dtype),
                            vmap_method="broadcast_all")
    return call(_c_address(kernel.__name__[len("_k_"):], str(x.dtype)), x,
                *[jnp.asarray(p, dtype=x.dtype) for p in params])


def _c_rows(kernel, x, axis, g, reduces):
    """A row kernel (``_vec_NAME``) along ``axis`` by the C library, an array of x's dtype;
    None where it does not apply (the printed path then also reports bad arguments)."""
    if not _c_usable(x) or x.ndim == 0 or isinstance(axis, bool) or not isinstance(axis, int):
        return None
    if not -x.ndim <= axis < x.ndim or x.shape[axis] == 0:
        return None
    if g is not None and (jnp.shape(g) != x.shape or jnp.asarray(g).dtype != x.dtype):
        return None
    moved = jnp.moveaxis(x, axis, -1)
    shape = moved.shape
    rows = [moved.reshape(-1, shape[-1])]
    if g is not None:
        rows.append(jnp.moveaxis(jnp.asarray(g), axis, -1).reshape(-1, shape[-1]))
    out = (rows[0].shape[0],) if reduces else rows[0].shape
    call = jax.ffi.ffi_call("symact_xla_rows", jax.ShapeDtypeStruct(out, x.dtype), vmap_method="broadcast_all")
    y = call(_c_address(kernel.__name__[len("_vec_"):], str(x.dtype)), *rows)
    return y.reshape(shape[:-1]) if reduces else jnp.moveaxis(y.reshape(shape), -1, axis)
