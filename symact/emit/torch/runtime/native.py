"""The compiled C kernels under the torch layer: CPU tensors at the C library's speed.

Printed in torch's operations, a kernel makes one pass over memory per operation, each
in float64: eager torch takes a median of 16 times the framework's own function (up to
280 times; docs/speed_frameworks.md), whatever the printing (one operation on 1e6
float64 entries costs 0.3 to 4 ms on one thread, torch's whole float32 sigmoid 0.4
ms).  The C kernels of the same stable forms are one vectorised loop.
``use_c_library(path)`` binds the shared library compiled from this module's generated
C (``symact.c_library()`` compiles it and returns its path); from then on a kernel runs
the C kernel of its dtype where

- the input is a float32 or float64 CPU tensor (made contiguous unless it is channels
  last, whose layout the result keeps) and every parameter is a number, and
- no autograd graph is being recorded through it: not on an input that requires grad
  while grad mode is on (the printed kernels are differentiable, the C call is not: a
  derivative kernel called on a leaf that requires grad, or a backward with
  create_graph=True, stays printed).

The calls are custom operators (``torch.ops.<module>.c_scalar`` and ``.c_rows``), so
torch.compile records them in its graph as they are, and a compiled function gives
the same bits as eagerly.  Everything else (float16, bfloat16, other devices, tensor
parameters) takes the printed kernels.  Both are measured by ``symact verify`` (the C
and torch backends), so the switch changes values only within the verify budget.  The
backward's product g*d is then formed in the input's dtype (one rounding more than the
printed float64 product for float32 inputs; a parameter that needs a gradient is a
tensor, whose kernels stay printed).  ``use_c_library(None)`` switches it off.

Large inputs are split into ``torch.get_num_threads()`` runs of entries (rows for the
vector kernels), one C call each on a thread pool: ctypes releases the GIL during the
call, and an entry's value does not depend on the run it is in (the C loops' blocks
are independent), so the result has the same bits whatever the number of threads.
"""

from concurrent.futures import ThreadPoolExecutor

import torch

from symact.emit.tensor.runtime.api import _c_open

#: the bound library (None: off), its functions by (C name, dtype), the thread pool and
#: its number of threads, the custom operators
_C_LIB = {"lib": None, "fns": {}, "pool": None, "ops": None}
#: Entries (scalar kernels) or entries in rows (vector kernels) per thread at least: below
#: a run of this size a thread costs more than it saves.
_C_GRAIN = 1 << 16
_C_TAGS = {torch.float32: "f32", torch.float64: "f64"}


def use_c_library(path):
    """Run CPU float32 and float64 kernels through the C library at ``path`` (the
    shared library compiled from this module's generated C: ``symact.c_library()``);
    ``None`` switches back to the kernels printed in torch's operations.  OSError if the
    file cannot be loaded; ValueError if it lacks one of this module's kernels (a library
    generated from other definitions)."""
    if path is None:
        _C_LIB["lib"], _C_LIB["fns"] = None, {}
        return
    _C_LIB["lib"], _C_LIB["fns"] = _c_open(path), {}
    _c_ops()


def _c_usable(x):
    """Whether x may take the C library (see the module docstring)."""
    return (_C_LIB["lib"] is not None and x.dtype in _C_TAGS and x.device.type == "cpu"
            and not (x.requires_grad and torch.is_grad_enabled()))


def _c_function(name, dtype, args):
    """The C function symact_<name>_<tag> with ``args`` (ctypes types) before its
    parameters, bound once per dtype."""
    key = (name, dtype)  # the kernel's name fixes its arguments
    fn = _C_LIB["fns"].get(key)
    if fn is None:
        import ctypes
        if _C_LIB["lib"] is None:  # a compiled graph holding the operators, run after unbinding
            raise RuntimeError("symact_torch: no C library is bound (use_c_library)")
        fn = getattr(_C_LIB["lib"], f"symact_{name}_{_C_TAGS[dtype]}")
        fn.restype = ctypes.c_int
        fn.argtypes = args
        _C_LIB["fns"][key] = fn
    return fn


def _c_check(name, rc, params):
    if rc == 22:  # EINVAL: the parameters are checked before; not reached for valid input
        raise ValueError(f"{name}: parameter constraint violated ({params!r})")
    if rc != 0:
        raise RuntimeError(f"symact_{name} returned {rc}")


