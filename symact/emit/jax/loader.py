"""Load the generated JAX module with symact_numpy's API (numpy arrays in and out).

``load(out_dir=None, kernels=None, library="symact")``: ``<library>_jax.py`` from
``out_dir`` (None: the installed ``symact_jax``), each kernel of ``kernels``
(None: the catalogue's) run under ``jax.jit`` (parameters as traced float64
arguments, so one compilation serves every parameter value; their constraints
are checked first by the module's own check) with 64-bit types enabled, so a
float64 input stays float64; results come back as ndarrays.  Eager calls, one
XLA compilation per operation and shape, would take minutes for the grids
verify measures.
"""

from __future__ import annotations

import numpy as np


def _scalar(module, spec):
    import jax
    import jax.numpy as jnp

    fn = getattr(module, spec.name)
    check = getattr(module, f"_check_{spec.activation}")
    names = spec.param_names
    jitted = jax.jit(lambda x, *values: fn(x, **dict(zip(names, values))))

    def call(x, **params):
        unknown = set(params) - set(names)
        if unknown:
            raise TypeError(f"{spec.name}() got an unexpected keyword argument {sorted(unknown)[0]!r}")
        values = [module._param(spec.name, n, params.get(n, spec.defaults[n])) for n in names]
        check(*values)
        return jitted(x, *(jnp.asarray(v, dtype=jnp.float64) for v in values))
    return call


def _vector(module, spec):
    import jax

    fn = getattr(module, spec.name)
    if spec.takes_g:
        jitted = jax.jit(lambda x, g, axis: fn(x, g, axis=axis), static_argnums=2)
        return lambda x, g, axis=-1: jitted(x, g, axis)
    jitted = jax.jit(lambda x, axis: fn(x, axis=axis), static_argnums=1)
    return lambda x, axis=-1: jitted(x, axis)


def load(out_dir=None, kernels=None, library: str = "symact"):
    import jax
    import jax.numpy as jnp

    from symact.emit.tensor.loader import import_generated, numpy_api
    if kernels is None:
        from symact.define.catalogue import ENTRIES
        from symact.derive.kernels import kernel_specs
        kernels = kernel_specs(ENTRIES)
    module = import_generated(out_dir, library, "jax")
    jitted = type("jitted", (), {})()
    for spec in kernels:
        setattr(jitted, spec.name, (_vector if spec.vector else _scalar)(module, spec))
    api = numpy_api(jitted, kernels, jnp.asarray, np.asarray, "axis", around=lambda: jax.enable_x64(True))
    api.module = module
    return api
