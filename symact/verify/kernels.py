"""What is measured: one :class:`Kernel` per generated function, with the exact
expression the oracle evaluates for it.

Scalar activation NAME gives ``NAME`` (the definition), ``NAME_grad`` (d/dx with
the catalogue's kink convention, :func:`symact.derive.grad`) and
``NAME_grad_<p>`` (d/dp, :func:`symact.derive.grad_param`), each at the
catalogue defaults and at the extra parameter sets of :mod:`.params`.  Vector
activations give ``logsumexp``, ``softmax``, ``log_softmax``,
``logsumexp_grad``, ``softmax_vjp``, ``log_softmax_vjp``
(:mod:`.vector_oracle`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from .. import catalogue, derive
from . import params as param_data

#: Vector kernels, by the catalogue entry they derive from.
VECTOR_FUNCTIONS = {
    "logsumexp": ("logsumexp", "logsumexp_grad"),
    "softmax": ("softmax", "softmax_vjp"),
    "log_softmax": ("log_softmax", "log_softmax_vjp"),
}


@dataclass(frozen=True)
class Kernel:
    """A generated function: ``function`` in symact_numpy / the C library."""

    function: str
    entry: str
    wrt: str  # "f", "x", a parameter name, or "vjp"/"grad" for vector kernels
    vector: bool = False
    #: parameter sets: ({} = catalogue defaults, not passed to the kernel), then extras
    param_sets: tuple = field(default_factory=lambda: ({},))
    #: the activation object itself when it is not in the catalogue (``symact new``)
    source: object = field(default=None, compare=False, repr=False)

    def _entry(self):
        return self.source if self.source is not None else catalogue.get(self.entry)

    def expr(self, values: dict) -> sp.Expr:
        """The exact SymPy expression in x for a scalar kernel at ``values``."""
        e = self._entry()
        if self.wrt == "f":
            return e.instantiate(values)
        if self.wrt == "x":
            return derive.grad(e, values)
        return derive.grad_param(e, self.wrt, values)

    def kinks(self, values: dict) -> list:
        """The kink points of the entry at ``values``, as floats."""
        e = self._entry()
        subs = e.param_subs(values)
        return [float(sp.sympify(p).subs(subs)) for p in e.kinks]


def kernels_for(name: str) -> list[Kernel]:
    """The kernels generated for catalogue entry ``name``."""
    e = catalogue.get(name)
    if e.vector:
        return [Kernel(fn, name, "vjp" if fn.endswith("vjp") else ("grad" if fn.endswith("grad") else "f"),
                       vector=True) for fn in VECTOR_FUNCTIONS[name]]
    return scalar_kernels(e, ({},) + tuple(param_data.EXTRA.get(name, ())))


def scalar_kernels(e, param_sets=({},), *, source=None) -> list[Kernel]:
    """The kernels generated for scalar activation ``e``, at ``param_sets``;
    ``source=e`` for an activation that is not in the catalogue."""
    name = e.name
    kw = {"param_sets": tuple(param_sets), "source": source}
    out = [Kernel(name, name, "f", **kw), Kernel(f"{name}_grad", name, "x", **kw)]
    out += [Kernel(f"{name}_grad_{p.name}", name, p.name, **kw) for p in e.params]
    return out


def all_kernels(names=None) -> list[Kernel]:
    """Kernels for ``names`` (all catalogue entries when None), catalogue order."""
    names = catalogue.names() if not names else list(names)
    out = []
    for n in names:
        out += kernels_for(n)
    return out
