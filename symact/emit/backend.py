"""The backend interface: what a target language provides to generate, verify, build and new.

A backend (model: SymForce's ``CodegenConfig``) is one package under
``symact/emit/<name>/`` with its templates under ``templates/<name>/`` and one
line in :data:`symact.emit.registry.REGISTRY`.  It provides:

- ``name`` and ``dtypes``: the dtypes it generates kernels for, each a
  :class:`DType` (the backend's type name, the suffix of generated names, and
  the per-dtype settings its runtime reads, e.g. thresholds);
- ``outputs(library)``: the files it writes (``{file name: template}``) for a
  library called ``library`` (``symact`` for the catalogue, ``symact_NAME`` for
  ``symact new NAME``);
- ``context(kernels, forms, library)``: the template context, already-printed
  strings only (the templates lay them out and decide nothing); ``kernels``
  are the :class:`~symact.derive.kernels.KernelSpec` of every kernel,
  ``forms`` the stable form of each scalar one
  (:class:`symact.stabilise.forms.Kernel`);
- ``load(out_dir, kernels, library)``: the generated code as an object with the
  ``symact_numpy`` API (``NAME(x, *, params)``, vector kernels along an axis),
  which is what verify measures;
- ``unavailable()``: why it cannot load on this machine (no compiler, framework
  not installed), or ``None``.

Everything is computed from the kernel specs: a backend never lists kernel
names of its own.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence


@dataclass(frozen=True)
class DType:
    """One dtype of a backend.

    ``name``: the NumPy name (``"float64"``); ``tag``: the suffix in generated
    names (``"f64"``); ``ctype``: the backend's own spelling (``"double"``);
    ``settings``: printed literals the backend's runtime reads per dtype.
    """

    name: str
    tag: str
    ctype: str = ""
    settings: Mapping[str, str] = field(default_factory=dict)


class Backend(abc.ABC):
    """A target language; see the module docstring for what each member provides."""

    #: Registry name, e.g. ``"numpy"``, ``"c"``.
    name: str = ""
    #: The dtypes kernels are generated for.
    dtypes: Sequence[DType] = ()

    @abc.abstractmethod
    def outputs(self, library: str) -> dict[str, str]:
        """``{output file name: template path under templates/}``."""

    @abc.abstractmethod
    def context(self, kernels: Sequence, forms: Mapping, library: str) -> dict:
        """The template context: printed strings, lists and dicts of them."""

    @abc.abstractmethod
    def load(self, out_dir: Path | str | None = None, kernels: Sequence | None = None,
             library: str = "symact"):
        """The generated code in ``out_dir`` (None: what ships with symact), with the
        ``symact_numpy`` API for ``kernels`` (None: the catalogue's)."""

    def unavailable(self) -> str | None:
        """Why this backend cannot load here, or ``None`` when it can."""
        return None

    def __repr__(self) -> str:
        return f"<backend {self.name}>"