def _c_runs(count, per, call):
    """call(start, stop) over [0, count) in runs of whole items (an item: ``per``
    entries), one per thread where there are enough entries; the return codes."""
    runs = max(1, min(torch.get_num_threads(), count * per // _C_GRAIN))
    if runs == 1:
        return [call(0, count)]
    pool, size = _C_LIB["pool"] or (None, 0)
    if size < runs:
        if pool is not None:
            pool.shutdown(wait=False)
        pool = ThreadPoolExecutor(runs, thread_name_prefix="symact")
        _C_LIB["pool"] = (pool, runs)
    bounds = [count * i // runs for i in range(runs + 1)]
    return list(pool.map(call, bounds[:-1], bounds[1:]))


def _scalar_layout(x):
    """(the input the C kernel reads, its output): contiguous, or both channels last (dense
    too: the memory in order), as torch's elementwise operations keep that layout."""
    last = x.dim() in (4, 5) and not x.is_contiguous() and x.is_contiguous(
        memory_format=torch.channels_last if x.dim() == 4 else torch.channels_last_3d)
    xc = x if last else x.contiguous()
    return xc, torch.empty_like(xc)


def _rows_layout(x, dim, reduces):
    """(the rows of x along dim, the output's rows, the output): x moved to (rows, cols)."""
    moved = torch.movedim(x, dim, -1)
    shape = moved.shape
    rows = moved.reshape(-1, shape[-1]).contiguous()
    y = torch.empty(rows.shape[0] if reduces else rows.shape, dtype=x.dtype, device=x.device)
    return rows, y, y.reshape(shape[:-1]) if reduces else torch.movedim(y.reshape(shape), -1, dim)


def _scalar_run(name, x, params):
    """The C kernel symact_<name> on x (checked: _c_scalar)."""
    import ctypes
    scalar = ctypes.c_float if x.dtype == torch.float32 else ctypes.c_double
    fn = _c_function(name, x.dtype, [ctypes.c_size_t, ctypes.c_void_p, ctypes.c_void_p] + [scalar] * len(params))
    xc, y = _scalar_layout(x)
    xp, yp, size = xc.data_ptr(), y.data_ptr(), xc.element_size()
    for rc in _c_runs(xc.numel(), 1, lambda a, b: fn(b - a, xp + a * size, yp + a * size, *params)):
        _c_check(name, rc, params)
    return y


def _rows_run(name, x, g, dim, reduces):
    """The C row kernel symact_<name> along dim (checked: _c_rows)."""
    import ctypes
    rows, y, out = _rows_layout(x, dim, reduces)
    cols = rows.shape[1]
    arrays = [rows] + ([] if g is None else [torch.movedim(g, dim, -1).reshape(-1, cols).contiguous()])
    fn = _c_function(name, x.dtype, [ctypes.c_size_t, ctypes.c_size_t] + [ctypes.c_void_p] * (len(arrays) + 1))
    row, ptrs = cols * x.element_size(), [a.data_ptr() for a in arrays]
    yp, out_row = y.data_ptr(), x.element_size() * (1 if reduces else cols)

    def call(a, b):
        return fn(b - a, cols, *[p + a * row for p in ptrs], yp + a * out_row)
    for rc in _c_runs(rows.shape[0], cols, call):
        _c_check(name, rc, ())
    return out


def _c_ops():
    """The two C calls as custom operators of this module's namespace
    (``torch.ops.<module>.c_scalar``, ``.c_rows``), defined when a library is first bound
    (not while torch.compile traces): eagerly a call costs a dispatch more than the
    function itself, and torch.compile records it in its graph as one opaque call, with
    the output's shape and layout from the same layout functions, instead of tracing the
    printed kernels."""
    if _C_LIB.get("ops") is None:
        ns = __name__.replace(".", "_")

        @torch.library.custom_op(f"{ns}::c_scalar", mutates_args=(), device_types="cpu")
        def c_scalar(name: str, x: torch.Tensor, params: list[float]) -> torch.Tensor:
            return _scalar_run(name, x, params)

        @c_scalar.register_fake
        def _(name, x, params):
            return _scalar_layout(x)[1]

        @torch.library.custom_op(f"{ns}::c_rows", mutates_args=(), device_types="cpu")
        def c_rows(name: str, x: torch.Tensor, g: torch.Tensor | None, dim: int, reduces: bool) -> torch.Tensor:
            return _rows_run(name, x, g, dim, reduces)

        @c_rows.register_fake
        def _(name, x, g, dim, reduces):
            return _rows_layout(x, dim, reduces)[2]

        _C_LIB["ops"] = (c_scalar, c_rows)
    return _C_LIB["ops"]


def _c_scalar(kernel, x, params):
    """kernel(x, *params) by the C library, in x's dtype; None where it does not apply."""
    if not _c_usable(x) or any(isinstance(p, torch.Tensor) for p in params):
        return None
    return _c_ops()[0](kernel.__name__[len("_k_"):], x, [float(p) for p in params])


def _c_rows(kernel, x, dim, g, reduces):
    """A row kernel (``_vec_NAME``) along ``dim`` by the C library, in x's dtype; None
    where it does not apply (the printed path then also reports bad arguments)."""
    if not _c_usable(x) or x.dim() == 0 or isinstance(dim, bool) or not isinstance(dim, int):
        return None
    if not -x.dim() <= dim < x.dim() or x.shape[dim] == 0:
        return None
    if g is not None and (not isinstance(g, torch.Tensor) or g.shape != x.shape or g.dtype != x.dtype
                          or not _c_usable(g)):
        return None
    return _c_ops()[1](kernel.__name__[len("_vec_"):], x, g, dim, reduces)
