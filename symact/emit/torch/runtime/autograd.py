"""The torch layer: dtypes, parameters, autograd Functions and nn.Modules around the kernels.

Every kernel computes in float64 and rounds once to the input's dtype: float32,
float16 and bfloat16 inputs are promoted (the double-word algorithms of the
runtime are float64 algorithms, as in the C backend's float GELU and vector
kernels), float64 stays.  Parameters are Python numbers (checked: finite, and
the activation's constraints) or tensors broadcastable with x (learnable;
not checked, which would read them back from the device and break torch.compile
graphs).  Each activation is a ``torch.autograd.Function`` whose backward is the
derived derivative kernels (d/dx and d/dparam), g times the derivative formed in
float64 and rounded once.  Under torch.compile nothing branches on a tensor's
value, so it traces forward and backward without graph breaks; in eager mode the
kernels skip the branches no entry takes (runtime/api.py).
"""

import math

import torch

from symact.emit.tensor.runtime.api import _is_number, _number, _run_as
from symact.emit.tensor.runtime.vector import _VEC_FLOAT
from symact.emit.torch.runtime.native import _c_rows, _c_scalar

_F64 = torch.float64


def _floating(x):
    """``x`` as a floating tensor: integers and bools become float64 (as in symact_numpy)."""
    if not isinstance(x, torch.Tensor):
        x = torch.as_tensor(x)
    return x if x.is_floating_point() else x.to(_F64)


def _param(kernel, name, value):
    """A parameter: a tensor as it is, a number as a finite Python float, else ValueError."""
    return value if isinstance(value, torch.Tensor) else _number(kernel, name, value)


def _compute(params):
    return tuple(p.to(_F64) if isinstance(p, torch.Tensor) else p for p in params)


def _eval64(kernel, x, params):
    """kernel(x, *params) in float64, unrounded; float32, float16 and bfloat16 ``x`` take
    the kernel's float form (float's windows, no pairs for rounded arguments, the
    float-precision primitives) and its limits at +-FLT_MAX."""
    wide = x.dtype == _F64
    return _run_as(kernel, x.to(_F64), _compute(params), wide)


def _apply(kernel, x, params):
    """kernel(x, *params), rounded once to x's dtype (by the C library where one is bound
    and applies: native.py)."""
    x = _floating(x)
    y = _c_scalar(kernel, x, params)
    return _eval64(kernel, x, params).to(x.dtype) if y is None else y


def _call(fn, x, params):
    """An activation's autograd Function on x."""
    return fn.apply(_floating(x), *params)


def _call_vector(fn, x, dim):
    """A vector activation's autograd Function on x along dim."""
    return fn.apply(_floating(x), dim)


def _reduce_to(d, target):
    """d (float64, x's shape) summed to the shape of the tensor ``target``, in its dtype."""
    return d.sum_to_size(target.shape).to(target.dtype)


def _function(name, kernel, derivatives):
    """The autograd Function of a scalar activation: forward ``kernel``, backward
    g*derivatives[0] for x and g*derivatives[i] for the i-th parameter."""

    def forward(ctx, x, *params):
        ctx.save_for_backward(x, *[p for p in params if isinstance(p, torch.Tensor)])
        ctx.numbers = [None if isinstance(p, torch.Tensor) else p for p in params]
        return _apply(kernel, x, params)

    def backward(ctx, g):
        x, *tensors = ctx.saved_tensors
        it = iter(tensors)
        params = [next(it) if n is None else n for n in ctx.numbers]
        out = [None] * (1 + len(params))
        for i, derivative in enumerate(derivatives):
            if ctx.needs_input_grad[i]:
                # by the C library only d/dx: a parameter that needs a gradient is a tensor
                c = _c_scalar(derivative, x, params) if i == 0 else None
                if c is not None:
                    out[i] = c.mul_(g)  # in place: c is the call's own (g*c, one allocation fewer)
                    continue
                d = g.to(_F64) * _eval64(derivative, x, params)
                out[i] = d.to(x.dtype) if i == 0 else _reduce_to(d, params[i - 1])
        return tuple(out)

    return type(f"_{name}_function", (torch.autograd.Function,), {
        "forward": staticmethod(forward), "backward": staticmethod(backward), "__doc__": f"{name} with symact's derivative kernels"})


