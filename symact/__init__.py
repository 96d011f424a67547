"""symact: activation functions from one SymPy definition to proved facts and generated code.

The pipeline, one subpackage per stage: :mod:`symact.define` (the data model,
the catalogue, user definitions), :mod:`symact.derive` (derivatives by
``sympy.diff``), :mod:`symact.proof` (theorems and properties),
:mod:`symact.stabilise` (proved rewrites into stable primitives),
:mod:`symact.emit` (backends: printers, runtimes, templates, loaders) and
:mod:`symact.verify` (ULP measurement against an mpmath oracle);
:mod:`symact.cli` is the command line.

The public Python API, importable from here (loaded on first use, so
``import symact`` stays cheap)::

    import symact
    gelu = symact.get("gelu")                       # a catalogue entry
    symact.derivatives(gelu)                         # {"x": d/dx}, by sympy.diff
    symact.prove_equal(lhs, rhs, where=cond)         # PROVED / DISPROVED / UNDECIDED
    symact.stable_forms(gelu)                        # every kernel's stable form, proved
    symact.generate(symact.ENTRIES, "out")           # render every backend into out/
    lib = symact.load_c()                            # the generated C, compiled, via ctypes
    symact.c_library()                               # its shared library's path (compiled once)
    symact.c_library(xla_ffi=True)                   # with the XLA FFI handlers symact_jax binds
    symact.verify.run(symact.ENTRIES, ["gelu"])      # ULP report against the oracle
"""

from __future__ import annotations

import importlib

__version__ = "0.2.0"

#: Public name -> (module, attribute).
_API = {
    "ENTRIES": ("symact.define.catalogue", "ENTRIES"),
    "get": ("symact.define.catalogue", "get"),
    "names": ("symact.define.catalogue", "names"),
    "X": ("symact.define.model", "X"),
    "Param": ("symact.define.model", "Param"),
    "ParameterError": ("symact.define.model", "ParameterError"),
    "ScalarActivation": ("symact.define.model", "ScalarActivation"),
    "VectorActivation": ("symact.define.model", "VectorActivation"),
    "parse_expression": ("symact.define.parse", "parse_expression"),
    "user_activation": ("symact.define.userdef", "user_activation"),
    "derivatives": ("symact.derive", "derivatives"),
    "grad": ("symact.derive", "grad"),
    "grad_param": ("symact.derive", "grad_param"),
    "kernel_specs": ("symact.derive.kernels", "kernel_specs"),
    "prove_equal": ("symact.proof.equal", "prove_equal"),
    "properties": ("symact.proof.properties", "properties"),
    "run_theorems": ("symact.proof.engine", "run_theorems"),
    "stable_forms": ("symact.stabilise.forms", "kernels"),
    "generate": ("symact.emit.generate", "generate"),
    "load_c": ("symact.emit.c.loader", "load"),
    "c_library": ("symact.emit.c.loader", "build"),
}

__all__ = ["__version__", *_API]


def __getattr__(name: str):
    try:
        module, attr = _API[name]
    except KeyError:
        raise AttributeError(f"module 'symact' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_API))
