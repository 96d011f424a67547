"""Which functions an activation yields, described once for every stage that names them.

A scalar activation NAME(x; p1..pk) yields ``NAME`` (the definition),
``NAME_grad`` (d/dx) and ``NAME_grad_<p>`` (d/dp) for each parameter.  A
vector activation over a row x[1..n] yields itself and, when it is
scalar-valued (logsumexp), its gradient ``NAME_grad`` (a row), or when it is
vector-valued (softmax, log_softmax), its vector-Jacobian product
``NAME_vjp(x, g)``.

:func:`kernel_specs` computes the :class:`KernelSpec` of each: name,
parameters with defaults, constraints, and the signature (scalar, or vector
with or without a cotangent, reducing a row or not).  Templates, loaders,
verify and the docs all read these, so no list of kernel names exists
anywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

import sympy as sp


@dataclass(frozen=True)
class ParamSpec:
    """A kernel parameter: its name, its catalogue default as a float, what it does."""

    name: str
    default: float
    doc: str = ""


@dataclass(frozen=True)
class KernelSpec:
    """One generated function and its signature.

    ``wrt``: ``"f"`` (the activation), ``"x"`` or a parameter name (scalar
    derivatives), ``"grad"`` or ``"vjp"`` (vector derivatives).
    ``takes_g``: a vector kernel with a cotangent argument ``g`` (the VJPs).
    ``reduces``: a vector kernel with one output per row (logsumexp).
    ``reference``: the activation's reference; ``definition``: its textbook SymPy
    expression (what the generated docstrings print).
    """

    name: str
    activation: str
    wrt: str
    vector: bool
    params: tuple[ParamSpec, ...]
    constraints: tuple[sp.Basic, ...]
    summary: str
    takes_g: bool = False
    reduces: bool = False
    reference: str = ""
    definition: object = field(default=None, compare=False)

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    @property
    def defaults(self) -> dict[str, float]:
        return {p.name: p.default for p in self.params}

    @property
    def constraint_text(self) -> str:
        """The constraints as one readable condition (``"alpha >= 0"``), or ``""``."""
        return " and ".join(str(c) for c in self.constraints)

    @property
    def description(self) -> str:
        """One line: what the kernel computes."""
        if self.wrt == "f":
            return f"{self.activation}: {self.summary}"
        if self.wrt == "grad":
            return f"gradient of {self.activation} ({self.summary})"
        if self.wrt == "vjp":
            return f"vector-Jacobian product of {self.activation} ({self.summary})"
        return f"d/d{self.wrt} of {self.activation} ({self.summary})"


def kernel_name(activation: str, wrt: str) -> str:
    """The public name of ``activation``'s kernel with respect to ``wrt``."""
    if wrt == "f":
        return activation
    if wrt in ("x", "grad"):
        return f"{activation}_grad"
    if wrt == "vjp":
        return f"{activation}_vjp"
    return f"{activation}_grad_{wrt}"


def entry_kernels(entry) -> list[KernelSpec]:
    """The kernels of one activation, the forward first."""
    params = tuple(ParamSpec(p.name, float(p.default), p.doc) for p in entry.params)
    common = dict(activation=entry.name, vector=entry.vector, params=params,
                  constraints=tuple(entry.constraints), summary=entry.summary,
                  reference=entry.reference, definition=entry.expr)
    if entry.vector:
        reduces = entry.output == "scalar"
        deriv = "grad" if reduces else "vjp"
        return [KernelSpec(kernel_name(entry.name, "f"), wrt="f", reduces=reduces, **common),
                KernelSpec(kernel_name(entry.name, deriv), wrt=deriv, takes_g=not reduces, **common)]
    return [KernelSpec(kernel_name(entry.name, wrt), wrt=wrt, **common)
            for wrt in ("f", "x", *(p.name for p in entry.params))]


def kernel_specs(entries: Iterable) -> list[KernelSpec]:
    """Every kernel of ``entries``, scalar activations first (entry order), then vector ones."""
    entries = list(entries)
    out = []
    for e in [e for e in entries if not e.vector] + [e for e in entries if e.vector]:
        out.extend(entry_kernels(e))
    names = [k.name for k in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"two kernels would share the name(s) {', '.join(dup)}")
    return out