def _vector_eval64(kernel, x, dim, g=None, reduces=False):
    """A row kernel of the shared vector runtime along ``dim`` in float64, unrounded."""
    x = _floating(x)
    if x.dim() == 0:
        raise ValueError("vector activations need at least one axis (got a 0-d input)")
    if isinstance(dim, bool) or not isinstance(dim, int):
        raise ValueError(f"dim must be an integer, got {dim!r}")
    moved = torch.movedim(x.to(_F64), dim, -1)
    shape = moved.shape
    if shape[-1] == 0:
        return torch.full(shape[:-1], -math.inf, dtype=_F64, device=x.device) if reduces else moved
    rows = moved.reshape(-1, shape[-1])
    # float rows take the float-precision row kernel where there is one (vector.py): every
    # caller rounds the result to x's dtype
    kernel = kernel if x.dtype == _F64 else _VEC_FLOAT.get(kernel, kernel)
    if g is None:
        out = kernel(rows)
    else:
        g = _floating(g)
        if g.shape != x.shape:
            raise ValueError(f"x and g must have the same shape, got {tuple(x.shape)} and {tuple(g.shape)}")
        out = kernel(rows, torch.movedim(g.to(_F64), dim, -1).reshape(-1, shape[-1]))
    if reduces:
        return out.reshape(shape[:-1])
    return torch.movedim(out.reshape(shape), -1, dim)


def _vector_apply(kernel, x, dim, g=None, reduces=False):
    """A row kernel along ``dim``, rounded once to x's dtype (by the C library where one
    is bound and applies: native.py)."""
    x = _floating(x)
    y = _c_rows(kernel, x, dim, g, reduces)
    return _vector_eval64(kernel, x, dim, g, reduces).to(x.dtype) if y is None else y


def _vector_function(name, kernel, derivative, reduces):
    """The autograd Function of a vector activation along ``dim``: backward by the derived
    vector-Jacobian product (softmax, log_softmax) or gradient (logsumexp: g times it)."""

    def forward(ctx, x, dim):
        ctx.save_for_backward(x)
        ctx.dim = dim
        return _vector_apply(kernel, x, dim, reduces=reduces)

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        if not reduces:
            return _vector_apply(derivative, x, ctx.dim, g), None
        c = _c_rows(derivative, x, ctx.dim, None, False)
        if c is not None:
            return c.mul_(g.unsqueeze(ctx.dim)), None
        dx = g.to(_F64).unsqueeze(ctx.dim) * _vector_eval64(derivative, x, ctx.dim)
        return dx.to(x.dtype), None

    return type(f"_{name}_function", (torch.autograd.Function,), {
        "forward": staticmethod(forward), "backward": staticmethod(backward), "__doc__": f"{name} with symact's derivative kernels"})


class _Activation(torch.nn.Module):
    """Base of the generated modules: ``_fn`` the public function, ``_params`` its
    parameters as (name, default, learnable by default), ``_check`` the constraints.
    ``learnable``: the names to learn (default: those the catalogue marks learned)."""

    _fn = None
    _check = None
    _params = ()

    def __init__(self, *, learnable=None, **values):
        super().__init__()
        names = [p[0] for p in self._params]
        unknown = sorted(set(values) - set(names)) + sorted(set(learnable or ()) - set(names))
        if unknown:
            raise TypeError(f"{type(self).__name__} has no parameter {unknown[0]!r}"
                            f" (parameters: {', '.join(names) or 'none'})")
        learn = {n for n, _, by_default in self._params if by_default} if learnable is None else set(learnable)
        checked = {}
        for name, default, _ in self._params:
            value = _param(type(self).__name__, name, values.get(name, default))
            checked[name] = value
            if name in learn:
                if not isinstance(value, torch.Tensor):
                    value = torch.tensor(value, dtype=torch.get_default_dtype())
                self.register_parameter(name, torch.nn.Parameter(value))
            else:
                setattr(self, name, value)
        type(self)._check(**checked)

    def forward(self, x):
        return type(self)._fn(x, **{n: getattr(self, n) for n, _, _ in self._params})

    def extra_repr(self):
        return ", ".join(f"{n}={getattr(self, n)!r}" if _is_number(getattr(self, n)) else f"{n}=learned"
                         for n, _, _ in self._params)


class _VectorActivation(torch.nn.Module):
    """Base of the generated modules of vector activations: ``_fn`` along ``dim``."""

    _fn = None

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return type(self)._fn(x, dim=self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"
