"""The PyTorch backend: one module, ``<library>_torch.py``, that imports only torch.

Printer: :mod:`.printer`; runtime: the shared array-framework runtime
(symact/emit/tensor/runtime) with torch's operations (``runtime/ops.py``) and
the autograd layer (``runtime/autograd.py``: autograd Functions whose backward
is the derived derivative kernels, nn.Modules); loader: :mod:`.loader` (the
symact_numpy API over the generated module, numpy arrays in and out).
Kernels compute in float64 whatever the input dtype and round once.
"""

from __future__ import annotations

from pathlib import Path

from symact.emit.backend import DType
from symact.emit.tensor import TensorBackend
from symact.emit.torch.printer import TorchPrinter

RUNTIME = Path(__file__).with_name("runtime")


class TorchBackend(TensorBackend):
    name = "torch"
    framework = "torch"
    printer_class = TorchPrinter
    OPS = RUNTIME / "ops.py"
    # native.py: the C library under the layer, for CPU tensors (use_c_library)
    LAYERS = (RUNTIME / "native.py", RUNTIME / "autograd.py")
    axis = "dim"
    modules = True
    # The module computes in float64 for every dtype; the dtype only decides the rounding.
    dtypes = (DType("float64", "f64", "torch.float64"), DType("float32", "f32", "torch.float32"))

    def outputs(self, library: str) -> dict[str, str]:
        return {f"{library}_torch.py": "torch/symact_torch.py.j2"}

    def load(self, out_dir=None, kernels=None, library: str = "symact"):
        from symact.emit.torch.loader import load
        return load(out_dir, kernels, library)

    def unavailable(self) -> str | None:
        from symact.emit.tensor.loader import missing
        return missing("torch")


BACKEND = TorchBackend()
