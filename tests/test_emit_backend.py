"""The backend interface: the registry, what every backend provides, and that a new
backend needs nothing but its package and one registry line."""

from __future__ import annotations

import re
import sys
import types

import pytest

from symact.define.catalogue import ENTRIES
from symact.emit import registry
from symact.emit.backend import Backend, DType
from symact.emit.generate import generate


@pytest.mark.parametrize("name", registry.NAMES)
def test_every_backend_implements_the_interface(name):
    backend = registry.get(name)
    assert isinstance(backend, Backend) and backend.name == name
    assert backend.dtypes and all(isinstance(d, DType) for d in backend.dtypes)
    assert {d.name for d in backend.dtypes} >= {"float32", "float64"}
    outputs = backend.outputs("symact")
    assert outputs and all(isinstance(t, str) and t.startswith(f"{name}/") for t in outputs.values())
    # the library name goes into the file names, so symact new's files can sit beside ours
    assert not set(outputs) & set(backend.outputs("symact_other"))


@pytest.mark.parametrize("name", registry.NAMES)
def test_every_backend_loads_every_kernel_with_the_numpy_api(name, specs):
    backend = registry.get(name)
    if backend.unavailable():
        pytest.skip(backend.unavailable())
    module = backend.load(None, specs)
    missing = [k.name for k in specs if not callable(getattr(module, k.name, None))]
    assert not missing


def test_unknown_backend_names_the_known_ones():
    with pytest.raises(KeyError, match="known: numpy, c"):
        registry.get("fortran")


class _ListingBackend(Backend):
    """A backend that writes one file listing every kernel and its signature."""

    name = "listing"
    dtypes = (DType("float64", "f64", "double"), DType("float32", "f32", "float"))

    def outputs(self, library):
        return {f"{library}.txt": "listing/listing.txt.j2"}

    def context(self, kernels, forms, library):
        rows = []
        for k in kernels:
            kind = "vector" if k.vector else "scalar"
            stable = "" if k.vector else str(forms[k.name].stable)
            rows.append(f"{k.name} {kind} ({', '.join(k.param_names)}) {stable}")
        return {"rows": rows}

    def load(self, out_dir=None, kernels=None, library="symact"):
        raise NotImplementedError


def test_a_new_backend_is_one_package_and_one_registry_line(tmp_path, monkeypatch):
    templates = tmp_path / "templates"
    (templates / "listing").mkdir(parents=True)
    (templates / "listing" / "listing.txt.j2").write_text("{% for r in rows %}{{ r }}\n{% endfor %}")
    package = types.ModuleType("symact_listing_backend")
    package.BACKEND = _ListingBackend()
    monkeypatch.setitem(sys.modules, "symact_listing_backend", package)
    monkeypatch.setitem(registry.REGISTRY, "listing", "symact_listing_backend:BACKEND")
    monkeypatch.setattr("symact.emit.render.templates_dir", lambda: templates)
    # only the new backend's templates exist in this tree: render just it (and no catalogue document)
    monkeypatch.setattr(registry, "backends", lambda: {"listing": registry.get("listing")})
    monkeypatch.setattr("symact.emit.document.render_files", lambda *a, **k: {})
    report = generate(ENTRIES, tmp_path / "out", only=["elu", "softmax"])
    text = (tmp_path / "out" / "symact.txt").read_text()
    assert report.written == ["symact.txt"]
    names = [line.split()[0] for line in text.splitlines() if line and not line.startswith("#")]
    assert names == ["elu", "elu_grad", "elu_grad_alpha", "softmax", "softmax_vjp"]
    assert re.search(r"^elu scalar \(alpha\) Piecewise", text, re.M)
