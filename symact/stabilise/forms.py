"""The stable form of every kernel of an activation: f, d/dx and each d/dparam.

``kernels(entry) -> list[Kernel]``: for a scalar activation, the definition and
each derivative from :mod:`symact.derive` (parameters kept symbolic: generated
kernels take them as arguments), stabilised by :func:`symact.stabilise.stabilise`
under the parameter constraints, then given double-word windows where its terms
still cancel (:mod:`symact.stabilise.windows`), and with the infinite limits at +-inf
made explicit where the form has no value there (:mod:`symact.stabilise.limits`).
Every step is proved equal to the definition; there are no hand-written forms.  Kernel names are
:func:`symact.derive.kernels.kernel_name`'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from symact import derive
from symact.define.model import X, ScalarActivation
from symact.derive.kernels import kernel_name
from symact.stabilise import Stabiliser, limits, prove_rewrite, windows



@dataclass(frozen=True)
class Kernel:
    name: str            # public name, e.g. "elu_grad_alpha"
    activation: str
    wrt: str             # "f", "x" or a parameter name
    definition: sp.Expr  # what sympy.diff gives (or the catalogue definition)
    stable: sp.Expr      # in stable primitives
    source: str          # "rules", or "rules+windows" where double-word windows were added
    applied: tuple = field(default=(), compare=False)
    #: the form for float kernels computed in double at float's precision (the C
    #: backend's f32x): windows only where the cancellation exceeds windows.RATIO_FLOAT
    stable_float: sp.Expr = field(default=None, compare=False)


def stable_kernel(entry: ScalarActivation, wrt: str, definition: sp.Expr) -> Kernel:
    where = sp.And(*entry.constraints)
    name = kernel_name(entry.name, wrt)
    s = Stabiliser(where)
    stable = s.run(definition)
    defaults = {entry.param_symbols[k]: v for k, v in entry.defaults.items()}
    full, source = _finish(stable, definition, where, defaults, name, windows.RATIO)
    floated = full
    if source == "rules+windows":  # no cancellation beyond RATIO, none beyond RATIO_FLOAT
        floated, _ = _finish(stable, definition, where, defaults, name, windows.RATIO_FLOAT)
    return Kernel(name, entry.name, wrt, definition, full, source, tuple(s.applied), floated)


def _finish(stable, definition, where, defaults, name, limit):
    """(form, source): ``stable`` with double-word windows beyond the cancellation ratio
    ``limit`` and its limits at infinity, each step proved equal to ``stable``."""
    source = "rules"
    windowed = windows.add_windows(stable, defaults, name, limit)
    if windowed is not stable:
        proof = prove_rewrite(stable, windowed, where)
        if str(proof.status) == "PROVED":
            stable, source = windowed, "rules+windows"
        elif limit == windows.RATIO:
            windows.SKIPPED[name] = f"the windowed form is not proved: {proof.status} ({proof.detail})"
    bounded = limits.add_limits(stable, definition, defaults)
    if bounded is not stable and str(prove_rewrite(stable, bounded, where).status) == "PROVED":
        stable = bounded
    return stable, source


def kernels(entry: ScalarActivation) -> list[Kernel]:
    """f, d/dx and each d/dparam of ``entry``, in that order, each in stable form."""
    out = [stable_kernel(entry, "f", entry.expr)]
    for wrt, d in derive.derivatives(entry, symbolic=True).items():
        out.append(stable_kernel(entry, wrt, d))
    return out
