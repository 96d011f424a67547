"""What is measured: one :class:`Kernel` per generated function, with the exact
expression the oracle evaluates for it.

The kernels are the activation's :func:`symact.derive.kernels.entry_kernels`:
for a scalar activation NAME, ``NAME`` (the definition), ``NAME_grad`` (d/dx with
the entry's kink convention, :func:`symact.derive.grad`) and ``NAME_grad_<p>``
(d/dp, :func:`symact.derive.grad_param`), each at the defaults and at the extra
parameter sets of :mod:`.params`; for a vector activation itself and its
gradient or VJP (exact values from :mod:`.vector_oracle`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from symact import derive
from symact.derive.kernels import entry_kernels
from symact.verify import params as param_data


@dataclass(frozen=True)
class Kernel:
    """A generated function: ``function`` in symact_numpy / the C library."""

    function: str
    entry: str
    wrt: str  # "f", "x", a parameter name, or "vjp"/"grad" for vector kernels
    vector: bool = False
    #: parameter sets: ({} = catalogue defaults, not passed to the kernel), then extras
    param_sets: tuple = field(default_factory=lambda: ({},))
    #: the activation it derives from
    source: object = field(default=None, compare=False, repr=False)

    def expr(self, values: dict) -> sp.Expr:
        """The exact SymPy expression in x for a scalar kernel at ``values``."""
        e = self.source
        if self.wrt == "f":
            return e.instantiate(values)
        if self.wrt == "x":
            return derive.grad(e, values)
        return derive.grad_param(e, self.wrt, values)

    def kinks(self, values: dict) -> list:
        """The kink points of the entry at ``values``, as floats."""
        e = self.source
        subs = e.param_subs(values)
        return [float(sp.sympify(p).subs(subs)) for p in e.kinks]


def kernels_for(entry, param_sets=None) -> list[Kernel]:
    """The kernels generated for ``entry``, at the defaults and ``param_sets`` (by default
    the extra sets of :mod:`.params` for a catalogue name)."""
    if param_sets is None:
        param_sets = ({},) + tuple(param_data.EXTRA.get(entry.name, ()))
    return [Kernel(spec.name, entry.name, spec.wrt, vector=spec.vector,
                   param_sets=({},) if spec.vector else tuple(param_sets), source=entry)
            for spec in entry_kernels(entry)]


def all_kernels(entries, names=None) -> list[Kernel]:
    """Kernels of ``entries`` (those named in ``names`` when given), in entry order."""
    out = []
    for e in entries:
        if not names or e.name in names:
            out += kernels_for(e)
    return out
